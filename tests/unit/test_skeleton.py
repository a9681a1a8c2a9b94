"""The skeleton: public pages, headers, language choice, health probes, error pages."""

from __future__ import annotations

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app
from tests.unit.conftest import FakePlanAPI, PageChecker, normalize


@pytest.mark.parametrize(
    ("url", "h1"),
    [
        ("/", "Mit Overblik – din samlede plan"),
        ("/tilgaengelighedserklaering", "Tilgængelighedserklæring for Mit Overblik"),
        ("/privatliv-og-cookies", "Privatliv og cookies"),
    ],
)
def test_public_pages_render_in_danish(pages: PageChecker, url: str, h1: str) -> None:
    soup = pages.get(url)
    assert normalize(soup.h1.text) == h1
    assert soup.html["lang"] == "da"
    footer_links = [normalize(a.text) for a in soup.select("footer a")]
    assert "Tilgængelighedserklæring" in footer_links
    assert "Privatliv og cookies" in footer_links
    assert soup.select_one("a.skipnav[href='#main-content']")


def test_accept_language_then_cookie_choose_the_language(
    client: FlaskClient, pages: PageChecker
) -> None:
    assert pages.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).html["lang"] == "en"
    response = client.get("/sprog/da?next=/privatliv-og-cookies")
    assert response.status_code == 302 and response.location == "/privatliv-og-cookies"
    soup = pages.get("/", headers={"Accept-Language": "en"})
    assert soup.html["lang"] == "da", "an explicit choice beats the browser's language"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example", "javascript:alert(1)"]
)
def test_language_switch_never_redirects_off_site(client: FlaskClient, target: str) -> None:
    response = client.get("/sprog/en", query_string={"next": target})
    assert response.status_code == 302 and response.location == "/"


def test_security_headers_on_every_response(client: FlaskClient) -> None:
    for url in ("/", "/healthz", "/findes-ikke"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in headers


def test_production_adds_hsts_and_secure_cookies() -> None:
    from tests.unit.test_production import SAFE

    app = create_app(dict(SAFE), env="production")
    app.config["TRUSTED_HOSTS"] = None  # the test client's host is localhost
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_refuses_to_start_without_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RuntimeError, match="PORTAL_SECRET_KEY"):
        create_app({"SECRET_KEY": ""}, env="production")


def test_not_found_page_is_in_the_design_system(pages: PageChecker) -> None:
    soup = pages.get("/findes-ikke", status=404)
    assert normalize(soup.h1.text) == "Siden findes ikke"


def test_unexpected_error_shows_no_stack_trace(app: Flask, client: FlaskClient) -> None:
    @app.get("/boom")
    def boom() -> str:
        raise ValueError("secret internal detail")

    response = client.get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Beklager, der skete en fejl" in body
    assert "secret internal detail" not in body and "Traceback" not in body


def test_healthz_is_live(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_checks_the_plan_api_and_database(
    client: FlaskClient, fake_planapi: FakePlanAPI
) -> None:
    fake_planapi.on("GET", "/healthz", json={"status": "ok"})
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": True, "planapi": True}
    fake_planapi.down("GET", "/healthz")
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503
    assert not_ready.get_json()["checks"]["planapi"] is False


def test_a_forgotten_fake_fails_loudly(app: Flask) -> None:
    from portal.clients.base import PlanAPIClient

    with (
        app.test_request_context(),
        pytest.raises(AssertionError, match="unexpected plan API call"),
    ):
        PlanAPIClient().http.get("/v1/anything")


def test_client_maps_failures_to_unavailable(app: Flask, fake_planapi: FakePlanAPI) -> None:
    from portal.clients.base import APIModel, PlanAPIClient, PlanAPIUnavailable

    class Thing(APIModel):
        name: str

    fake_planapi.on("GET", "/v1/ok", json={"name": "x", "extra": 1})
    fake_planapi.on("GET", "/v1/500", status=500, json={"title": "boom"})
    fake_planapi.on("GET", "/v1/bad-shape", json={"nom": "x"})
    fake_planapi.on(
        "GET", "/v1/bad-json", handler=lambda r: httpx.Response(200, content=b"{not json")
    )
    with app.test_request_context():
        client = PlanAPIClient()
        assert client.get("/v1/ok", Thing).name == "x"
        for path in ("/v1/500", "/v1/bad-shape", "/v1/bad-json"):
            with pytest.raises(PlanAPIUnavailable):
                client.get(path, Thing)
    retried = [r for r in fake_planapi.requests if r.url.path == "/v1/500"]
    assert len(retried) == 2, "an idempotent read is retried once, not more"


def test_writes_are_not_retried(app: Flask, fake_planapi: FakePlanAPI) -> None:
    from portal.clients.base import APIModel, PlanAPIClient, PlanAPIUnavailable

    fake_planapi.on("POST", "/v1/write", status=503, json={})
    with app.test_request_context(), pytest.raises(PlanAPIUnavailable):
        PlanAPIClient().post("/v1/write", APIModel, json={}, idempotency_key="k1")
    assert len(fake_planapi.requests) == 1
    assert fake_planapi.requests[0].headers["Idempotency-Key"] == "k1"


def test_caller_sends_a_danish_purpose_as_ascii() -> None:
    from urllib.parse import unquote

    from portal.clients.base import Caller

    caller = Caller("cw-lene", "caseworker", "caseworker_preview", "Forberedelse af møde")
    header = caller.headers()["X-Purpose"]
    assert header.isascii()
    assert unquote(header) == "Forberedelse af møde"
