"""End-to-end fixtures: the real stack (gunicorn, HTTP, SQLite) and Debian's Chromium.

Every page a journey visits is checked with axe (WCAG 2.1 A/AA) by `axe_check`, which
tests the page as it is and then at the other width and in the other language.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from portal.devstack import Stack, free_port

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    var = Path(tmp_path_factory.mktemp("stack"))
    stack = Stack(
        var=var,
        portal_port=free_port(),
        planapi_port=free_port(),
        simulator_port=free_port(),
        workers=2,
        extra_env={"SIMULATOR_TEST_MODE": "1"},
    )
    stack.prepare()
    try:
        stack.start()
    except RuntimeError:
        stack.stop()
        for log in (var / "logs").glob("*.log"):
            print(f"--- {log.name}\n{log.read_text()[-4000:]}")
        raise
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class PageErrors:
    """Console errors (CSP violations among them) and requests to other hosts."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.console: list[str] = []
        self.foreign: list[str] = []

    def attach(self, context: BrowserContext, allowed_hosts: tuple[str, ...]) -> None:
        def on_request(request) -> None:  # type: ignore[no-untyped-def]
            url = request.url
            if not url.startswith(allowed_hosts) and not url.startswith(("data:", "about:")):
                self.foreign.append(url)

        def on_page(page: Page) -> None:
            page.on(
                "console",
                lambda msg: self.console.append(msg.text) if msg.type == "error" else None,
            )

        context.on("request", on_request)
        context.on("page", on_page)


@pytest.fixture
def page_errors(stack: Stack) -> PageErrors:
    return PageErrors(stack.portal_url)


@pytest.fixture
def context(browser: Browser, stack: Stack, page_errors: PageErrors) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport=PHONE, locale="da-DK", timezone_id="Europe/Copenhagen", base_url=stack.portal_url
    )
    context.set_default_timeout(10_000)
    page_errors.attach(context, (stack.portal_url, stack.simulator_url))
    yield context
    context.close()
    assert not page_errors.foreign, f"requests to other hosts: {page_errors.foreign}"
    csp = [m for m in page_errors.console if "Content Security Policy" in m]
    assert not csp, f"CSP violations: {csp}"


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


_axe = Axe()


def _violations(page: Page) -> list[str]:
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    found = []
    for violation in results.response["violations"]:
        targets = [", ".join(node["target"]) for node in violation["nodes"]][:5]
        found.append(f"{violation['id']}: {violation['help']} at {targets}")
    return found


def _switch_language(page: Page, lang: str) -> None:
    link = page.locator(f".language-switcher a[lang={lang}]")
    link.click()
    page.wait_for_load_state()


@pytest.fixture
def axe_check(page: Page) -> object:
    """Check the current page with axe at 375 px and 1280 px, in Danish and English.

    Leaves the page as it found it (Danish, phone width). Pages reached by POST are
    checked as they are, at both widths, without reloading them.
    """

    def check(reload: bool = True) -> None:
        problems: list[str] = []
        langs = ("da", "en") if reload else (page.locator("html").get_attribute("lang"),)
        for lang in langs:
            if reload and page.locator("html").get_attribute("lang") != lang:
                _switch_language(page, str(lang))
            for size in (PHONE, DESKTOP):
                page.set_viewport_size(size)
                problems += [f"[{lang} {size['width']}px] {v}" for v in _violations(page)]
        if reload and page.locator("html").get_attribute("lang") != "da":
            _switch_language(page, "da")
        page.set_viewport_size(PHONE)
        assert not problems, (
            "axe found WCAG 2.1 A/AA violations on " + page.url + ":\n" + "\n".join(problems)
        )

    return check


def login_as(page: Page, name: str, *, level: str = "substantial", employee: bool = False) -> None:
    """Log in through the MitID (or workforce) simulator's page by choosing a test person.

    Lands wherever the portal sends the person (overview, or the choose-person page).
    """
    page.goto("/medarbejder/log-ind" if employee else "/log-ind")
    page.get_by_label(name, exact=True).check()
    page.locator(f"#level-{level}").check()
    page.get_by_role("button", name="Log ind", exact=True).click()
    page.wait_for_load_state()


def text_of(page: Page, selector: str) -> str:
    return re.sub(r"\s+", " ", page.locator(selector).inner_text()).strip()
