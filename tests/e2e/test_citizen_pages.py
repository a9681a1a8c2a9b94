"""Journeys through the citizen's pages for the personas: Mette sees and moves her next
appointment, downloads it as .ics and prints the one-page fridge plan; Jonas calls his
contact; Freja, with no plan, gets the empty state; overview → plan → appointments by
keyboard only."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from icalendar import Calendar
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from portal.devstack import Stack
from tests.e2e import conftest as e2e

TZ = ZoneInfo("Europe/Copenhagen")


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


def upcoming(stack: Stack, person_id: str) -> list[dict[str, Any]]:
    answer = httpx.get(
        f"{stack.planapi_url}/v1/persons/{person_id}/appointments",
        params={"when": "upcoming"},
        headers={
            "Authorization": "Bearer dev-planapi-token",
            "X-Actor-Id": person_id,
            "X-Actor-Role": "citizen",
            "X-Basis": "self",
        },
    )
    answer.raise_for_status()
    return [a for a in answer.json()["items"] if a["status"] != "cancelled"]


def test_mette_sees_downloads_and_moves_her_next_appointment(
    page: Page, stack: Stack, axe_check: Any
) -> None:
    first = upcoming(stack, "p-mette")[0]
    login(page, "Mette Lund Sørensen")
    card = page.locator(".appointment").first
    expect(card).to_contain_text(first["title"])
    axe_check()

    with page.expect_download() as info:
        card.get_by_role("link", name="Føj til kalender").click()
    with open(info.value.path(), "rb") as fh:
        ics = Calendar.from_ical(fh.read())
    event = next(iter(ics.walk("VEVENT")))
    start = event.decoded("dtstart")
    expected = datetime.fromisoformat(first["start"]).astimezone(TZ)
    assert str(start.tzinfo) == "Europe/Copenhagen"
    assert start == expected and (start.hour, start.minute) == (expected.hour, expected.minute)

    e2e.open_menu_link(page, "Aftaler")
    expect(page.locator("h1")).to_have_text("Aftaler")
    axe_check()
    page.get_by_role("link", name="Vis tidligere aftaler").click()
    expect(page.locator("#past-appointments h2")).to_be_visible()

    page.locator(f"#appointment-{first['id']}").get_by_role("link", name="Bed om at flytte").click()
    expect(page.locator("h1")).to_have_text("Bed om at flytte en aftale")
    axe_check()
    page.get_by_role("button", name="Fortsæt").click()
    expect(page.locator(".error-summary")).to_be_visible()
    page.get_by_label("Hvorfor vil du flytte aftalen?").fill("Jeg skal til tandlæge.")
    day = datetime.now(TZ).date() + timedelta(days=10)
    page.get_by_label("Dag 1", exact=True).fill(f"{day.day}.{day.month}.{day.year}")
    page.get_by_label("Tid på dagen, dag 1").select_option("morning")
    page.get_by_role("button", name="Fortsæt").click()
    expect(page.get_by_role("heading", name="Tjek din anmodning")).to_be_visible()
    axe_check(reload=False)
    page.get_by_role("button", name="Send anmodning").click()
    expect(page.locator("h1")).to_contain_text("Kvittering")
    expect(page.locator(".alert-success")).to_contain_text("Din anmodning er afleveret")
    axe_check()


def test_mette_prints_the_fridge_plan_on_one_a4_page(
    page: Page, stack: Stack, axe_check: Any
) -> None:
    login(page, "Mette Lund Sørensen")
    e2e.open_menu_link(page, "Min plan")
    axe_check()
    page.get_by_role("link", name="Udskriv planen på én side (køleskabsplan)").click()
    expect(page.locator(".fridge-goal-text")).not_to_be_empty()
    axe_check()
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1


def test_jonas_calls_his_primary_contact(page: Page, stack: Stack, axe_check: Any) -> None:
    login(page, "Jonas Holm Nielsen")
    e2e.open_menu_link(page, "Kontakt")
    axe_check()
    call = page.locator("section[aria-labelledby=primary-heading] a.contact-call")
    expect(call).to_have_attribute("href", "tel:" + (call.get_attribute("href") or "")[4:])
    assert (call.get_attribute("href") or "").startswith("tel:+45")
    expect(call).to_contain_text("Ring til")


def test_freja_without_a_plan_gets_a_useful_empty_state(
    page: Page, stack: Stack, axe_check: Any
) -> None:
    login(page, "Freja Dam")
    expect(page.get_by_role("heading", name="Du har ikke en samlet plan")).to_be_visible()
    expect(page.locator("main a[href^='tel:']").first).to_be_visible()
    axe_check()
    e2e.open_menu_link(page, "Min plan")
    expect(page.get_by_role("heading", name="Du har ikke en samlet plan")).to_be_visible()
    axe_check()


def tab_to(page: Page, text: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement && document.activeElement.innerText")
        if focused and focused.strip() == text:
            return
    raise AssertionError(f"could not reach {text!r} with Tab")


def test_keyboard_only_overview_plan_appointments(page: Page, stack: Stack) -> None:
    login(page, "Mette Lund Sørensen")
    tab_to(page, "Menu")  # a phone: the menu is folded behind a native disclosure
    page.keyboard.press("Enter")
    tab_to(page, "Min plan")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Min plan")
    tab_to(page, "Menu")
    page.keyboard.press("Enter")
    tab_to(page, "Aftaler")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Aftaler")
    tab_to(page, "Vis tidligere aftaler")
    page.keyboard.press("Enter")
    expect(page.locator("#past-appointments h2")).to_be_visible()
