"""Rate limits: 429 after N logins per address and N submissions per person logged in."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app, ratelimits
from portal.extensions import db, limiter
from tests.unit.conftest import FakePlanAPI, SignIn
from tests.unit.test_authorisation_matrix import plan_api, url_for_rule

WITHDRAW = "/samtykke/c-1/traek-tilbage/send"


def forget_earlier_apps_limits() -> None:
    """The limiter is one object for the process and keeps the limits of every app made
    before (by view name): without this, limits an earlier app registered would still
    apply to the app under test, and a wrong limit in `ratelimits.init_app` could pass."""
    limiter.limit_manager._decorated_limits.clear()


@pytest.fixture
def limited_app(fake_planapi: FakePlanAPI) -> Iterator[Flask]:
    forget_earlier_apps_limits()
    app = create_app(
        {
            "PLANAPI_TRANSPORT": httpx.MockTransport(fake_planapi),
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_LOGIN": "2 per minute",
            "RATELIMIT_SUBMISSIONS": "3 per minute",
            "WTF_CSRF_ENABLED": False,
        },
        env="test",
    )
    with app.app_context():
        db.create_all()
    yield app


def test_every_limited_endpoint_exists(app: Flask) -> None:
    for endpoint in (*ratelimits.LOGIN_ENDPOINTS, *ratelimits.SUBMISSION_ENDPOINTS):
        assert endpoint in app.view_functions, endpoint


# POST routes that write nothing (the session only, or one step of a form that the next
# step sends): the only ones not limited. A new POST route fails the test below until it
# is either limited or listed here with its reason.
WRITES_NOTHING = {
    "auth.logout": "ends the session",
    "auth.keep_alive": "moves the session's idle clock",
    "auth.choose_person": "chooses whom the session acts for",
    "preview.start": "starts a read-only preview; its reads are logged like any page view",
    "preview.end": "ends the preview",
    "appointments.move": "checks the form and shows the summary; move_send sends it",
    "consent.give_scope": "checks the chosen departments; give_send sends them",
    "consent.withdraw_choose": "checks the chosen departments; withdraw_send sends them",
}


def test_every_post_route_that_writes_is_limited(
    limited_app: Flask, fake_planapi: FakePlanAPI
) -> None:
    """The app's own routes, not the module's list: each POST that writes answers 429
    once the person has used up their submissions (one a minute here)."""
    fake_planapi.fallback = plan_api
    limited_app.config["RATELIMIT_SUBMISSIONS"] = "1 per minute"
    posts = sorted(
        (rule.endpoint, rule)
        for rule in limited_app.url_map.iter_rules()
        if "POST" in (rule.methods or ())
    )
    assert set(WRITES_NOTHING) <= {endpoint for endpoint, _ in posts}, "a stale exemption"
    unlimited, checked = [], 0
    for endpoint, rule in posts:
        if endpoint in WRITES_NOTHING:
            continue
        with limited_app.app_context():
            limiter.reset()
        client = limited_app.test_client()
        level = limited_app.view_functions[endpoint]._access  # type: ignore[attr-defined]
        if level == "caseworker":
            SignIn(client)(caseworker=("cw-lene", "Lene Bach"))
        else:
            SignIn(client)()
        url = url_for_rule(limited_app, rule, "p-mette")
        first, second = (client.post(url).status_code for _ in range(2))
        checked += 1
        if first == 429 or second != 429:
            unlimited.append(f"POST {rule.rule} ({endpoint}): {first}, then {second}")
    assert not unlimited, "not rate-limited:\n" + "\n".join(unlimited)
    assert checked >= len(ratelimits.SUBMISSION_ENDPOINTS)


def test_submissions_without_a_login_are_counted_per_address(limited_app: Flask) -> None:
    """Nobody logged in (the login page is the answer): counted by address, each its own."""
    client = limited_app.test_client()
    first, other = ({"REMOTE_ADDR": a} for a in ("192.0.2.10", "192.0.2.11"))
    statuses = [client.post(WITHDRAW, environ_base=first).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert client.post(WITHDRAW, environ_base=other).status_code == 302


def test_submissions_are_limited_per_person(limited_app: Flask) -> None:
    mette, jonas = limited_app.test_client(), limited_app.test_client()
    SignIn(mette)()
    SignIn(jonas)("p-jonas", "Jonas Holm Nielsen", age=24)
    # An empty form is refused before any plan-API call; it still counts as a try.
    statuses = [mette.post(WITHDRAW).status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    assert "Retry-After" in mette.post(WITHDRAW).headers
    assert jonas.post(WITHDRAW).status_code == 400, "another person has their own count"


def test_the_login_callback_is_limited_per_address(limited_app: Flask) -> None:
    client: FlaskClient = limited_app.test_client()
    statuses = [client.get("/log-ind/callback?state=x&code=y").status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    page = client.get("/log-ind/callback?state=x&code=y")
    assert page.status_code == 429 and "<title>" in page.get_data(as_text=True)


def test_one_count_for_every_submission_and_one_for_both_logins(limited_app: Flask) -> None:
    """The limits are shared: a person's submissions to different forms count together,
    and the citizen's and the caseworker's login callbacks count together per address."""
    client = limited_app.test_client()
    SignIn(client)()
    assert [client.post(WITHDRAW).status_code for _ in range(3)] == [400, 400, 400]
    assert client.post("/samtykke/c-1/forny").status_code == 429
    logins = limited_app.test_client()
    assert logins.get("/log-ind/callback?state=x&code=y").status_code == 400
    assert logins.get("/medarbejder/callback?state=x&code=y").status_code == 400
    assert logins.get("/log-ind/callback?state=x&code=y").status_code == 429


def test_limits_are_off_in_the_test_config(client: FlaskClient) -> None:
    statuses = {client.get("/log-ind/callback?state=x").status_code for _ in range(30)}
    assert statuses == {400}


def test_the_address_comes_from_the_trusted_proxy_only(fake_planapi: FakePlanAPI) -> None:
    def callbacks(app: Flask, address: str) -> list[int]:
        client = app.test_client()
        headers = {"X-Forwarded-For": address}
        return [
            client.get("/log-ind/callback?state=x", headers=headers).status_code for _ in range(2)
        ]

    settings = {
        "PLANAPI_TRANSPORT": httpx.MockTransport(fake_planapi),
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_LOGIN": "2 per minute",
    }
    forget_earlier_apps_limits()
    behind_proxy = create_app({**settings, "PROXY_HOPS": 1}, env="test")
    assert callbacks(behind_proxy, "192.0.2.1") == [400, 400]
    # Another citizen behind the same proxy has their own count.
    assert callbacks(behind_proxy, "192.0.2.2") == [400, 400]
    assert callbacks(behind_proxy, "192.0.2.1") == [429, 429]
    # Without a trusted proxy the header is the client's word: ignored.
    direct = create_app(dict(settings), env="test")
    assert callbacks(direct, "192.0.2.1") == [400, 400]
    assert callbacks(direct, "192.0.2.2") == [429, 429]
