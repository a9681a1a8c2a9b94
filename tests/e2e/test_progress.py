"""Journey: a due WHO-5 on the overview → answered on a phone in five answers and two taps
→ the progress page shows the hand-computed score; a resend records one response; an
answer sent while the plan API is down is delivered later, exactly once."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from portal.devstack import Stack
from tests.e2e import conftest as e2e
from tests.e2e.conftest import outbox_settled

PERSON = "p-mette"
# Hand-computed: 3 + 4 + 2 + 3 + 1 = 13 → 13 × 4 = 52
WHO5_ANSWERS = (
    "Lidt mere end halvdelen af tiden",
    "Det meste af tiden",
    "Lidt mindre end halvdelen af tiden",
    "Lidt mere end halvdelen af tiden",
    "Lidt af tiden",
)
WHO5_SCORE = 52


def login(page: Page, name: str) -> None:
    helper = getattr(e2e, "login_as", None)
    if helper is not None:
        helper(page, name)
        return
    page.goto("/overblik")
    page.get_by_label(name).check()
    page.get_by_label("Betydelig").check()
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url("**/overblik**")


def responses(stack: Stack, instrument_id: str) -> list[dict[str, Any]]:
    answer = httpx.get(
        f"{stack.planapi_url}/v1/persons/{PERSON}/questionnaires/{instrument_id}/responses",
        headers={
            "Authorization": "Bearer dev-planapi-token",
            "X-Actor-Id": PERSON,
            "X-Actor-Role": "citizen",
            "X-Basis": "self",
        },
    )
    answer.raise_for_status()
    return list(answer.json()["items"])


def test_answer_who5_on_a_phone_and_see_the_score(page: Page, stack: Stack, axe_check: Any) -> None:
    before = len(responses(stack, "who-5"))
    login(page, "Mette Lund Sørensen")
    link = page.get_by_role("link", name="WHO-5")
    expect(link.first).to_be_visible()
    axe_check()
    link.first.click()
    expect(page.locator("h1")).to_have_text("WHO-5 Trivselsindeks")
    axe_check()
    assert page.viewport_size == e2e.PHONE

    taps = 0
    for number, label in enumerate(WHO5_ANSWERS, start=1):
        group = page.get_by_role("group", name=f"{number}.")
        group.get_by_label(label, exact=True).click()
        taps += 1
    page.get_by_role("button", name="Se dine svar").click()
    taps += 1
    expect(page.locator("h1")).to_have_text("Tjek dine svar")
    axe_check(reload=False)
    summary_form = {
        el.get_attribute("name"): el.get_attribute("value")
        for el in page.locator("form[action$='/send'] input[type=hidden]").all()
    }
    send_url = page.locator("form[action$='/send']").get_attribute("action")
    page.get_by_role("button", name="Send", exact=True).click()
    taps += 1
    assert taps == 5 + 2
    expect(page.locator("h1")).to_have_text("Tak for dine svar")
    expect(page.locator("main")).to_contain_text(f"Din trivsel: {WHO5_SCORE} ud af 100")
    axe_check()

    page.get_by_role("link", name="Se, hvordan det går over tid").click()
    latest = page.locator("#who-5-caption ~ tbody tr").last
    expect(latest.locator("td")).to_have_text(str(WHO5_SCORE))
    expect(page.locator("svg#chart-who-5 title")).to_have_count(1)
    axe_check()

    # The same summary sent again (a double click, or back and send): one response.
    again = page.request.post(stack.portal_url + str(send_url), form=summary_form)
    assert again.ok
    assert len(responses(stack, "who-5")) == before + 1
    assert responses(stack, "who-5")[-1]["score"]["reported"] == WHO5_SCORE


def test_keyboard_only_answering(page: Page, stack: Stack) -> None:
    login(page, "Mette Lund Sørensen")
    page.goto("/saadan-gaar-det/experience/besvar")
    page.locator("form.questionnaire input[type=radio]").first.focus()
    for _ in range(6):
        page.keyboard.press("ArrowDown")  # moves within the group and checks
        page.keyboard.press("Tab")  # on to the next group
    checked = page.locator("form.questionnaire input[type=radio]:checked")
    expect(checked).to_have_count(6)
    page.keyboard.press("Enter")  # Enter in a form presses the first button: "Se dine svar"
    expect(page.locator("h1")).to_have_text("Tjek dine svar")


@pytest.mark.timeout(120)
def test_sent_while_the_plan_api_is_down_is_delivered_once(
    page: Page, stack: Stack, axe_check: Any
) -> None:
    before = len(responses(stack, "plan-goals"))
    login(page, "Mette Lund Sørensen")
    page.goto("/saadan-gaar-det/plan-goals/besvar")
    for group in page.locator("form.questionnaire fieldset").all():
        group.get_by_label("7", exact=True).click()
    page.get_by_role("button", name="Se dine svar").click()
    expect(page.locator("h1")).to_have_text("Tjek dine svar")
    stack.servers["planapi"].crash()
    try:
        page.get_by_role("button", name="Send", exact=True).click()
        expect(page.locator("main")).to_contain_text("Dine svar er registreret")
        axe_check(reload=False)
    finally:
        stack.servers["planapi"].start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(responses(stack, "plan-goals")) == before:
        time.sleep(0.5)
    # Delivered by the outbox deliverer beside the portal, without the citizen coming back.
    assert len(responses(stack, "plan-goals")) == before + 1
    # Delivered, and nothing left to send: a page view (which also delivers pending answers,
    # inside the request) must not record it twice.
    statuses = outbox_settled(stack, PERSON)
    assert statuses[-1] == "delivered" and "pending" not in statuses, statuses
    page.goto("/saadan-gaar-det")
    assert len(responses(stack, "plan-goals")) == before + 1
