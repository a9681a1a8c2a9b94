"""End-to-end fixtures: the real stack (gunicorn, HTTP, SQLite) and Debian's Chromium.

Every portal page a journey visits (the citizen's `page`, the caseworker's `lene`) is checked
with axe (WCAG 2.1 A/AA) at 375 px and 1280 px in Danish and English: pages reached by GET
automatically after the test (once per page in the run), states inside a flow (errors shown,
receipts after a POST) with `axe_check()` where the journey is.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import axe_playwright_python
import pytest
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
        extra_env={
            "SIMULATOR_TEST_MODE": "1",
            # Every journey logs in from 127.0.0.1; the limits themselves are tested in
            # tests/reliability/test_security.py.
            "PORTAL_RATELIMIT_LOGIN": "1000 per minute",
            "PORTAL_RATELIMIT_SUBMISSIONS": "1000 per minute",
            # A journey waits for a text message whatever the hour; the quiet hours are
            # tested with a fixed clock in tests/unit/notices/.
            "PORTAL_NOTICES_SMS_QUIET_HOURS": "none",
        },
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

    def assert_clean(self) -> None:
        assert not self.foreign, f"requests to other hosts: {self.foreign}"
        csp = [m for m in self.console if "Content Security Policy" in m]
        assert not csp, f"CSP violations: {csp}"


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
    page_errors.assert_clean()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    report = yield
    if report.when == "call":
        item.stash[_PASSED] = report.passed
    return report


_PASSED = pytest.StashKey[bool]()


_AUDITED = pytest.StashKey[set[str]]()


class Audited:
    """Pages (path with ids generalised) that axe has checked in this run. The pytest-xdist
    workers share a directory of claims, so a page is checked by whichever worker reaches
    it first, and once: `seen` is what this process checked (handed to the controller)."""

    def __init__(self, seen: set[str], claims: Path) -> None:
        self.seen, self.claims = seen, claims
        claims.mkdir(parents=True, exist_ok=True)

    def claim(self, key: str) -> bool:
        """True once per page in the whole run: then this process checks it."""
        if key in self.seen:
            return False
        try:
            marker = self.claims / hashlib.sha256(key.encode()).hexdigest()
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return False
        self.seen.add(key)
        return True

    def add(self, key: str) -> None:
        """Checked in place, in the middle of a journey."""
        self.claim(key)
        self.seen.add(key)


@pytest.fixture(scope="session")
def audited(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Audited:
    run = tmp_path_factory.getbasetemp()
    if hasattr(pytestconfig, "workerinput"):  # a worker's basetemp is inside the run's
        run = run.parent
    return Audited(pytestconfig.stash.setdefault(_AUDITED, set()), run / "axe-claims")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a pytest-xdist worker: hand the pages it checked to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["axe_pages"] = sorted(session.config.stash.get(_AUDITED, set()))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """In the pytest-xdist controller: gather the pages each worker checked."""
    pages = getattr(node, "workeroutput", {}).get("axe_pages", [])
    node.config.stash.setdefault(_AUDITED, set()).update(pages)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    pages = sorted(terminalreporter.config.stash.get(_AUDITED, set()))
    if pages:
        terminalreporter.write_line(
            f"axe (WCAG 2.1 A/AA, 375+1280 px, da+en): {len(pages)} pages: {' '.join(pages)}"
        )


def page_key(url: str) -> str:
    """/aftaler/a-123/flyt?x=1 and /aftaler/a-456/flyt are the same page to axe."""
    path = urlsplit(url).path
    return "/".join("{id}" if re.search(r"\d", part) else part for part in path.split("/"))


def track_pages(page: Page, stack: Stack) -> list[str]:
    """The portal pages (HTML, 200) this tab reaches by GET, in order."""
    visited: list[str] = []

    def on_response(response) -> None:  # type: ignore[no-untyped-def]
        req = response.request
        if (
            req.is_navigation_request()
            and req.method == "GET"
            and response.status == 200
            and response.url.startswith(stack.portal_url)
            and "text/html" in (response.headers.get("content-type") or "")
        ):
            visited.append(response.url)

    page.on("response", on_response)
    return visited


def audit_pages(context: BrowserContext, visited: list[str], audited: Audited) -> None:
    """Open every page not yet checked in this run again (in the same browser, so with the
    same login) and check it with axe at both widths in both languages."""
    for url in dict.fromkeys(visited):
        if not audited.claim(page_key(url)):
            continue
        tab = context.new_page()
        try:
            response = tab.goto(url)
            if response is None or response.status != 200 or tab.url != url:
                continue  # the page was a moment in a flow (now redirects): checked in place
            _check(tab, reload=True)
        finally:
            tab.close()


@pytest.fixture
def page(
    context: BrowserContext, stack: Stack, audited: Audited, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A tab; after a passing test, every portal page it reached by GET that axe has not
    checked yet in this run is opened again and checked at both widths in both languages."""
    page = context.new_page()
    visited = track_pages(page, stack)
    yield page
    if request.node.stash.get(_PASSED, False):
        audit_pages(context, visited, audited)


