"""The MitID simulator as an OpenID provider, driven over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from auth.simulator import create_app
from tests.unit.auth.conftest import CLIENT_ID, CLIENT_SECRET, PORTAL, WF_CLIENT_ID, Simulator

CPR_CLAIM = "https://data.gov.dk/model/core/eid/cprNumber"
LOA_CLAIM = "https://data.gov.dk/concept/core/nsis/loa"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize(
    sim: Simulator,
    *,
    issuer: str = "mitid",
    client_id: str = CLIENT_ID,
    redirect: str = f"{PORTAL}/log-ind/callback",
    identity: str = "p-jonas",
    level: str = "substantial",
    nonce: str | None = None,
    challenge: str | None = None,
    extra: dict[str, str] | None = None,
) -> httpx.Response:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect,
        "scope": "openid profile nemlogin",
        "state": "st-" + secrets.token_hex(4),
        "nonce": nonce or secrets.token_hex(8),
        **({"code_challenge": challenge, "code_challenge_method": "S256"} if challenge else {}),
        **(extra or {}),
    }
    url = f"{sim.base_url}/{issuer}/authorize"
    return httpx.post(url, params=params, data={"identity": identity, "level": level})


def callback_params(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["location"]).query).items()}


def token(
    sim: Simulator, code: str, verifier: str, issuer: str = "mitid", **kwargs: Any
) -> httpx.Response:
    client = kwargs.pop("client", (CLIENT_ID, CLIENT_SECRET))
    redirect = kwargs.pop("redirect", f"{PORTAL}/log-ind/callback")
    return httpx.post(
        f"{sim.base_url}/{issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect,
            "code_verifier": verifier,
        },
        auth=client,
    )


def login(sim: Simulator, **kwargs: Any) -> dict[str, Any]:
    verifier, challenge = pkce()
    params = callback_params(authorize(sim, challenge=challenge, **kwargs))
    response = token(sim, params["code"], verifier)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def decode(sim: Simulator, id_token: str, issuer: str = "mitid") -> dict[str, Any]:
    keys = KeySet.import_key_set(httpx.get(f"{sim.base_url}/{issuer}/jwks").json())
    return dict(jwt.decode(id_token, keys, algorithms=["RS256"]).claims)


def test_discovery_names_every_endpoint(simulator: Simulator) -> None:
    meta = httpx.get(f"{simulator.base_url}/mitid/.well-known/openid-configuration").json()
    assert meta["issuer"] == f"{simulator.base_url}/mitid"
    for key in ("authorization", "token", "userinfo", "end_session"):
        assert meta[f"{key}_endpoint"].startswith(meta["issuer"] + "/")
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["id_token_signing_alg_values_supported"] == ["RS256"]
    jwks = httpx.get(meta["jwks_uri"]).json()
    assert jwks["keys"] and all("d" not in k for k in jwks["keys"]), "private parts leaked"
    workforce = httpx.get(f"{simulator.base_url}/workforce/.well-known/openid-configuration")
    assert workforce.json()["issuer"] == f"{simulator.base_url}/workforce"
    assert workforce.json()["jwks_uri"] != meta["jwks_uri"]


def test_login_page_lists_the_fictitious_identities(simulator: Simulator) -> None:
    _, challenge = pkce()
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": f"{PORTAL}/log-ind/callback",
        "scope": "openid",
        "state": "s",
        "nonce": "n-page",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page = httpx.get(f"{simulator.base_url}/mitid/authorize", params=params)
    assert page.status_code == 200
    assert "Anders Kjær Poulsen" in page.text and "120379-****" in page.text
    assert "1203792990" not in page.text
    assert 'name="level" value="substantial"' in page.text
    assert '<html lang="da">' in page.text
    assert 'action="/mitid/authorize?' in page.text, "the form posts back to this issuer"


def test_code_flow_issues_a_signed_id_token_with_the_preset_claims(simulator: Simulator) -> None:
    nonce = secrets.token_hex(8)
    result = login(simulator, identity="p-anders", level="high", nonce=nonce)
    header = json.loads(base64.urlsafe_b64decode(result["id_token"].split(".")[0] + "=="))
    assert header["alg"] == "RS256" and header["kid"] == simulator.mitid.signing_key.kid
    claims = decode(simulator, result["id_token"])
    assert claims["iss"] == f"{simulator.base_url}/mitid"
    assert claims["aud"] == [CLIENT_ID]
    assert claims["nonce"] == nonce
    assert claims[CPR_CLAIM] == "1203792990"
    assert claims[LOA_CLAIM] == "https://data.gov.dk/concept/core/nsis/loa/High"
    assert claims["sub"] != "1203792990"
    assert claims["exp"] > claims["iat"]

    info = httpx.get(
        f"{simulator.base_url}/mitid/userinfo",
        headers={"Authorization": f"Bearer {result['access_token']}"},
    )
    assert info.status_code == 200 and info.json()["sub"] == claims["sub"]


def test_code_is_single_use(simulator: Simulator) -> None:
    verifier, challenge = pkce()
    code = callback_params(authorize(simulator, challenge=challenge))["code"]
    assert token(simulator, code, verifier).status_code == 200
    second = token(simulator, code, verifier)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"


def test_pkce_is_required_and_checked(simulator: Simulator) -> None:
    without = callback_params(authorize(simulator, challenge=None))
    assert without["error"] == "invalid_request" and "code" not in without
    _, challenge = pkce()
    code = callback_params(authorize(simulator, challenge=challenge))["code"]
    wrong = token(simulator, code, pkce()[0])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"


def test_client_secret_and_redirect_uri_are_checked(simulator: Simulator) -> None:
    verifier, challenge = pkce()
    code = callback_params(authorize(simulator, challenge=challenge))["code"]
    bad = token(simulator, code, verifier, client=(CLIENT_ID, "wrong"))
    assert bad.status_code == 401
    page = authorize(simulator, challenge=challenge, redirect="http://evil.example/cb")
    assert page.status_code == 400 and "evil.example" not in page.headers.get("location", "")


def test_nonce_is_required_and_cannot_be_reused(simulator: Simulator) -> None:
    _, challenge = pkce()
    nonce = secrets.token_hex(8)
    assert "code" in callback_params(authorize(simulator, challenge=challenge, nonce=nonce))
    again = callback_params(authorize(simulator, challenge=challenge, nonce=nonce))
    assert again["error"] == "invalid_request"


def test_cancel_returns_access_denied(simulator: Simulator) -> None:
    _, challenge = pkce()
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": f"{PORTAL}/log-ind/callback",
        "scope": "openid",
        "state": "s1",
        "nonce": secrets.token_hex(8),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    response = httpx.post(
        f"{simulator.base_url}/mitid/authorize", params=params, data={"action": "cancel"}
    )
    assert callback_params(response)["error"] == "access_denied"


def test_workforce_issuer_has_its_own_clients_and_role(simulator: Simulator) -> None:
    verifier, challenge = pkce()
    redirect = f"{PORTAL}/medarbejder/callback"
    response = authorize(
        simulator,
        issuer="workforce",
        client_id=WF_CLIENT_ID,
        redirect=redirect,
        identity="cw-lene",
        challenge=challenge,
    )
    code = callback_params(response)["code"]
    result = token(
        simulator,
        code,
        verifier,
        issuer="workforce",
        client=(WF_CLIENT_ID, "test-workforce-secret"),
        redirect=redirect,
    ).json()
    claims = decode(simulator, result["id_token"], issuer="workforce")
    assert claims["sub"] == "lene.bach" and claims["role"] == "caseworker"
    assert claims["iss"] == f"{simulator.base_url}/workforce"
    # A citizen identity does not exist on the workforce issuer, nor the other way round.
    refused = authorize(
        simulator,
        issuer="workforce",
        client_id=WF_CLIENT_ID,
        redirect=redirect,
        identity="p-jonas",
        challenge=challenge,
    )
    assert refused.status_code == 400
    wrong_client = authorize(simulator, issuer="workforce", challenge=challenge)
    assert wrong_client.status_code == 400


def test_end_session_redirects_to_the_registered_uri_only(simulator: Simulator) -> None:
    result = login(simulator)
    ok = httpx.get(
        f"{simulator.base_url}/mitid/end-session",
        params={
            "id_token_hint": result["id_token"],
            "post_logout_redirect_uri": f"{PORTAL}/logget-af",
            "state": "bye",
        },
    )
    assert ok.status_code == 302 and ok.headers["location"] == f"{PORTAL}/logget-af?state=bye"
    assert simulator.state()["ended_sessions"]
    evil = httpx.get(
        f"{simulator.base_url}/mitid/end-session",
        params={
            "id_token_hint": result["id_token"],
            "post_logout_redirect_uri": "http://evil.example/",
        },
    )
    assert evil.status_code == 200 and "logget af" in evil.text


@pytest.mark.parametrize(
    ("mode", "check"),
    [
        ("wrong_issuer", lambda c, sim: c["iss"] != f"{sim.base_url}/mitid"),
        ("wrong_audience", lambda c, sim: CLIENT_ID not in c["aud"]),
        ("expired", lambda c, sim: c["exp"] < c["iat"] + 7200 and c["exp"] < 2**31),
        ("no_loa", lambda c, sim: LOA_CLAIM not in c),
    ],
)
def test_misbehaviours_that_still_sign(simulator: Simulator, mode: str, check: Any) -> None:
    simulator.misbehave(mode)
    claims = decode(simulator, login(simulator)["id_token"])
    assert check(claims, simulator)


def test_misbehaviours_that_break_the_signature(simulator: Simulator) -> None:
    simulator.misbehave("alg_none")
    unsigned = login(simulator)["id_token"]
    assert unsigned.endswith(".")
    assert json.loads(base64.urlsafe_b64decode(unsigned.split(".")[0] + "=="))["alg"] == "none"

    simulator.misbehave("wrong_key")
    rogue = login(simulator)["id_token"]
    with pytest.raises(JoseError):
        decode(simulator, rogue)

    simulator.misbehave("replay_id_token")
    assert login(simulator)["id_token"] == rogue


def test_key_rotation_publishes_the_new_kid(simulator: Simulator) -> None:
    old = simulator.mitid.signing_key.kid
    new = simulator.rotate_key()
    assert new != old
    kids = [k["kid"] for k in httpx.get(f"{simulator.base_url}/mitid/jwks").json()["keys"]]
    assert new in kids
    claims = decode(simulator, login(simulator)["id_token"])
    assert claims["aud"] == [CLIENT_ID]


def test_test_switches_exist_only_in_test_mode() -> None:
    app = create_app({"SIMULATOR_TEST_MODE": "0"})
    client = app.test_client()
    assert client.post("/mitid/test/misbehave", json={"mode": "alg_none"}).status_code == 404
    assert client.get("/mitid/.well-known/openid-configuration").status_code == 200
