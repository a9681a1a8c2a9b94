"""Journeys: on a phone, Jonas adds a mobile number and confirms the code; a questionnaire
becomes due; the text message arrives in the demo SMS gateway and its link leads to the
questionnaire after login. Lene sees the advisering of a withdrawn consent and marks it seen.

The notice worker the stack runs follows the plan API's feed every 2 s; the tests wait for
what it sends (the gateway's list), never for a fixed time.
"""

from __future__ import annotations

import re
import subprocess
import time
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from portal.devstack import BIN, ROOT, Stack
from tests.e2e.conftest import login_as

NUMBER = "+4522334455"


def texts_to(stack: Stack, number: str, count: int, timeout: float = 30) -> list[str]:
    """The texts the demo gateway has for a number, once there are `count` (or the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        sent = httpx.get(f"{stack.notices_url}/sms.json", timeout=5).json()
        found = [m["text"] for m in sent if m["to"] == number]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_mobile_confirmed_questionnaire_due_sms_link_leads_to_it(
    page: Page, stack: Stack, axe_check: Any
) -> None:
    login_as(page, "Jonas Holm Nielsen")
    page.goto("/beskeder-til-dig")
    page.get_by_label("Mobilnummer", exact=True).fill("22 33 44 55")
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Skriv koden")
    (code_text,) = texts_to(stack, NUMBER, 1)
    code = re.search(r"\b(\d{6})\b", code_text)
    assert code, code_text
    page.get_by_label("Kode (6 cifre)").fill(code.group(1))
    page.get_by_role("button", name="Bekræft").click()
    expect(page.get_by_text("Dit mobilnummer er bekræftet.")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text(NUMBER)
    axe_check(reload=False)  # the settings page with its receipt, as it is after the POST

    subprocess.run(
        [str(BIN / "flask"), "--app", "planapi", "demo-event", "questionnaire-due", "p-jonas"],
        cwd=ROOT, env=stack.env(), check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    found = texts_to(stack, NUMBER, 2)
    assert len(found) == 2, found
    assert found[1].startswith("Der er et kort spørgeskema til dig. Log ind på "), found[1]
    assert "Jonas" not in found[1] and "WHO" not in found[1]
    link = re.search(r"(http://\S+)", found[1])
    assert link, found[1]
    url = link.group(1).rstrip(".")
    assert url == f"{stack.portal_url}/saadan-gaar-det/who-5/besvar"

    page.context.clear_cookies()  # the phone later, logged out: the link asks for a login
    page.goto(url)
    page.get_by_label("Jonas Holm Nielsen", exact=True).check()
    page.locator("#level-substantial").check()
    page.get_by_role("button", name="Log ind", exact=True).click()
    page.wait_for_url(url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("WHO-5")


def test_lene_sees_the_advisering_and_marks_it_seen(lene: Page) -> None:
    # The worker takes in the demo data's consent events within a tick or two of the start.
    deadline = time.monotonic() + 30
    lene.goto("/medarbejder/advisering")
    while not lene.locator(".card", has_text="Karim Hassan").count():
        assert time.monotonic() < deadline, "no advisering for Karim Hassan"
        lene.reload()
    card = lene.locator(".card", has_text="Karim Hassan").first
    expect(card).to_contain_text("Samtykke trukket tilbage")
    card.get_by_role("button", name="Markér som set").click()
    expect(lene.get_by_role("heading", name="Set")).to_be_visible()
    expect(lene.locator("form[action$='/set']", has_text="Karim")).to_have_count(0)