@pytest.fixture
def lene(
    browser: Browser, stack: Stack, audited: Audited, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """Lene Bach (caseworker) in her own browser at desktop width, logged in to the
    caseworker area. Her pages are checked with axe after a passing test like the
    citizen's (`page`)."""
    context = browser.new_context(
        viewport=DESKTOP, locale="da-DK", timezone_id="Europe/Copenhagen", base_url=stack.portal_url
    )
    context.set_default_timeout(10_000)
    errors = PageErrors(stack.portal_url)
    errors.attach(context, (stack.portal_url, stack.simulator_url))
    page = context.new_page()
    visited = track_pages(page, stack)
    login_as(page, "Lene Bach", employee=True)
    page.wait_for_url("**/medarbejder/borgere")
    yield page
    if request.node.stash.get(_PASSED, False):
        audit_pages(context, visited, audited)
    context.close()
    errors.assert_clean()


# axe-core as vendored by axe-playwright-python. Injected once per document (not before every
# run), and only the violations come back over the wire, not every rule that passed.
_AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
_AXE_RUN = """options => axe.run(document, options).then(results => results.violations.map(
    v => `${v.id}: ${v.help} at `
        + JSON.stringify(v.nodes.slice(0, 5).map(n => n.target.join(", ")))
))"""
_AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}


def _violations(page: Page) -> list[str]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_AXE_SOURCE)
    return list(page.evaluate(_AXE_RUN, _AXE_OPTIONS))


def _switch_language(page: Page, lang: str) -> None:
    link = page.locator(f".language-switcher a[lang={lang}]")
    link.click()
    page.wait_for_load_state()


def _check(page: Page, reload: bool) -> None:
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


@pytest.fixture
def axe_check(page: Page, audited: Audited) -> object:
    """Check the current page with axe at 375 px and 1280 px, in Danish and English.

    Leaves the page as it found it (Danish, phone width). Pages reached by POST are
    checked as they are, at both widths, without reloading them. (Pages reached by GET
    are also checked after the test by the `page` fixture; calling this in the middle of
    a journey checks a state the page is in only then, e.g. with errors shown.)
    """

    def check(reload: bool = True) -> None:
        _check(page, reload)
        if reload:
            audited.add(page_key(page.url))

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


def outbox_settled(stack: Stack, person_id: str, timeout: float = 30) -> list[str]:
    """Wait until none of the person's writes in the portal's outbox is pending; their
    statuses, oldest first.

    Once every write is delivered (or rejected) nothing will send it again, so a count
    taken after this is final: no sleeping to "give a duplicate a chance to show".
    """
    deadline = time.monotonic() + timeout
    while True:
        with sqlite3.connect(stack.var / "portal.db") as db:
            statuses = [
                row[0]
                for row in db.execute(
                    "SELECT status FROM outbox_message WHERE person_id = ? ORDER BY id",
                    (person_id,),
                )
            ]
        if "pending" not in statuses or time.monotonic() > deadline:
            return statuses
        time.sleep(0.2)


def text_of(page: Page, selector: str) -> str:
    return re.sub(r"\s+", " ", page.locator(selector).inner_text()).strip()


def open_menu_link(page: Page, name: str) -> None:
    """Follow a main-menu link the way a person does: on a phone, open the folded menu first."""
    menu = page.get_by_role("navigation", name=re.compile("Hovedmenu|Main menu"))
    folded = menu.locator("details.portal-nav__menu")
    if folded.is_visible() and folded.get_attribute("open") is None:
        folded.locator("summary").click()
    menu.get_by_role("link", name=name, exact=True).click()
