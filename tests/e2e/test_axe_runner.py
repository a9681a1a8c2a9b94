"""The axe check itself: it finds a violation that is there, and says where."""

from __future__ import annotations

from playwright.sync_api import Browser

from tests.e2e.conftest import _violations


def test_axe_reports_a_planted_violation_with_its_place(browser: Browser) -> None:
    page = browser.new_page()
    try:
        page.set_content(
            '<!doctype html><html lang="da"><head><title>Prøve</title></head><body><main>'
            '<h1>Prøve</h1><img src="data:," id="uden-alt"></main></body></html>'
        )
        found = _violations(page)
        assert any(v.startswith("image-alt:") and "#uden-alt" in v for v in found), found
        page.evaluate("document.querySelector('#uden-alt').alt = 'Et billede'")
        assert _violations(page) == []  # axe already in the page: run again, not re-injected
    finally:
        page.close()
