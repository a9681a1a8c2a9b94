"""Rate limits: 429 after N logins per address and N submissions per person logged in."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app, ratelimits
from portal.extensions import db
from tests.unit.conftest import FakePlanAPI, SignIn

WITHDRAW = "/samtykke/c-1/traek-tilbage/send"


@pytest.fixture
def limited_app(fake_planapi: FakePlanAPI) -> Iterator[Flask]:
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


def test_limits_are_off_in_the_test_config(client: FlaskClient) -> None:
    statuses = {client.get("/log-ind/callback?state=x").status_code for _ in range(30)}
    assert statuses == {400}
