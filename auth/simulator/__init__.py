"""MitID simulator: a fictitious OpenID provider for demo and tests.

Two issuers in one process, each its own Flask app with its own keys, mounted with
werkzeug's DispatcherMiddleware: `/mitid` (citizens, claims per `OIDC_CLAIM_PRESET`)
and `/workforce` (caseworkers, `sub` = workforce id and a `role` claim).

Settings come from the environment (see docs/architecture.md); a `config` dict overrides:
SIMULATOR_BASE_URL, SIMULATOR_PORTAL_URL (comma-separated for several portals),
OIDC_CLIENT_ID/SECRET, WORKFORCE_CLIENT_ID/SECRET, OIDC_CLAIM_PRESET (+ overrides),
SIMULATOR_TEST_MODE, and SIMULATOR_CITIZENS / SIMULATOR_CASEWORKERS for other identities.
To act like a particular broker (citizen issuer): SIMULATOR_ALGORITHM (RS256, PS256, ES256),
SIMULATOR_CLAIMS_IN (id_token or userinfo), SIMULATOR_TOKEN_AUTH (the client authentication
methods it accepts, e.g. private_key_jwt) with SIMULATOR_CLIENT_JWKS (the client's public
keys: a JWKS as JSON or a file). The person number and level are released only under the
preset's scope (`nemlogin`, `nin`, `ssn`), as brokers do.

It holds fictitious test identities and hands them to anyone, so it refuses to start
under a production config (PORTAL_ENV=production) unless DEMO_USES_SIMULATOR=1 says
that this production-profile run is a demonstration (scripts/prod.sh).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from auth.claims import ClaimNames, claim_names
from auth.simulator import identities
from auth.simulator.provider import Client, Issuer, create_issuer_app

WORKFORCE_CLAIMS = ClaimNames(cpr="", name="name", loa="loa")

_ENV_KEYS = (
    "PORTAL_ENV",
    "DEMO_USES_SIMULATOR",
    "SIMULATOR_ALGORITHM",
    "SIMULATOR_CLAIMS_IN",
    "SIMULATOR_TOKEN_AUTH",
    "SIMULATOR_CLIENT_JWKS",
    "SIMULATOR_BASE_URL",
    "SIMULATOR_PORTAL_URL",
    "SIMULATOR_TEST_MODE",
    "OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET",
    "OIDC_CLAIM_PRESET",
    "OIDC_PRESET",
    "OIDC_CLAIM_CPR",
    "OIDC_CLAIM_NAME",
    "OIDC_CLAIM_LOA",
    "WORKFORCE_CLIENT_ID",
    "WORKFORCE_CLIENT_SECRET",
)
_DEFAULTS: dict[str, Any] = {
    "SIMULATOR_BASE_URL": "http://127.0.0.1:5002",
    "SIMULATOR_PORTAL_URL": "http://127.0.0.1:5000",
    "SIMULATOR_TEST_MODE": False,
    "SIMULATOR_ALGORITHM": "RS256",
    "SIMULATOR_CLAIMS_IN": "id_token",
    "SIMULATOR_TOKEN_AUTH": "client_secret_basic client_secret_post",
    "SIMULATOR_CLIENT_JWKS": "",
    "OIDC_CLIENT_ID": "mit-overblik",
    "OIDC_CLIENT_SECRET": "dev-oidc-secret",
    "OIDC_CLAIM_PRESET": "nemlogin",
    "WORKFORCE_CLIENT_ID": "mit-overblik-medarbejder",
    "WORKFORCE_CLIENT_SECRET": "dev-workforce-secret",
}


def load_settings(config: dict[str, Any] | None = None) -> dict[str, Any]:
    settings = dict(_DEFAULTS)
    settings.update({k: os.environ[k] for k in _ENV_KEYS if os.environ.get(k)})
    settings.update(config or {})
    test_mode = settings["SIMULATOR_TEST_MODE"]
    settings["SIMULATOR_TEST_MODE"] = test_mode is True or str(test_mode).lower() in ("1", "true")
    return settings


class SimulatorInProduction(RuntimeError):
    pass


def refuse_production(settings: dict[str, Any]) -> None:
    production = str(settings.get("PORTAL_ENV") or "").lower() == "production"
    if production and str(settings.get("DEMO_USES_SIMULATOR") or "") != "1":
        raise SimulatorInProduction(
            "the MitID simulator refuses to run with PORTAL_ENV=production (its test identities "
            "log anyone in); set DEMO_USES_SIMULATOR=1 only for a demonstration"
        )


def _client_jwks(value: str) -> dict[str, Any] | None:
    if not value:
        return None
    text = value if value.lstrip().startswith("{") else Path(value).read_text()
    return dict(json.loads(text))


def _clients(
    settings: dict[str, Any], id_key: str, secret_key: str, path: str, broker: bool = False
) -> dict:
    portals = [p.strip().rstrip("/") for p in str(settings["SIMULATOR_PORTAL_URL"]).split(",")]
    client = Client(
        client_id=settings[id_key],
        client_secret=settings[secret_key],
        redirect_uris=[f"{p}{path}" for p in portals if p],
        post_logout_redirect_uris=[f"{p}/logget-af" for p in portals if p],
    )
    if broker:
        client.claims_scope = claim_names(settings).scope
        client.auth_methods = tuple(str(settings["SIMULATOR_TOKEN_AUTH"]).replace(",", " ").split())
        client.public_keys = _client_jwks(str(settings["SIMULATOR_CLIENT_JWKS"] or ""))
    return {client.client_id: client}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    settings = load_settings(config)
    refuse_production(settings)
    base = str(settings["SIMULATOR_BASE_URL"]).rstrip("/")
    test_mode = settings["SIMULATOR_TEST_MODE"]
    mitid = Issuer(
        name="mitid",
        issuer=f"{base}/mitid",
        title="MitID-simulator",
        identities=identities.citizens(settings),
        clients=_clients(
            settings, "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "/log-ind/callback", broker=True
        ),
        claims=claim_names(settings),
        test_mode=test_mode,
        algorithm=str(settings["SIMULATOR_ALGORITHM"]),
        claims_in=str(settings["SIMULATOR_CLAIMS_IN"]),
    )
    workforce = Issuer(
        name="workforce",
        issuer=f"{base}/workforce",
        title="Medarbejder-login (simulator)",
        identities=identities.caseworkers(settings),
        clients=_clients(
            settings, "WORKFORCE_CLIENT_ID", "WORKFORCE_CLIENT_SECRET", "/medarbejder/callback"
        ),
        claims=WORKFORCE_CLAIMS,
        role="caseworker",
        test_mode=test_mode,
    )
    here = Path(__file__).resolve().parent
    app = Flask(
        __name__, template_folder=str(here / "templates"), static_folder=str(here / "static")
    )
    app.config.update(settings)
    app.extensions["simulator_issuers"] = {"mitid": mitid, "workforce": workforce}

    @app.get("/")
    def index() -> ResponseReturnValue:
        return render_template("simulator/index.html", issuers=(mitid, workforce))

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        return {"status": "ok"}

    app.wsgi_app = DispatcherMiddleware(  # type: ignore[method-assign]
        app.wsgi_app,
        {"/mitid": create_issuer_app(mitid), "/workforce": create_issuer_app(workforce)},
    )
    return app
