"""auth/oidc.py piece by piece: the settings, the client's keys, and every refusal of the flow.

The login journeys run against the real simulator (test_login.py, test_brokers.py). Here the
provider is a small fake on httpx.MockTransport, for the answers a well-behaved provider never
gives (HTTP errors, bodies that are not JSON, userinfo for another person, a JWKS it cannot
read). Its ID tokens are really signed, and every check is the portal's own, unmocked.
Each refusal is asserted by its reason (the page the citizen sees) and its detail (the log).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.oidc.core.util import create_half_hash
from joserfc import jwt
from joserfc.jwk import ECKey, OKPKey, RSAKey

from auth.claims import NEMLOGIN_LOA, PRESETS
from auth.oidc import (
    METADATA_TTL,
    ConfigError,
    LoginFailed,
    Pending,
    Provider,
    Settings,
    key_algorithm,
    load_private_key,
    settings_from_config,
)

# Ends in "X": stripping anything but the trailing slash from it would show.
ISSUER = "https://op.example/realm-X"
CLIENT = "portal"
SECRET = "s3cret"
NONCE = "nonce-1"
ACCESS = "access-1"
SUB = "sub-1"

# -- LoginFailed -------------------------------------------------------------------------------


def test_a_refusal_carries_its_reason_and_detail() -> None:
    bare = LoginFailed("token")
    assert (bare.reason, bare.detail, str(bare)) == ("token", "", "token")
    full = LoginFailed("token", "no id_token")
    assert (full.reason, full.detail, str(full)) == ("token", "no id_token", "token: no id_token")


# -- the client's own key (private_key_jwt) ---------------------------------------------------


@pytest.mark.parametrize(
    ("curve", "alg"), [("P-256", "ES256"), ("P-384", "ES384"), ("P-521", "ES512")]
)
def test_an_ec_key_signs_with_the_algorithm_of_its_curve(curve: str, alg: str) -> None:
    assert key_algorithm(ECKey.generate_key(curve)) == alg


def test_an_rsa_key_signs_with_its_own_alg_else_rs256(rsa_key: RSAKey) -> None:
    assert key_algorithm(rsa_key) == "RS256"
    pinned = RSAKey.import_key(rsa_key.as_dict(private=True), parameters={"alg": "PS256"})
    assert key_algorithm(pinned) == "PS256"


@pytest.fixture(scope="module")
def rsa_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "op-1"})


def test_private_key_from_a_pem_file(tmp_path: Path, rsa_key: RSAKey) -> None:
    path = tmp_path / "rsa.pem"
    path.write_bytes(rsa_key.as_pem(private=True))
    key = load_private_key(str(path))
    assert isinstance(key, RSAKey) and key.is_private
    # A PEM names no kid: the key's thumbprint, as `oidc check` prints it.
    assert key.kid == rsa_key.thumbprint()

    ec = ECKey.generate_key("P-256")
    path = tmp_path / "ec.pem"
    path.write_bytes(ec.as_pem(private=True))
    key = load_private_key(str(path))
    assert isinstance(key, ECKey) and key.is_private and key_algorithm(key) == "ES256"


def test_private_key_from_a_jwk_file_keeps_its_kid(tmp_path: Path, rsa_key: RSAKey) -> None:
    path = tmp_path / "key.json"
    # Leading whitespace, as an editor may leave it: still a JWK, not a PEM.
    path.write_text("\n  " + json.dumps(rsa_key.as_dict(private=True)))
    key = load_private_key(str(path))
    assert isinstance(key, RSAKey) and key.is_private and key.kid == "op-1"

    ec = ECKey.generate_key("P-384")
    path.write_text(json.dumps(ec.as_dict(private=True)))
    key = load_private_key(str(path))
    assert isinstance(key, ECKey) and key.kid == ec.thumbprint()


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(lambda k: k.as_pem(private=False), id="public PEM"),
        pytest.param(lambda k: json.dumps(k.as_dict(private=False)).encode(), id="public JWK"),
        pytest.param(
            lambda k: json.dumps(OKPKey.generate_key("Ed25519").as_dict(private=True)).encode(),
            id="an Ed25519 JWK",
        ),
        pytest.param(lambda k: b"-----BEGIN PRIVATE KEY-----\nnot a key\n", id="not a key"),
        pytest.param(lambda k: b'{"kty": "RSA"', id="broken JSON"),
    ],
)
def test_a_file_without_an_rsa_or_ec_private_key_is_refused(
    tmp_path: Path, rsa_key: RSAKey, content: Callable[[RSAKey], bytes]
) -> None:
    path = tmp_path / "key"
    path.write_bytes(content(rsa_key))
    with pytest.raises(ConfigError) as raised:
        load_private_key(str(path))
    assert str(raised.value) == f"private key file {path}: not an RSA or EC private key"


def test_a_missing_key_file_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.pem"
    with pytest.raises(ConfigError) as raised:
        load_private_key(str(path))
    assert str(raised.value) == f"private key file {path}: No such file or directory"


# -- settings_from_config ----------------------------------------------------------------------

NEMLOGIN = PRESETS["nemlogin"]


def citizen(**fields: Any) -> Settings:
    """The citizen login's settings with nothing configured but the preset's choices."""
    defaults: dict[str, Any] = {
        "issuer": "",
        "client_id": "",
        "scope": "openid profile nemlogin",
        "claim_cpr": NEMLOGIN.cpr,
        "claim_name": NEMLOGIN.name,
        "claim_loa": NEMLOGIN_LOA,
        "claim_role": "",
        "role_value": "",
    }
    return Settings(**(defaults | fields))


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({}, citizen()),
        ({"OIDC_PRESET": "simulator"}, citizen()),
        ({"OIDC_PRESET": "custom"}, citizen()),
        (
            {"OIDC_PRESET": "Signicat"},
            citizen(
                scope="openid profile nin",
                claims_source="id_token+userinfo",
                authorize_params=(("acr_values", "idp:mitid"), ("ui_locales", "da")),
                claim_cpr="nin",
                claim_name="name",
                claim_loa="loa",
            ),
        ),
        (
            # The older name of the setting, when the new one is not set.
            {"OIDC_CLAIM_PRESET": "idura"},
            citizen(
                scope="openid ssn",
                authorize_params=(
                    ("acr_values", "urn:grn:authn:dk:mitid:substantial"),
                    ("ui_locales", "da"),
                ),
                claim_cpr="cprNumberIdentifier",
                claim_name="name",
                claim_loa="acr",
            ),
        ),
    ],
    ids=["nothing set", "simulator", "custom", "signicat", "idura (old setting)"],
)
def test_each_preset_fills_in_its_brokers_choices(config: dict, expected: Settings) -> None:
    assert settings_from_config(config, "OIDC") == expected


def test_the_preset_setting_wins_over_the_older_one() -> None:
    settings = settings_from_config({"OIDC_PRESET": "idura", "OIDC_CLAIM_PRESET": "x"}, "OIDC")
    assert settings.claim_cpr == "cprNumberIdentifier"


def test_every_setting_overrides_the_preset() -> None:
    config = {
        "OIDC_PRESET": "signicat",
        "OIDC_ISSUER": " https://broker.example ",
        "OIDC_CLIENT_ID": "portal ",
        "OIDC_CLIENT_SECRET": " s3cret",
        "OIDC_SCOPE": " openid   ssn ",
        "OIDC_CLAIMS_SOURCE": "userinfo",
        "OIDC_TOKEN_AUTH": "private_key_jwt",
        "OIDC_PRIVATE_KEY_FILE": "/keys/portal.pem",
        "OIDC_ID_TOKEN_ALGORITHMS": "ES256,PS256",
        "OIDC_AUTHORIZE_PARAMS": "prompt=login&ui_locales=en",
        "OIDC_REQUIRED_LOA": "High",
        "OIDC_CLAIM_CPR": "cpr",
        "OIDC_CLAIM_NAME": "fullname",
        "OIDC_CLAIM_LOA": "level",
        "OIDC_CLAIM_ROLE": "groups",
        "OIDC_ROLE_VALUE": "citizen",
        "OIDC_CLAIM_ID": "uid",
        "OIDC_UNRELATED": "ignored",
    }
    assert settings_from_config(config, "OIDC") == Settings(
        issuer="https://broker.example",
        client_id="portal",
        client_secret="s3cret",
        scope="openid ssn",
        claims_source="userinfo",
        auth_method="private_key_jwt",
        private_key_file="/keys/portal.pem",
        id_token_algorithms=("ES256", "PS256"),
        authorize_params=(("prompt", "login"), ("ui_locales", "en")),
        required_loa="high",
        claim_cpr="cpr",
        claim_name="fullname",
        claim_loa="level",
        claim_role="groups",
        role_value="citizen",
        claim_id="uid",
    )


def test_the_workforce_login_has_its_own_defaults_and_no_person_number() -> None:
    assert settings_from_config({"OIDC_SCOPE": "openid x", "OIDC_PRESET": "?"}, "WORKFORCE") == (
        Settings(
            issuer="",
            client_id="",
            scope="openid profile",
            claims_source="id_token",
            claim_cpr="",
            claim_name="name",
            claim_loa="loa",
            claim_role="role",
            role_value="caseworker",
            claim_id="sub",
        )
    )
    config = {
        "WORKFORCE_ISSUER": "https://idp.example",
        "WORKFORCE_CLAIMS_SOURCE": "id_token,userinfo",
        "WORKFORCE_TOKEN_AUTH": "client_secret_post",
        "WORKFORCE_ID_TOKEN_ALGORITHMS": "RS256 ES256",
        "WORKFORCE_CLAIM_ID": "oid",
        "WORKFORCE_CLAIM_NAME": "display_name",
        "WORKFORCE_CLAIM_LOA": "acr",
    }
    settings = settings_from_config(config, "WORKFORCE")
    assert settings.issuer == "https://idp.example"
    assert settings.claims_source == "id_token+userinfo"
    assert settings.auth_method == "client_secret_post"
    assert settings.id_token_algorithms == ("RS256", "ES256")
    assert (settings.claim_id, settings.claim_name, settings.claim_loa) == (
        "oid",
        "display_name",
        "acr",
    )


@pytest.mark.parametrize(
    "written",
    [
        "id_token+userinfo",
        "id_token userinfo",
        "id_token,userinfo",
        "id_token, userinfo",  # as a list is written in prose
        " id_token + userinfo ",
    ],
)
def test_both_claims_sources_may_be_joined_by_plus_space_or_comma(written: str) -> None:
    settings = settings_from_config({"OIDC_CLAIMS_SOURCE": written}, "OIDC")
    assert settings.claims_source == "id_token+userinfo"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"OIDC_PRESET": "mystery"},
            "OIDC_PRESET='mystery' is not one of idura, nemlogin, signicat, simulator, custom",
        ),
        ({"OIDC_SCOPE": "profile openid-connect"}, "OIDC_SCOPE: must include openid"),
        (
            {"OIDC_CLAIMS_SOURCE": "access_token"},
            "OIDC_CLAIMS_SOURCE: must be one of id_token, userinfo, id_token+userinfo",
        ),
        (
            {"OIDC_TOKEN_AUTH": "client_secret_jwt"},
            "OIDC_TOKEN_AUTH: must be one of client_secret_basic, client_secret_post, "
            "private_key_jwt",
        ),
        (
            {"OIDC_TOKEN_AUTH": "private_key_jwt"},
            "OIDC_PRIVATE_KEY_FILE: private_key_jwt needs a private key file",
        ),
        (
            {"OIDC_ID_TOKEN_ALGORITHMS": "RS256,HS256"},
            "OIDC_ID_TOKEN_ALGORITHMS: only RS256, PS256, ES256",
        ),
        ({"OIDC_REQUIRED_LOA": "low"}, "OIDC_REQUIRED_LOA: must be substantial or high (NSIS)"),
    ],
)
def test_a_setting_that_cannot_work_is_refused_with_its_name_and_why(
    settings: dict, message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        settings_from_config(settings, "OIDC")
    assert str(raised.value) == message


def test_a_workforce_setting_is_refused_under_its_own_name() -> None:
    with pytest.raises(ConfigError) as raised:
        settings_from_config({"WORKFORCE_REQUIRED_LOA": "low"}, "WORKFORCE")
    assert str(raised.value) == "WORKFORCE_REQUIRED_LOA: must be substantial or high (NSIS)"


def test_a_key_file_without_private_key_jwt_is_kept_but_unused() -> None:
    settings = settings_from_config({"OIDC_PRIVATE_KEY_FILE": "/k.pem"}, "OIDC")
    assert (settings.auth_method, settings.private_key_file) == ("client_secret_basic", "/k.pem")


# -- the provider, faked at the HTTP transport ------------------------------------------------

Handler = Callable[[httpx.Request], httpx.Response]


class FakeOP:
    """A provider's four endpoints; a test swaps one for a misbehaving handler."""

    def __init__(self, key: RSAKey | ECKey, issuer: str = ISSUER) -> None:
        self.key = key
        self.issuer = issuer
        base = issuer.rstrip("/")
        self.metadata: dict[str, Any] = {
            "issuer": issuer,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks",
            "end_session_endpoint": f"{base}/logout",
        }
        self.jwks: Any = {"keys": [key.as_dict(private=False)]}
        self.userinfo: Any = {"sub": SUB, "name": "from userinfo"}
        self.token_response: Any = None  # None: a valid one with a fresh ID token
        self.id_claims: dict[str, Any] = {}
        self.routes: dict[str, Handler] = {}
        self.requests: list[httpx.Request] = []

    def sign(self, claims: dict[str, Any], key: RSAKey | ECKey | None = None) -> str:
        key = key or self.key
        alg = "ES256" if isinstance(key, ECKey) else "RS256"
        return jwt.encode({"alg": alg, "kid": key.kid}, claims, key, algorithms=[alg])

    def id_token(self, **claims: Any) -> str:
        """A signed ID token; a claim given as None is left out."""
        return self.sign({k: v for k, v in self.claims(**claims).items() if v is not None})

    def claims(self, **claims: Any) -> dict[str, Any]:
        now = int(time.time())
        defaults = {
            "iss": self.issuer,
            "sub": SUB,
            "aud": CLIENT,
            "iat": now,
            "exp": now + 300,
            "nonce": NONCE,
            "at_hash": create_half_hash(ACCESS, "RS256").decode(),
        }
        return defaults | claims

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path in self.routes:
            return self.routes[path](request)
        prefix = urlsplit(self.issuer).path.rstrip("/")
        if path == prefix + "/.well-known/openid-configuration":
            return httpx.Response(200, json=self.metadata)
        if path == prefix + "/jwks":
            return httpx.Response(200, json=self.jwks)
        if path == prefix + "/token":
            body = self.token_response
            if body is None:
                body = {
                    "access_token": ACCESS,
                    "token_type": "Bearer",
                    "id_token": self.id_token(**self.id_claims),
                }
            return httpx.Response(200, json=body)
        if path == prefix + "/userinfo":
            return httpx.Response(200, json=self.userinfo)
        return httpx.Response(404, text="no such endpoint")


