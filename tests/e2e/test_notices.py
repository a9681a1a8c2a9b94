"""Journey on a phone: the citizen adds a mobile number and confirms the code; a
questionnaire becomes due; the SMS arrives in the demo gateway and its link leads to the
questionnaire after login. The caseworker sees the advisering of a withdrawn consent."""

from __future__ import annotations

import re
import subprocess
import time
from typing import Any

import httpx
from playwright.sync_api import BrowserContext, Page, expect

from portal.devstack import BIN, ROOT, Stack
from tests.e2e.conftest import login_as


def sms_to(stack: Stack, number: str, count: int, timeout: float = 60) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in httpx.get(f"{stack.notices_url}/sms.json").json() if m["to"] == number]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_mobile_confirmed_questionnaire_due_sms_link_leads_to_it(
    page: Page, stack: Stack, context: BrowserContext, axe_check: Any
) -> None:
    login_as(page, "Jonas Holm Nielsen")
    page.goto("/beskeder-til-dig")
    axe_check()
    page.get_by_label("Mobilnummer", exact=True).fill("22 33 44 55")
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Skriv koden")
    (code_sms,) = sms_to(stack, "+4522334455", 1)
    code = re.search(r"\b(\d{6})\b", code_sms["text"]).group(1)  # type: ignore[union-attr]
    page.get_by_label("Kode (6 cifre)").fill(code)
    page.get_by_role("button", name="Bekræft").click()
    expect(page.get_by_text("Dit mobilnummer er bekræftet.")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("+4522334455")

    subprocess.run(
        [str(BIN / "flask"), "--app", "planapi", "demo-event", "questionnaire-due", "p-jonas"],
        cwd=ROOT, env=stack.env(), check=True, capture_output=True,
    )  # fmt: skip
    found = sms_to(stack, "+4522334455", 2)
    assert len(found) == 2, found
    text = found[1]["text"]
    assert text.startswith("Der er et kort spørgeskema til dig. Log ind på ")
    link = re.search(r"(http://\S+)", text).group(1).rstrip(".")  # type: ignore[union-attr]
    assert link == f"{stack.portal_url}/saadan-gaar-det/who-5/besvar"

    fresh = context.browser.new_context(  # type: ignore[union-attr]
        viewport={"width": 375, "height": 740}, locale="da-DK", base_url=stack.portal_url
    )
    phone = fresh.new_page()
    phone.goto(link)
    phone.get_by_label("Jonas Holm Nielsen", exact=True).check()
    phone.locator("#level-substantial").check()
    phone.get_by_role("button", name="Log ind", exact=True).click()
    phone.wait_for_url("**/saadan-gaar-det/who-5/besvar**")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("WHO-5")
    fresh.close()


def test_caseworker_sees_the_advisering_and_marks_it_seen(
    page: Page, stack: Stack, axe_check: Any
) -> None:
    deadline = time.monotonic() + 60
    login_as(page, "Lene Bach", employee=True)
    while True:  # the worker takes in the demo data's events within a tick or two
        page.goto("/medarbejder/advisering")
        if page.locator(".card").count() or time.monotonic() > deadline:
            break
        time.sleep(1)
    card = page.locator(".card", has_text="Karim Hassan").first
    expect(card).to_contain_text("Samtykke trukket tilbage")
    axe_check()
    card.get_by_role("button", name="Markér som set").click()
    expect(page.get_by_role("heading", name="Set")).to_be_visible()
    expect(page.locator("form[action$='/set']", has_text="Karim")).to_have_count(0)
