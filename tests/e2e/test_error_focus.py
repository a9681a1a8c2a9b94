"""After a failed submit focus goes to the error summary and the title starts with "Fejl:",
with and without JavaScript; by keyboard only, on the move form ("Bed om at flytte")."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from portal.devstack import Stack
from tests.e2e import conftest as e2e

TZ = ZoneInfo("Europe/Copenhagen")


def focused(page: Page) -> dict[str, str]:
    return page.evaluate(
        "({id: document.activeElement.id, tag: document.activeElement.tagName,"
        " text: (document.activeElement.innerText || '').trim()})"
    )


def tab_to(page: Page, text: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page)["text"].startswith(text):  # a link's sr-only words follow its label
            return
    raise AssertionError(f"could not reach {text!r} with Tab")


def tab_to_id(page: Page, element_id: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page)["id"] == element_id:
            return
    raise AssertionError(f"could not reach #{element_id} with Tab")


def test_move_form_error_focus_by_keyboard(page: Page, stack: Stack, axe_check: Any) -> None:
    e2e.login_as(page, "Mette Lund Sørensen")
    page.goto("/aftaler")
    # "Vis tidligere aftaler" (htmx): focus follows to the part that came in.
    tab_to(page, "Vis tidligere aftaler")
    page.keyboard.press("Enter")
    expect(page.locator("#past-appointments h2")).to_be_visible()
    expect(page.locator("#past-appointments")).to_be_focused()

    page.goto("/aftaler")
    tab_to(page, "Bed om at flytte")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Bed om at flytte en aftale")
    plain_title = page.title()
    tab_to(page, "Fortsæt")
    page.keyboard.press("Enter")  # nothing filled in

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title("Fejl: " + plain_title)
    axe_check(reload=False)
    page.keyboard.press("Tab")  # the first error link is the next stop
    assert focused(page)["text"] == "Skriv, hvorfor du vil flytte aftalen."
    page.keyboard.press("Enter")
    expect(page.locator("#reason")).to_be_focused()
    page.keyboard.type("Jeg skal til tandlæge.")
    tab_to_id(page, "date-1")
    day = datetime.now(TZ).date() + timedelta(days=10)
    page.keyboard.type(f"{day.day}.{day.month}.{day.year}")
    tab_to(page, "Fortsæt")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Tjek din anmodning")).to_be_visible()
    expect(page).to_have_title(plain_title)
    # Back to the form and forward again (htmx both ways): nothing the CSP blocks on the way
    # (the context fixture fails the test on any CSP report in the console).
    tab_to(page, "Ret mine svar")
    page.keyboard.press("Enter")
    expect(page.locator("#reason")).to_have_value("Jeg skal til tandlæge.")
    tab_to(page, "Fortsæt")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Tjek din anmodning")).to_be_visible()


@pytest.fixture
def no_script(browser: Browser, stack: Stack) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport=e2e.PHONE,
        locale="da-DK",
        timezone_id="Europe/Copenhagen",
        base_url=stack.portal_url,
        java_script_enabled=False,
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


def test_move_form_error_focus_without_javascript(no_script: BrowserContext) -> None:
    page = no_script.new_page()
    e2e.login_as(page, "Mette Lund Sørensen")
    page.goto("/aftaler")
    page.get_by_role("link", name="Bed om at flytte").first.click()
    expect(page.locator("h1")).to_have_text("Bed om at flytte en aftale")
    page.get_by_role("button", name="Fortsæt").click()
    expect(page.locator("#error-summary")).to_be_focused()  # autofocus, no script
    assert page.title().startswith("Fejl: Bed om at flytte en aftale")
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skriv, hvorfor du vil flytte aftalen."