@pytest.fixture
def op(rsa_key: RSAKey) -> FakeOP:
    return FakeOP(rsa_key)


def provider(op: FakeOP, **settings: Any) -> Provider:
    fields: dict[str, Any] = {"issuer": op.issuer, "client_id": CLIENT, "client_secret": SECRET}
    http = httpx.Client(transport=httpx.MockTransport(op))
    return Provider("mitid", Settings(**(fields | settings)), http)


def pending(**fields: Any) -> Pending:
    defaults: dict[str, Any] = {
        "provider": "mitid",
        "state": "state-1",
        "nonce": NONCE,
        "code_verifier": "verifier-1",
        "redirect_uri": "https://portal.example/callback",
        "next_url": "/",
        "created": time.time(),
    }
    return Pending(**(defaults | fields))


def refusal(call: Callable[[], object]) -> tuple[str, str]:
    with pytest.raises(LoginFailed) as raised:
        call()
    return raised.value.reason, raised.value.detail


def fails(error: Exception) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    return handler


def answers(status: int, **kwargs: Any) -> Handler:
    return lambda request: httpx.Response(status, **kwargs)


# discovery


def test_discovery_is_fetched_once_and_again_after_an_hour(
    op: FakeOP, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [10_000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    p = provider(op)
    assert p.metadata() == op.metadata
    now[0] += METADATA_TTL - 1
    assert p.metadata() == op.metadata
    assert op.paths() == ["/realm-X/.well-known/openid-configuration"]
    now[0] += 1  # exactly an hour after the fetch
    p.metadata()
    assert len(op.requests) == 2


def test_discovery_under_an_issuer_with_a_trailing_slash(rsa_key: RSAKey) -> None:
    op = FakeOP(rsa_key, issuer=ISSUER + "/")
    assert provider(op).metadata()["issuer"] == ISSUER + "/"
    assert op.paths() == ["/realm-X/.well-known/openid-configuration"]


def test_discovery_naming_another_issuer_is_refused(op: FakeOP) -> None:
    op.metadata["issuer"] = "https://evil.example"
    assert refusal(provider(op).metadata) == (
        "unavailable",
        "discovery names issuer 'https://evil.example'",
    )


@pytest.mark.parametrize("key", ["authorization_endpoint", "token_endpoint", "jwks_uri"])
def test_discovery_without_an_endpoint_is_refused(op: FakeOP, key: str) -> None:
    op.metadata[key] = None
    assert refusal(provider(op).metadata) == ("unavailable", f"discovery lacks {key}")


DISCOVERY = ISSUER + "/.well-known/openid-configuration"


@pytest.mark.parametrize(
    ("handler", "detail"),
    [
        (fails(httpx.ConnectError("connection refused")), "connection refused"),
        (answers(503, text="down"), "Server error '503 Service Unavailable' for url"),
        (answers(200, text="<html>"), "Expecting value: line 1 column 1 (char 0)"),
        (answers(200, json=["issuer"]), "not a JSON object"),
    ],
    ids=["unreachable", "HTTP error", "not JSON", "not an object"],
)
def test_a_provider_document_that_cannot_be_read(op: FakeOP, handler: Handler, detail: str) -> None:
    op.routes["/realm-X/.well-known/openid-configuration"] = handler
    reason, got = refusal(provider(op).metadata)
    assert reason == "unavailable"
    assert got.startswith(f"{DISCOVERY}: {detail}"), got


# keys and algorithms


def test_the_jwks_is_fetched_once_until_a_refresh_is_asked(op: FakeOP) -> None:
    p = provider(op)
    first = p.keys()
    assert p.keys() is first
    assert op.paths().count("/realm-X/jwks") == 1
    assert p.keys(refresh=True) is not first
    assert p.keys() is not first
    assert op.paths().count("/realm-X/jwks") == 2


def test_an_unreadable_jwks_is_refused(op: FakeOP) -> None:
    op.jwks = {"keys": [{"kty": "none"}]}
    reason, detail = refusal(provider(op).keys)
    assert reason == "unavailable" and detail.startswith("unreadable JWKS: "), detail


def test_configured_algorithms_win_over_the_providers(op: FakeOP) -> None:
    op.metadata["id_token_signing_alg_values_supported"] = ["RS256"]
    assert provider(op, id_token_algorithms=("ES256",)).algorithms() == ["ES256"]
    assert op.requests == []


def test_the_providers_algorithms_without_the_weak_ones(op: FakeOP) -> None:
    op.metadata["id_token_signing_alg_values_supported"] = ["none", "HS256", "ES256", "RS256"]
    assert provider(op).algorithms() == ["ES256", "RS256"]


def test_a_provider_naming_no_algorithm_means_rs256(op: FakeOP) -> None:
    assert provider(op).algorithms() == ["RS256"]


def test_a_provider_offering_only_weak_algorithms_is_refused(op: FakeOP) -> None:
    op.metadata["id_token_signing_alg_values_supported"] = ["HS256", "none"]
    assert refusal(provider(op).algorithms) == (
        "unavailable",
        "no supported ID-token algorithm in ['HS256', 'none']",
    )


# the ID token


def test_a_valid_id_token_gives_its_claims(op: FakeOP) -> None:
    token = op.id_token(name="Jonas")
    claims = provider(op).validate_id_token(token, NONCE, ACCESS)
    assert claims["sub"] == SUB and claims["name"] == "Jonas" and claims["nonce"] == NONCE


def test_a_token_expired_within_the_leeway_is_still_accepted(op: FakeOP) -> None:
    now = int(time.time())
    token = op.id_token(iat=now - 600, exp=now - 30)
    assert provider(op).validate_id_token(token, NONCE, ACCESS)["sub"] == SUB


@pytest.mark.parametrize(
    ("claims", "reason", "detail"),
    [
        ({"exp": -1}, "expired", "expired_token: The token is expired"),
        ({"iss": "https://evil.example"}, "issuer", "invalid_claim: Invalid claim: 'iss'"),
        ({"iss": None}, "issuer", "missing_claim: Missing claim: 'iss'"),
        ({"aud": "someone-else"}, "audience", "invalid_claim: Invalid claim: 'aud'"),
        ({"aud": None}, "audience", "missing_claim: Missing claim: 'aud'"),
        ({"nonce": "an-old-one"}, "nonce", "invalid_claim: Invalid claim: 'nonce'"),
        ({"nonce": None}, "nonce", "missing_claim: Missing claim: 'nonce'"),
        # Expired and without a nonce: the missing nonce is named first.
        ({"nonce": None, "exp": -1}, "nonce", "missing_claim: Missing claim: 'nonce'"),
        ({"sub": None}, "claims", "missing_claim: Missing claim: 'sub'"),
        (
            {"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"},
            "claims",
            "invalid_claim: Invalid claim: 'at_hash'",
        ),
        ({"azp": "someone-else"}, "claims", "invalid_claim: Invalid claim: 'azp'"),
        (
            {"aud": [CLIENT, "someone-else"]},
            "claims",
            "missing_claim: Missing claim: 'azp'",
        ),
        (
            {"iat": "yesterday"},
            "claims",
            "invalid_claim: Claim 'iat' must be a NumericDate value",
        ),
        ({"iat": True}, "claims", "invalid_claim: Claim 'iat' must be a NumericDate value"),
        ({"iat": 4_000_000_000}, "claims", "invalid_claim: The token was issued in the future"),
        ({"auth_time": "yesterday"}, "claims", "invalid_claim: Invalid claim: 'auth_time'"),
    ],
)
def test_an_id_token_that_fails_a_check_is_refused_by_reason(
    op: FakeOP, claims: dict[str, Any], reason: str, detail: str
) -> None:
    if claims.get("exp") == -1:
        claims = claims | {"exp": int(time.time()) - 120}
    token = op.id_token(**claims)
    assert refusal(lambda: provider(op).validate_id_token(token, NONCE, ACCESS)) == (
        reason,
        detail,
    )


@pytest.mark.parametrize(
    ("claim", "reason"), [("iss", "issuer"), ("aud", "audience"), ("nonce", "nonce")]
)
def test_an_id_token_with_a_null_claim_misses_it(op: FakeOP, claim: str, reason: str) -> None:
    token = op.sign(op.claims(**{claim: None}))
    assert refusal(lambda: provider(op).validate_id_token(token, NONCE, ACCESS)) == (
        reason,
        f"missing_claim: Missing claim: '{claim}'",
    )


def test_an_id_token_signed_by_another_key_is_refused(op: FakeOP) -> None:
    other = RSAKey.generate_key(2048, parameters={"kid": "op-1"})
    token = op.sign({"iss": ISSUER, "sub": SUB, "aud": CLIENT}, key=other)
    reason, detail = refusal(lambda: provider(op).validate_id_token(token, NONCE))
    assert (reason, detail) == ("signature", "BadSignatureError: bad_signature: ")


def test_an_id_token_with_an_algorithm_not_allowed_is_refused(op: FakeOP) -> None:
    # RS256 is a fine algorithm, but this portal is pinned to ES256.
    token = op.id_token()
    reason, detail = refusal(
        lambda: provider(op, id_token_algorithms=("ES256",)).validate_id_token(token, NONCE)
    )
    assert reason == "signature" and detail.startswith("UnsupportedAlgorithmError: "), detail


def test_a_malformed_id_token_is_refused(op: FakeOP) -> None:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "RS256", "kid": op.key.kid, "crit": 5}).encode())
    token = f"{header}.{b64(b'{}')}.{b64(b'sig')}"
    assert refusal(lambda: provider(op).validate_id_token(token, NONCE)) == (
        "signature",
        "malformed ID token: 'int' object is not iterable",
    )
    assert refusal(lambda: provider(op).validate_id_token("garbage", NONCE)) == (
        "signature",
        "DecodeError: decode_error: Invalid JSON Web Signature",
    )


