"""Security headers and sessions against the real stack on PostgreSQL + Redis.

CSP without inline script on every page; cookies Secure, HttpOnly and SameSite under the
production config; a new session id at login; logging out ends the server-side session
(the old cookie, replayed, is not logged in); 429 after N login callbacks and submissions.
The limits are shared through Redis by every worker, so N is exact.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from flask import Flask

from portal import create_app
from portal.devstack import log_in
from tests.reliability.conftest import ReliabilityStack, csrf_token, new_stack, redis_url
from tests.unit.test_production import SAFE

LOGIN_LIMIT = 8
SUBMISSION_LIMIT = 5
# Pages that take an argument, with one a citizen (Mette) can open.
ARGUMENT_PAGES = ("/saadan-gaar-det/who-5/besvar", "/findes-ikke")
_logins = {"count": 0}
_open: list[httpx.Client] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _open:
        _open.pop().close()


def _client(stack: ReliabilityStack, **kwargs: object) -> httpx.Client:
    client = httpx.Client(base_url=stack.portal_url, **kwargs)  # type: ignore[arg-type]
    _open.append(client)
    return client


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReliabilityStack]:
    stack = new_stack(
        Path(tmp_path_factory.mktemp("security")),
        profile="postgres+redis",
        extra_env={
            "PORTAL_RATELIMIT_LOGIN": f"{LOGIN_LIMIT} per hour",
            "PORTAL_RATELIMIT_SUBMISSIONS": f"{SUBMISSION_LIMIT} per hour",
        },
    )
    yield stack
    stack.stop()


def _log_in(stack: ReliabilityStack, persona: str) -> httpx.Client:
    _logins["count"] += 1  # every login passes the rate-limited callback once
    client = log_in(stack.portal_url, persona)
    _open.append(client)
    return client


def _pages() -> list[str]:
    """Every page without arguments that the portal serves by GET (found in its URL map)."""
    app: Flask = create_app(env="test")
    paths = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ())
        and not rule.arguments
        and rule.endpoint != "static"
        and not rule.rule.startswith(("/log-ind", "/medarbejder"))  # leave for the IdP
    }
    return sorted(paths | set(ARGUMENT_PAGES))


def test_every_page_has_a_csp_without_inline_script(stack: ReliabilityStack) -> None:
    citizen = _log_in(stack, "p-mette")
    anonymous = _client(stack)
    checked = 0
    for client in (citizen, anonymous):
        for path in _pages():
            # Each answer as it is (redirects to the IdP carry the IdP's own policy).
            response = client.get(path, follow_redirects=False)
            csp = response.headers.get("content-security-policy", "")
            directives = dict(
                ([*d.strip().split(" ", 1), ""])[:2] for d in csp.split(";") if d.strip()
            )
            assert "'self'" in directives.get("script-src", ""), (path, csp)
            assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, (path, csp)
            assert directives.get("object-src") == "'none'", path
            assert directives.get("frame-ancestors") == "'none'", path
            if "text/html" not in response.headers.get("content-type", ""):
                continue
            soup = BeautifulSoup(response.text, "html.parser")
            inline = [s for s in soup.find_all("script") if not s.get("src")]
            assert not inline, f"{path}: inline script {inline[:1]}"
            handlers = [
                (tag.name, attr)
                for tag in soup.find_all(True)
                for attr in tag.attrs
                if attr.startswith("on") or attr == "style"
            ]
            assert not handlers, f"{path}: inline handlers or styles {handlers[:3]}"
            assert not re.search(r"href=\"javascript:", response.text), path
            checked += 1
    assert checked >= 15, f"only {checked} pages checked"


def test_cookies_are_secure_httponly_samesite_in_production() -> None:
    # The safe production configuration (every unsafe setting stops the start), on Redis.
    app = create_app(
        {**SAFE, "SESSION_REDIS_URL": redis_url(), "RATELIMIT_STORAGE_URI": redis_url()},
        env="production",
    )
    app.config["TRUSTED_HOSTS"] = None  # the test client's host is localhost
    client = app.test_client()
    with client.session_transaction() as session:  # the production session interface
        session["oidc_pending"] = {}
    client.get("/sprog/en")  # the language cookie
    for name in ("mo_session", "mo_lang"):
        cookie = client.get_cookie(name)
        assert cookie is not None, name
        assert cookie.secure, name
        assert cookie.http_only, name
        assert cookie.same_site in ("Lax", "Strict"), name


def test_session_id_changes_at_login(stack: ReliabilityStack) -> None:
    client = _client(stack, follow_redirects=True)
    form = client.get("/log-ind")  # the login starts in an anonymous session
    before = client.cookies.get("mo_session")
    assert before, "a session holds the login state"
    _logins["count"] += 1
    landed = client.post(str(form.url), data={"identity": "p-jonas", "level": "substantial"})
    assert landed.url.path == "/overblik"
    after = client.cookies.get("mo_session")
    assert after and after != before
    # The pre-login id is worth nothing now.
    fixated = _client(stack, cookies={"mo_session": before})
    assert fixated.get("/overblik").status_code in (302, 303, 401)


def test_logout_ends_the_server_side_session(stack: ReliabilityStack) -> None:
    citizen = _log_in(stack, "p-jonas")
    cookie = citizen.cookies.get("mo_session")
    assert citizen.get("/overblik", follow_redirects=False).status_code == 200
    logout = citizen.post(
        "/log-af",
        data={"csrf_token": csrf_token(citizen.get("/overblik").text)},
        follow_redirects=False,
    )
    assert logout.status_code in (302, 303)
    replay = _client(stack, cookies={"mo_session": cookie})
    answer = replay.get("/overblik")
    assert answer.status_code in (302, 303, 401), answer.status_code
    assert "/log-ind" in answer.headers.get("location", "")


def test_submissions_are_limited_per_person(stack: ReliabilityStack) -> None:
    citizen = _log_in(stack, "p-karim")
    token = csrf_token(citizen.get("/samtykke").text)
    statuses = [
        citizen.post("/samtykke/c-x/traek-tilbage/send", data={"csrf_token": token}).status_code
        for _ in range(SUBMISSION_LIMIT + 2)
    ]
    # An incomplete form is refused (400) before anything is sent, and still counts.
    assert statuses == [400] * SUBMISSION_LIMIT + [429, 429]
    other = _log_in(stack, "p-mette")
    token = csrf_token(other.get("/samtykke").text)
    assert (
        other.post("/samtykke/c-x/traek-tilbage/send", data={"csrf_token": token}).status_code
        == 400
    )


def test_the_login_callback_is_limited(stack: ReliabilityStack) -> None:
    """Only failed callbacks count: the successful logins above used none of the allowance."""
    client = _client(stack)
    left = LOGIN_LIMIT
    assert left > 0
    statuses = [client.get("/log-ind/callback?state=x&code=y").status_code for _ in range(left + 2)]
    assert statuses == [400] * left + [429, 429]
    assert "retry-after" in {k.lower() for k in client.get("/log-ind/callback").headers}
