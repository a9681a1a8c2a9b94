"""Faults: the plan API stopped, slow, answering 500 or malformed JSON.

Every citizen page still answers within 3 s with a clear notice in the reader's language,
/readyz says not ready, and nothing internal (stack traces, hosts, exception names) reaches
the page. The portal runs as a real gunicorn process behind which a fault proxy sits in
front of the real plan API.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from babel.support import Translations
from bs4 import BeautifulSoup

from portal.devstack import ROOT, log_in
from tests.reliability.conftest import FaultProxy, Mode, ReliabilityStack, new_stack

BUDGET_SECONDS = 3.0

# Each citizen page and the notice it must show when the plan API fails (English msgid).
PAGES = {
    "/overblik": "We cannot show your plan right now",
    "/min-plan": "We cannot show your plan right now",
    "/min-plan/koeleskabsplan": "We cannot show your plan right now",
    "/aftaler": "We cannot show your appointments right now. Please try again in a few minutes.",
    "/kontakt": "We cannot show your contacts right now",
    "/saadan-gaar-det": "We cannot show your questionnaires right now. Please try again later.",
    "/samtykke": "We cannot show your information right now",
}
# Words that only an internal error would put on a page.
INTERNAL = re.compile(
    r"Traceback|Exception|Error\b|psycopg|sqlalchemy|httpx|werkzeug|gunicorn|"
    r"127\.0\.0\.1|localhost|/v1/|problem\+json|File \"",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def proxy() -> Iterator[FaultProxy]:
    proxy = FaultProxy(delay=6.0)
    yield proxy
    proxy.close()


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, proxy: FaultProxy
) -> Iterator[ReliabilityStack]:
    proxy.set("pass")
    stack = new_stack(Path(tmp_path_factory.mktemp("faults")), proxy=proxy)
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def citizen(stack: ReliabilityStack, proxy: FaultProxy) -> Iterator[httpx.Client]:
    proxy.set("pass")
    client = log_in(stack.portal_url, "p-mette")
    yield client
    client.close()


def _notice(lang: str, msgid: str) -> str:
    if lang == "en":
        return msgid
    catalog = Translations.load(str(ROOT / "locales"), [lang])
    translated = catalog.gettext(msgid)
    assert translated != msgid, f"no {lang} translation of {msgid!r}"
    return translated


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", BeautifulSoup(html, "html.parser").get_text(" ")).strip()


def test_pages_work_when_the_plan_api_does(
    stack: ReliabilityStack, proxy: FaultProxy, citizen: httpx.Client
) -> None:
    """The control: with the plan API answering, no page shows a fault notice."""
    proxy.set("pass")
    assert httpx.get(f"{stack.portal_url}/readyz").status_code == 200
    for path, msgid in PAGES.items():
        page = citizen.get(path)
        assert page.status_code == 200, path
        assert msgid not in _text(page.text), path


@pytest.mark.parametrize("mode", ["down", "slow", "error", "malformed"])
def test_every_citizen_page_answers_in_time_with_a_notice(
    stack: ReliabilityStack, proxy: FaultProxy, citizen: httpx.Client, mode: Mode
) -> None:
    proxy.set(mode)
    try:
        ready = httpx.get(f"{stack.portal_url}/readyz", timeout=BUDGET_SECONDS)
        assert ready.status_code == 503
        assert ready.json()["checks"]["planapi"] is False
        for lang in ("da", "en"):
            assert citizen.get(f"/sprog/{lang}").status_code == 200
            for path, msgid in PAGES.items():
                started = time.monotonic()
                page = citizen.get(path, timeout=10.0)
                took = time.monotonic() - started
                assert took < BUDGET_SECONDS, f"{mode} {lang} {path}: {took:.2f} s"
                assert page.status_code in (200, 503), f"{mode} {lang} {path}"
                assert f'lang="{lang}"' in page.text
                text = _text(page.text)
                assert _notice(lang, msgid) in text, f"{mode} {lang} {path}: no notice"
                leaked = INTERNAL.search(page.text)
                assert leaked is None, f"{mode} {lang} {path} shows {leaked.group(0)!r}"
    finally:
        proxy.set("pass")
        citizen.get("/sprog/da")
    # And back: the portal recovers by itself as soon as the plan API answers again.
    assert httpx.get(f"{stack.portal_url}/readyz").status_code == 200
    assert PAGES["/overblik"] not in _text(citizen.get("/overblik").text)
