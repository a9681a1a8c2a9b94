"""Logging in against providers set up like real MitID brokers, through settings only.

Each provider is the real simulator (Authlib's server components) on a loopback port,
configured like a broker: the person number and level released only under the broker's
scope, client authentication by private_key_jwt, claims only from userinfo, ES256
signatures. Nothing of the portal's client is mocked; only the plan API is faked.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from joserfc.jwk import RSAKey

from auth.oidc import ConfigError, settings_from_config
from auth.session import SESSION_KEY
from tests.unit.auth.conftest import Flow, Simulator, make_portal, start_simulator
from tests.unit.auth.test_login import (
    STATE_REFUSED,
    logged_in,
    reason,
    refused,
    session_data,
)
from tests.unit.conftest import FakePlanAPI, normalize


@pytest.fixture
def broker(request: pytest.FixtureRequest) -> Iterator[Simulator]:
    """A simulator started with this test's settings (`@pytest.mark.parametrize` indirect)."""
    sim = start_simulator(**request.param)
    yield sim
    sim.server.shutdown()
    sim.server.server_close()


def login(app: Flask, sim: Simulator, identity: str = "p-jonas", level: str = "substantial"):  # type: ignore[no-untyped-def]
    client = app.test_client()
    response = Flow(client, sim).login(identity, level)
    return client, response


def refusal_text(response: Any) -> str:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return normalize(soup.select_one("main").text)


SIGNICAT = {"OIDC_CLAIM_PRESET": "signicat"}


@pytest.mark.parametrize("broker", [SIGNICAT], indirect=True)
def test_cpr_and_level_released_only_under_the_brokers_scope(
    broker: Simulator, fake_planapi: FakePlanAPI
) -> None:
    # The preset asks for the broker's scope (`nin`), so the person number comes back.
    app = make_portal(broker, fake_planapi, OIDC_PRESET="signicat")
    authorize = Flow(app.test_client(), broker).start()
    assert "scope=openid+profile+nin" in authorize and "acr_values=idp%3Amitid" in authorize
    client, response = login(app, broker)
    assert response.status_code == 302, refusal_text(response)
    assert session_data(client)[SESSION_KEY]["actor_id"] == "p-jonas"

    # Not asking for it: the claims are missing, and the citizen is told so, truly.
    app = make_portal(broker, fake_planapi, OIDC_PRESET="signicat", OIDC_SCOPE="openid profile")
    client, response = login(app, broker)
    assert response.status_code == 403
    text = refusal_text(response)
    assert "did not include" in text or "indeholdt ikke" in text
    assert "lower assurance level" not in text and "lavere sikringsniveau" not in text
    assert not logged_in(client)


def test_a_low_level_and_a_missing_level_are_different_refusals(
    simulator: Simulator, portal: Flask
) -> None:
    _, low = login(portal, simulator, level="low")
    simulator.misbehave("no_loa")
    _, missing = login(portal, simulator)
    assert low.status_code == missing.status_code == 403
    low_text, missing_text = refusal_text(low), refusal_text(missing)
    assert "Substantial" in low_text or "betydelig" in low_text.lower()
    assert low_text != missing_text
    assert "did not include" in missing_text or "indeholdt ikke" in missing_text


@pytest.fixture(scope="module")
def client_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The portal's key for private_key_jwt: the private part in a PEM file, the public JWKS."""
    key = RSAKey.generate_key(2048)
    key.ensure_kid()  # the thumbprint: what the portal names it by (and `oidc check` prints)
    path = tmp_path_factory.mktemp("keys") / "portal.pem"
    path.write_bytes(key.as_pem(private=True))
    return path, json.dumps({"keys": [key.as_dict(private=False)]})


