"""The public pages: design-system layout, language switch, headers, axe at both widths."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from portal.devstack import Stack


def test_front_page_in_danish_and_english(page: Page, axe_check) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    expect(page).to_have_title("Velkommen – Mit Overblik")
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.locator("footer")).to_contain_text("Tilgængelighedserklæring")
    axe_check()
    page.locator(".language-switcher a[lang=en]").click()
    expect(page).to_have_title("Welcome – Mit Overblik")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_footer_pages_pass_axe(page: Page, axe_check) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    page.get_by_role("link", name="Tilgængelighedserklæring").click()
    expect(page.locator("h1")).to_have_text("Tilgængelighedserklæring for Mit Overblik")
    axe_check()
    page.get_by_role("link", name="Privatliv og cookies").click()
    expect(page.locator("h1")).to_have_text("Privatliv og cookies")
    axe_check()
    page.goto("/findes-ikke")
    expect(page.locator("h1")).to_have_text("Siden findes ikke")
    axe_check()


def test_skip_link_is_the_first_stop_for_the_keyboard(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Gå til sidens indhold"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main-content")


def test_live_server_sends_security_headers(stack: Stack) -> None:
    response = httpx.get(stack.portal_url + "/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    ready = httpx.get(stack.portal_url + "/readyz")
    assert ready.status_code == 200, ready.text
