"""Security headers, exactly: the policy's every directive, and `no-store` on every answer
that can hold personal data (so a plan or access log does not stay in a shared computer's
cache or back/forward cache after logout)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from portal import create_app
from tests.unit.conftest import FakePlanAPI, SignIn
from tests.unit.test_authorisation_matrix import PUBLIC, cases, plan_api, url_for_rule
from tests.unit.test_production import SAFE


def directives(csp: str) -> dict[str, str]:
    parts = [d.strip().split(" ", 1) for d in csp.split(";") if d.strip()]
    names = [p[0] for p in parts]
    assert len(names) == len(set(names)), f"a directive twice: {csp}"
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


def vary(response: TestResponse) -> list[str]:
    return [t.strip() for v in response.headers.get_all("Vary") for t in v.split(",")]


def test_the_content_security_policy_directive_by_directive(client: FlaskClient) -> None:
    assert directives(client.get("/").headers["Content-Security-Policy"]) == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        # Without it an injected <base href> could point every relative script and form
        # at another host.
        "base-uri": "'self'",
        # The identity providers' origins (not their paths), each once.
        "form-action": "'self' http://127.0.0.1:5002",
        "frame-ancestors": "'none'",
    }


def test_form_action_names_both_identity_providers_by_origin(fake_planapi: FakePlanAPI) -> None:
    app = create_app(
        {
            "PLANAPI_TRANSPORT": httpx.MockTransport(fake_planapi),
            "OIDC_ISSUER": "https://mitid-broker.example:8443/op/mitid?x=1",
            "WORKFORCE_ISSUER": "https://adfs.kommune.example/adfs",
        },
        env="test",
    )
    csp = directives(app.test_client().get("/healthz").headers["Content-Security-Policy"])
    assert csp["form-action"] == (
        "'self' https://adfs.kommune.example https://mitid-broker.example:8443"
    )


@pytest.mark.parametrize(
    "workforce",
    ["", "adfs.kommune.example/adfs", "https:///adfs"],
    ids=["unset", "no-scheme", "no-host"],
)
def test_form_action_leaves_out_an_issuer_that_is_not_an_origin(
    fake_planapi: FakePlanAPI, workforce: str
) -> None:
    """A provider not configured (or configured without scheme or host) adds nothing to
    form-action: no empty or half origin the browser would read as another source."""
    app = create_app(
        {
            "PLANAPI_TRANSPORT": httpx.MockTransport(fake_planapi),
            "OIDC_ISSUER": "https://mitid-broker.example/op",
            "WORKFORCE_ISSUER": workforce,
        },
        env="test",
    )
    csp = directives(app.test_client().get("/healthz").headers["Content-Security-Policy"])
    assert csp["form-action"] == "'self' https://mitid-broker.example"


def test_the_other_headers_exactly(client: FlaskClient) -> None:
    response = client.get("/")
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Permissions-Policy"] == "camera=(), microphone=(), geolocation=()"
    assert headers["Cache-Control"] == "no-store"
    assert vary(response).count("HX-Request") == 1
    assert "Strict-Transport-Security" not in headers


def test_hsts_in_production_exactly(tmp_path: Path) -> None:
    # A production configuration that starts (every unsafe setting is refused), with
    # sessions on disk instead of Redis: no server in unit tests.
    app = create_app(
        {**SAFE, "SESSION_TYPE": "cachelib", "SESSION_DIR": str(tmp_path / "sessions")},
        env="production",
    )
    app.config["TRUSTED_HOSTS"] = None  # the test client's host is localhost
    headers = app.test_client().get("/healthz").headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_json_probes_are_not_varied_by_htmx(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.mimetype == "application/json"
    assert "HX-Request" not in vary(response)


@pytest.mark.parametrize("who", ["citizen", "caseworker previewing"])
def test_every_page_with_personal_data_is_no_store(
    who: str, app: Flask, client: FlaskClient, sign_in: SignIn, fake_planapi: FakePlanAPI
) -> None:
    """Every GET route behind a login, as a citizen and as a caseworker in preview: each
    answer (pages, refusals, the export, the calendar file) says `no-store`."""
    fake_planapi.fallback = plan_api
    if who == "citizen":
        sign_in("p-mette", "Mette Lund Sørensen")
    else:
        sign_in("p-mette", "Mette Lund Sørensen", caseworker=("cw-lene", "Lene Bach"))
    checked, wrong = 0, []
    for endpoint, rule, method in cases(app):
        assert endpoint not in PUBLIC
        if method != "GET":
            continue
        response = client.get(url_for_rule(app, rule, "p-mette"))
        if response.status_code in (301, 302, 303):
            continue
        checked += response.status_code == 200
        if "no-store" not in response.headers.get("Cache-Control", ""):
            wrong.append(f"{rule.rule} → {response.status_code} {response.mimetype}")
    assert not wrong, "without Cache-Control: no-store:\n" + "\n".join(wrong)
    assert checked >= 10, f"only {checked} pages answered 200"