def test_login_with_private_key_jwt(
    client_key: tuple[Path, str], fake_planapi: FakePlanAPI
) -> None:
    path, public_jwks = client_key
    sim = start_simulator(SIMULATOR_TOKEN_AUTH="private_key_jwt", SIMULATOR_CLIENT_JWKS=public_jwks)
    try:
        assert sim.mitid.metadata()["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
        app = make_portal(
            sim, fake_planapi, OIDC_TOKEN_AUTH="private_key_jwt", OIDC_PRIVATE_KEY_FILE=str(path)
        )
        client, response = login(app, sim)
        assert response.status_code == 302, refusal_text(response)
        assert logged_in(client)

        # The same broker refuses a client that sends its secret instead.
        app = make_portal(sim, fake_planapi)
        client, response = login(app, sim)
        assert response.status_code == 400 and not logged_in(client)
    finally:
        sim.server.shutdown()
        sim.server.server_close()


@pytest.mark.parametrize("broker", [{"SIMULATOR_CLAIMS_IN": "userinfo"}], indirect=True)
def test_claims_only_from_userinfo(broker: Simulator, fake_planapi: FakePlanAPI) -> None:
    app = make_portal(broker, fake_planapi, OIDC_CLAIMS_SOURCE="userinfo")
    client, response = login(app, broker, level="high")
    assert response.status_code == 302, refusal_text(response)
    assert session_data(client)[SESSION_KEY]["loa"] == "high"

    # Reading only the ID token, the portal finds no person number: a clear refusal.
    app = make_portal(broker, fake_planapi, OIDC_CLAIMS_SOURCE="id_token")
    client, response = login(app, broker)
    assert response.status_code == 403 and not logged_in(client)


@pytest.mark.parametrize("broker", [{"SIMULATOR_ALGORITHM": "ES256"}], indirect=True)
def test_id_tokens_signed_with_es256(broker: Simulator, fake_planapi: FakePlanAPI) -> None:
    assert broker.mitid.metadata()["id_token_signing_alg_values_supported"] == ["ES256"]
    app = make_portal(broker, fake_planapi)
    client, response = login(app, broker)
    assert response.status_code == 302, refusal_text(response)

    # Pinned to RS256 by a setting, the portal refuses the ES256 token.
    app = make_portal(broker, fake_planapi, OIDC_ID_TOKEN_ALGORITHMS="RS256")
    client, response = login(app, broker)
    assert response.status_code == 400 and not logged_in(client)


def test_two_callbacks_with_one_state_give_one_session(
    simulator: Simulator, fake_planapi: FakePlanAPI, tmp_path: Path
) -> None:
    # A provider that lets a code be redeemed twice: only the state can stop the second.
    simulator.misbehave("reuse_code")
    app = make_portal(
        simulator, fake_planapi, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.db'}"
    )
    first = app.test_client()
    flow = Flow(first, simulator)
    callback = flow.at_provider(flow.start())
    cookie = first.get_cookie("mo_session")
    assert cookie is not None
    second = app.test_client()
    second.set_cookie("mo_session", cookie.value)

    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def run(client: Any) -> None:
        barrier.wait()
        statuses.append(client.get(callback).status_code)

    threads = [threading.Thread(target=run, args=(c,)) for c in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [302, 400]


def test_a_started_login_expires(simulator: Simulator, portal: Flask) -> None:
    import auth.oidc

    client = portal.test_client()
    flow = Flow(client, simulator)
    callback = flow.at_provider(flow.start())
    original = auth.oidc.PENDING_TTL
    with portal.app_context():
        from portal.extensions import db
        from portal.models import LoginState

        row = db.session.scalars(db.select(LoginState)).one()
        row.data = {**row.data, "created": row.data["created"] - original - 1}
        db.session.commit()
    assert reason(refused(client.get(callback))) == STATE_REFUSED
    assert not logged_in(client)


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"OIDC_TOKEN_AUTH": "private_key_jwt"}, "OIDC_PRIVATE_KEY_FILE"),
        ({"OIDC_TOKEN_AUTH": "client_secret_jwt"}, "OIDC_TOKEN_AUTH"),
        ({"OIDC_ID_TOKEN_ALGORITHMS": "HS256"}, "OIDC_ID_TOKEN_ALGORITHMS"),
        ({"OIDC_REQUIRED_LOA": "low"}, "OIDC_REQUIRED_LOA"),
        ({"OIDC_SCOPE": "profile nin"}, "OIDC_SCOPE"),
        ({"OIDC_PRESET": "mystery"}, "OIDC_PRESET"),
    ],
)
def test_settings_that_cannot_work_are_refused_by_name(settings: dict, named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        settings_from_config({"OIDC_ISSUER": "https://broker.example", **settings}, "OIDC")


def test_the_simulator_follows_the_portals_preset_setting() -> None:
    """One OIDC_PRESET for portal and demo simulator; the older OIDC_CLAIM_PRESET yields."""
    from auth.claims import PRESETS, claim_names

    assert (
        claim_names({"OIDC_PRESET": "Idura", "OIDC_CLAIM_PRESET": "signicat"}) == (PRESETS["idura"])
    )
    assert claim_names({"OIDC_CLAIM_PRESET": "signicat"}) == PRESETS["signicat"]
    assert claim_names({}) == PRESETS["nemlogin"]
    assert claim_names({"OIDC_PRESET": "mystery"}) == PRESETS["nemlogin"]
    custom = {"OIDC_CLAIM_CPR": "c", "OIDC_CLAIM_NAME": "n", "OIDC_CLAIM_LOA": "l"}
    names = claim_names({"OIDC_CLAIM_PRESET": "custom", **custom})
    assert (names.cpr, names.name, names.loa) == ("c", "n", "l")
    assert claim_names({"OIDC_CLAIM_CPR": "c"}).cpr == "c"
    with pytest.raises(RuntimeError, match="OIDC_CLAIM_CPR, _NAME and _LOA"):
        claim_names({"OIDC_CLAIM_PRESET": "custom", "OIDC_CLAIM_CPR": "c"})


def test_presets_fill_in_every_broker_choice() -> None:
    idura = settings_from_config({"OIDC_PRESET": "idura"}, "OIDC")
    assert idura.scope == "openid ssn" and idura.claim_cpr == "cprNumberIdentifier"
    assert ("acr_values", "urn:grn:authn:dk:mitid:substantial") in idura.authorize_params
    nemlogin = settings_from_config({}, "OIDC")
    assert nemlogin.claim_cpr == "https://data.gov.dk/model/core/eid/cprNumber"
    assert nemlogin.required_loa == "substantial" and nemlogin.auth_method == "client_secret_basic"
    workforce = settings_from_config({"WORKFORCE_REQUIRED_LOA": "high"}, "WORKFORCE")
    assert workforce.required_loa == "high" and workforce.claim_role == "role"