def test_a_new_signing_key_is_found_by_fetching_the_jwks_once_more(op: FakeOP) -> None:
    p = provider(op)
    assert p.validate_id_token(op.id_token(), NONCE, ACCESS)["sub"] == SUB
    rotated = RSAKey.generate_key(2048, parameters={"kid": "op-2"})
    op.jwks = {"keys": [op.key.as_dict(private=False), rotated.as_dict(private=False)]}
    op.key = rotated
    assert p.validate_id_token(op.id_token(), NONCE, ACCESS)["sub"] == SUB
    assert op.paths().count("/realm-X/jwks") == 2


# the flow: the authorize URL, the code at the token endpoint, userinfo


def s256(verifier: str) -> str:
    """RFC 7636 §4.2, written out: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_the_authorize_url_asks_for_a_code_with_pkce_state_and_nonce(op: FakeOP) -> None:
    p = provider(op, scope="openid ssn", authorize_params=(("ui_locales", "da"),))
    url, started = p.start("https://portal.example/callback", "/plan")
    assert url.startswith(ISSUER + "/authorize?")
    assert {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()} == {
        "ui_locales": "da",
        "response_type": "code",
        "client_id": CLIENT,
        "redirect_uri": "https://portal.example/callback",
        "scope": "openid ssn",
        "state": started.state,
        "nonce": started.nonce,
        "code_challenge": s256(started.code_verifier),
        "code_challenge_method": "S256",
    }
    assert (started.provider, started.redirect_uri, started.next_url) == (
        "mitid",
        "https://portal.example/callback",
        "/plan",
    )
    assert abs(started.created - time.time()) < 5
    # 256 bits for state and nonce, 512 for the verifier (86 characters, within PKCE's 43-128).
    assert (len(started.state), len(started.nonce), len(started.code_verifier)) == (43, 43, 86)
    assert started.as_dict() == vars(started) and started.as_dict() is not vars(started)


def token_request(op: FakeOP) -> httpx.Request:
    return next(r for r in op.requests if r.url.path == "/realm-X/token")


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def test_the_code_is_redeemed_with_the_verifier_and_basic_auth(op: FakeOP) -> None:
    claims, id_token = provider(op).finish("code-1", pending())
    assert claims["sub"] == SUB and "name" not in claims  # the ID token only: no userinfo
    assert op.paths().count("/realm-X/userinfo") == 0
    request = token_request(op)
    assert request.method == "POST"
    assert form(request) == {
        "grant_type": "authorization_code",
        "code": "code-1",
        "redirect_uri": "https://portal.example/callback",
        "code_verifier": "verifier-1",
    }
    basic = base64.b64encode(f"{CLIENT}:{SECRET}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {basic}"
    assert request.headers["accept"] == "application/json"
    assert provider(op).validate_id_token(id_token, NONCE, ACCESS) == claims


def test_client_secret_post_sends_the_secret_in_the_form_only(op: FakeOP) -> None:
    provider(op, auth_method="client_secret_post").finish("code-1", pending())
    request = token_request(op)
    assert "authorization" not in request.headers
    assert form(request) == {
        "grant_type": "authorization_code",
        "code": "code-1",
        "redirect_uri": "https://portal.example/callback",
        "code_verifier": "verifier-1",
        "client_id": CLIENT,
        "client_secret": SECRET,
    }


@pytest.fixture
def key_file(tmp_path: Path) -> tuple[str, ECKey]:
    key = ECKey.generate_key("P-256", parameters={"kid": "portal-1"})
    path = tmp_path / "portal.json"
    path.write_text(json.dumps(key.as_dict(private=True)))
    return str(path), key


def test_private_key_jwt_signs_a_short_lived_assertion_for_the_token_endpoint(
    op: FakeOP, key_file: tuple[str, ECKey]
) -> None:
    path, key = key_file
    p = provider(op, auth_method="private_key_jwt", private_key_file=path)
    assert p.private_key is not None and p.private_key.kid == "portal-1"
    p.finish("code-1", pending())
    request = token_request(op)
    assert "authorization" not in request.headers
    sent = form(request)
    assertion = sent.pop("client_assertion")
    assert sent == {
        "grant_type": "authorization_code",
        "code": "code-1",
        "redirect_uri": "https://portal.example/callback",
        "code_verifier": "verifier-1",
        "client_id": CLIENT,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    }
    public = ECKey.import_key(key.as_dict(private=False))
    token = jwt.decode(assertion, public, algorithms=["ES256"])
    assert token.header == {"alg": "ES256", "kid": "portal-1", "typ": "JWT"}
    claims = dict(token.claims)
    jti = claims.pop("jti")
    assert len(jti) == 32  # 192 random bits, never reused
    iat = claims.pop("iat")
    assert abs(iat - time.time()) < 5
    assert claims == {"iss": CLIENT, "sub": CLIENT, "aud": ISSUER + "/token", "exp": iat + 60}
    fresh = form(token_request_after(op, p))["client_assertion"]
    assert jwt.decode(fresh, public, algorithms=["ES256"]).claims["jti"] != jti


@pytest.mark.parametrize(
    ("key", "alg"),
    [
        (ECKey.generate_key("P-384"), "ES384"),
        (RSAKey.generate_key(2048, parameters={"alg": "PS256"}), "PS256"),
    ],
    ids=["P-384", "RSA-PSS"],
)
def test_private_key_jwt_signs_with_the_keys_algorithm_beyond_joserfcs_defaults(
    op: FakeOP, tmp_path: Path, key: RSAKey | ECKey, alg: str
) -> None:
    path = tmp_path / "portal.json"
    path.write_text(json.dumps(key.as_dict(private=True)))
    provider(op, auth_method="private_key_jwt", private_key_file=str(path)).finish("c", pending())
    assertion = form(token_request(op))["client_assertion"]
    public = key.import_key(key.as_dict(private=False))
    assert jwt.decode(assertion, public, algorithms=[alg]).header["alg"] == alg


def token_request_after(op: FakeOP, p: Provider) -> httpx.Request:
    op.requests.clear()
    p.finish("code-2", pending())
    return token_request(op)


def test_no_key_is_loaded_for_a_client_secret(op: FakeOP) -> None:
    # The setting may be left over from an earlier setup; it is not read.
    p = provider(op, private_key_file="/nowhere.pem")
    assert p.private_key is None


@pytest.mark.parametrize(
    ("handler", "reason", "detail"),
    [
        (fails(httpx.ReadTimeout("timed out")), "unavailable", "token endpoint: timed out"),
        (
            answers(400, json={"error": "invalid_grant"}),
            "token",
            "token endpoint refused: invalid_grant",
        ),
        (answers(401, json={}), "token", "token endpoint refused: 401"),
        (answers(502, text="<html>bad gateway"), "token", "token endpoint refused: 502"),
        (answers(201, json={"id_token": "x"}), "token", "token endpoint refused: 201"),
        (answers(200, json=["id_token"]), "token", "token endpoint refused: "),
        (answers(200, json={"access_token": ACCESS}), "token", "no id_token in the token response"),
        (answers(200, json={"id_token": 5}), "token", "no id_token in the token response"),
    ],
    ids=[
        "unreachable",
        "OAuth error",
        "HTTP error",
        "not JSON",
        "not 200",
        "not an object",
        "no ID token",
        "ID token not a string",
    ],
)
def test_a_token_endpoint_that_does_not_give_an_id_token(
    op: FakeOP, handler: Handler, reason: str, detail: str
) -> None:
    op.routes["/realm-X/token"] = handler
    assert refusal(lambda: provider(op).finish("code-1", pending())) == (reason, detail)


def test_the_id_token_is_checked_against_the_nonce_and_the_access_token(op: FakeOP) -> None:
    assert refusal(lambda: provider(op).finish("code-1", pending(nonce="other"))) == (
        "nonce",
        "invalid_claim: Invalid claim: 'nonce'",
    )
    op.token_response = {"access_token": "another", "id_token": op.id_token()}
    assert refusal(lambda: provider(op).finish("code-1", pending())) == (
        "claims",
        "invalid_claim: Invalid claim: 'at_hash'",
    )


REGISTERED = ("iss", "sub", "aud", "exp", "iat", "nonce", "at_hash", "auth_time")


def test_claims_from_userinfo_only_keep_just_the_id_tokens_registered_claims(op: FakeOP) -> None:
    op.id_claims = {"auth_time": int(time.time()), "name": "from the ID token", "acr": "high"}
    op.userinfo = {"sub": SUB, "name": "from userinfo", "cpr": "0101011234"}
    claims, _ = provider(op, claims_source="userinfo").finish("code-1", pending())
    assert set(claims) == {*REGISTERED, "name", "cpr"}
    assert claims["name"] == "from userinfo" and claims["iss"] == ISSUER
    request = next(r for r in op.requests if r.url.path == "/realm-X/userinfo")
    assert request.headers["authorization"] == f"Bearer {ACCESS}"
    assert request.headers["accept"] == "application/json"


def test_claims_from_both_prefer_the_id_token(op: FakeOP) -> None:
    op.id_claims = {"name": "from the ID token"}
    op.userinfo = {"sub": SUB, "name": "from userinfo", "cpr": "0101011234"}
    claims, _ = provider(op, claims_source="id_token+userinfo").finish("code-1", pending())
    assert claims["name"] == "from the ID token" and claims["cpr"] == "0101011234"
    assert claims["nonce"] == NONCE


def test_userinfo_needs_an_access_token(op: FakeOP) -> None:
    op.token_response = {"id_token": op.id_token(at_hash=None)}
    assert refusal(lambda: provider(op, claims_source="userinfo").finish("code-1", pending())) == (
        "token",
        "no access_token for the userinfo endpoint",
    )


def test_userinfo_signed_as_a_jwt(op: FakeOP) -> None:
    signed = op.sign({"sub": SUB, "cpr": "0101011234"})
    op.routes["/realm-X/userinfo"] = answers(
        200, content=signed, headers={"content-type": "application/jwt; charset=utf-8"}
    )
    assert provider(op).userinfo(ACCESS, SUB) == {"sub": SUB, "cpr": "0101011234"}


def test_userinfo_signed_by_another_key_is_refused(op: FakeOP) -> None:
    other = RSAKey.generate_key(2048, parameters={"kid": "op-1"})
    signed = op.sign({"sub": SUB}, key=other)
    op.routes["/realm-X/userinfo"] = answers(
        200, content=signed, headers={"content-type": "application/jwt"}
    )
    assert refusal(lambda: provider(op).userinfo(ACCESS, SUB)) == (
        "signature",
        "BadSignatureError: bad_signature: ",
    )


def test_userinfo_without_a_content_type_is_read_as_json(op: FakeOP) -> None:
    op.routes["/realm-X/userinfo"] = answers(200, content=json.dumps({"sub": SUB}).encode())
    assert provider(op).userinfo(ACCESS, SUB) == {"sub": SUB}


def test_userinfo_without_an_endpoint(op: FakeOP) -> None:
    del op.metadata["userinfo_endpoint"]
    assert refusal(lambda: provider(op).userinfo(ACCESS, SUB)) == (
        "unavailable",
        "discovery lacks userinfo_endpoint",
    )


@pytest.mark.parametrize(
    ("handler", "reason", "detail"),
    [
        (
            fails(httpx.ConnectError("connection refused")),
            "unavailable",
            "userinfo: connection refused",
        ),
        (answers(401, json={"error": "invalid_token"}), "token", "userinfo refused: 401"),
        (answers(200, text="<html>"), "token", "userinfo is not JSON"),
        (answers(200, json={"sub": "someone-else"}), "claims", "userinfo names another subject"),
        (answers(200, json={"name": "no sub"}), "claims", "userinfo names another subject"),
        (answers(200, json=[{"sub": SUB}]), "claims", "userinfo names another subject"),
    ],
    ids=["unreachable", "refused", "not JSON", "another subject", "no subject", "not an object"],
)
def test_userinfo_that_cannot_be_used(
    op: FakeOP, handler: Handler, reason: str, detail: str
) -> None:
    op.routes["/realm-X/userinfo"] = handler
    assert refusal(lambda: provider(op).userinfo(ACCESS, SUB)) == (reason, detail)


# logging out at the provider


def test_logout_at_the_provider_names_the_client_and_the_session(op: FakeOP) -> None:
    p = provider(op)
    assert p.logout_request("https://portal.example/logged-out", "sub-1") == (
        ISSUER + "/logout",
        {
            "post_logout_redirect_uri": "https://portal.example/logged-out",
            "client_id": CLIENT,
            "logout_hint": "sub-1",
        },
    )
    assert p.logout_request("https://portal.example/logged-out") == (
        ISSUER + "/logout",
        {"post_logout_redirect_uri": "https://portal.example/logged-out", "client_id": CLIENT},
    )


def test_no_logout_at_a_provider_without_it_or_out_of_reach(op: FakeOP) -> None:
    del op.metadata["end_session_endpoint"]
    assert provider(op).logout_request("https://portal.example/logged-out", "sub-1") is None
    op.routes["/realm-X/.well-known/openid-configuration"] = answers(503)
    assert provider(op).logout_request("https://portal.example/logged-out", "sub-1") is None


def test_the_providers_origin(op: FakeOP) -> None:
    assert provider(op).origin == "https://op.example"
