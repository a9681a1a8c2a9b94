"""Logging in and out through the MitID simulator, acting for a child, axe on every page."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from portal.devstack import Stack


def at_simulator(page: Page, stack: Stack, axe_check: Any, name: str, level: str) -> None:
    page.wait_for_url(f"{stack.simulator_url}/mitid/authorize**")
    expect(page.locator("h1")).to_have_text("Log ind")
    axe_check(reload=False)
    page.get_by_label(name).check()
    page.get_by_label(level).check()
    page.get_by_role("button", name="Log ind").click()


def test_citizen_logs_in_and_lands_on_their_overview(
    page: Page, stack: Stack, axe_check: Any
) -> None:
    page.goto("/")
    page.locator("main a[href='/log-ind']").click()
    at_simulator(page, stack, axe_check, "Mette Lund Sørensen", "Betydelig")
    page.wait_for_url("**/overblik")
    expect(page.locator(".portal-user")).to_contain_text("Mette Lund Sørensen")
    expect(page.locator(".acting-banner")).not_to_contain_text("Skift person")
    assert "0906852990" not in page.content() and "090685-2990" not in page.content()
    axe_check()


def test_parent_chooses_the_child_and_sees_her_name_in_the_header(
    page: Page, stack: Stack, axe_check: Any
) -> None:
    page.goto("/log-ind")
    at_simulator(page, stack, axe_check, "Anders Kjær Poulsen", "Høj")
    page.wait_for_url("**/vaelg-person**")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("label", has_text="Oliver")).to_have_count(0)
    axe_check()

    page.get_by_label("Emma Kjær Poulsen").check()
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/overblik")
    banner = page.locator(".acting-banner")
    expect(banner).to_contain_text("Emma")
    expect(banner).to_contain_text("15")
    axe_check()

    # Switch back to himself at any time.
    banner.locator("a[href='/vaelg-person']").click()
    page.get_by_label("Anders Kjær Poulsen", exact=False).first.check()
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/overblik")
    expect(page.locator(".acting-banner")).not_to_contain_text("Emma")


def test_logout_ends_the_session_here_and_at_mitid(
    page: Page, stack: Stack, axe_check: Any
) -> None:
    page.goto("/log-ind")
    at_simulator(page, stack, axe_check, "Jonas Holm Nielsen", "Betydelig")
    page.wait_for_url("**/overblik")
    page.locator("header button.log-off").click()
    page.wait_for_url("**/logget-af**")
    expect(page.locator(".portal-user")).to_have_count(0)
    axe_check()
    page.goto("/overblik")
    page.wait_for_url(f"{stack.simulator_url}/mitid/authorize**")


def test_low_assurance_gets_a_page_that_explains_why(
    page: Page, stack: Stack, axe_check: Any
) -> None:
    page.goto("/log-ind")
    at_simulator(page, stack, axe_check, "Freja Dam", "Lav")
    page.wait_for_url("**/log-ind/callback**")
    expect(page.locator(".portal-user")).to_have_count(0)
    expect(page.locator("main a[href='/log-ind']")).to_be_visible()
    axe_check(reload=False)
