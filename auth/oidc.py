"""The portal as an OpenID Connect relying party (authorization code flow with PKCE).

Built from Authlib's protocol pieces (PKCE, the ID-token claim checks of
`authlib.oidc.core.CodeIDToken`) and joserfc for signatures, over the project's httpx,
rather than Authlib's Flask client: that client needs `requests` and keeps its metadata
and state in its own places, and here every check must end in its own clear refusal.

Every broker-specific choice is a setting (`Settings`, read by `settings_from_config`
from a broker preset plus overrides): scopes, claim names, where the claims are read
(ID token and/or userinfo), the required assurance level, the token-endpoint client
authentication (client_secret_basic, client_secret_post or private_key_jwt), the ID-token
algorithms (from the provider's metadata, asymmetric only) and extra authorize parameters.

Checked on every login: `state` (one use, bound to the browser, consumed atomically in
the shared store, see `auth.pending`), PKCE (S256), the provider's discovery document names
the configured issuer, the ID token is signed with an allowed algorithm by a key from the
provider's JWKS (an unknown `kid` refetches the JWKS once, so key rotation works), `iss`,
`aud`, `exp`/`iat`, `nonce` and `at_hash`; userinfo must name the ID token's `sub`.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import (
    ExpiredTokenError,
    InvalidClaimError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import ECKey, JWKRegistry, KeySet, RSAKey

from auth.claims import PRESETS, Level

METADATA_TTL = 3600
LEEWAY = 60
PENDING_TTL = 600
TOKEN_AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt")
# Asymmetric only: "none" and the HMAC algorithms (keyed with the client secret) never pass.
SIGNING_ALGORITHMS = ("RS256", "PS256", "ES256")
CLAIMS_SOURCES = ("id_token", "userinfo", "id_token+userinfo")


class LoginFailed(Exception):
    """A login that must not go through. `reason` picks the page the citizen sees."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class ConfigError(RuntimeError):
    """A login setting that cannot work; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    """Everything provider-specific about one login (citizen or caseworker)."""

    issuer: str
    client_id: str
    client_secret: str = ""
    scope: str = "openid profile"
    claims_source: str = "id_token"
    auth_method: str = "client_secret_basic"
    private_key_file: str = ""
    id_token_algorithms: tuple[str, ...] = ()  # empty: those the provider's metadata names
    authorize_params: tuple[tuple[str, str], ...] = ()
    required_loa: Level = "substantial"
    claim_cpr: str = ""
    claim_name: str = "name"
    claim_loa: str = "loa"
    claim_role: str = ""
    role_value: str = ""
    claim_id: str = "sub"


# Per broker: what to ask for and where the answer is. Claim names come from auth.claims.
BROKER_PRESETS: dict[str, dict[str, str]] = {
    # NemLog-in's OIDC interface (and brokers passing its attribute profile through).
    "nemlogin": {"scope": "openid profile nemlogin", "claims_source": "id_token"},
    # Signicat: CPR under the `nin` scope, some claims only from userinfo.
    "signicat": {
        "scope": "openid profile nin",
        "claims_source": "id_token+userinfo",
        "authorize_params": "acr_values=idp:mitid&ui_locales=da",
    },
    # Idura (Criipto): CPR under `ssn`, the level asked for and returned as `acr`.
    "idura": {
        "scope": "openid ssn",
        "claims_source": "id_token",
        "authorize_params": "acr_values=urn:grn:authn:dk:mitid:substantial&ui_locales=da",
    },
    # The MitID simulator in this repository (NemLog-in's claim names and scope).
    "simulator": {"scope": "openid profile nemlogin", "claims_source": "id_token"},
}
WORKFORCE_DEFAULTS: dict[str, str] = {
    "scope": "openid profile",
    "claims_source": "id_token",
    "claim_name": "name",
    "claim_loa": "loa",
    "claim_role": "role",
    "role_value": "caseworker",
    "claim_id": "sub",
}


def settings_from_config(config: Mapping[str, Any], prefix: str) -> Settings:
    """The settings under `prefix` ("OIDC" or "WORKFORCE"): preset, then each override.

    A setting that cannot work raises ConfigError naming it, so the portal does not start.
    """

    def get(name: str) -> str:
        value = config.get(f"{prefix}_{name}")
        return "" if value is None else str(value).strip()

    values: dict[str, str] = {}
    if prefix == "OIDC":
        preset = (get("PRESET") or get("CLAIM_PRESET")).lower() or "nemlogin"
        if preset not in BROKER_PRESETS and preset != "custom":
            raise ConfigError(
                f"OIDC_PRESET={preset!r} is not one of {', '.join(sorted(BROKER_PRESETS))}, custom"
            )
        names = PRESETS["nemlogin" if preset in ("custom", "simulator") else preset]
        values.update(BROKER_PRESETS.get(preset, BROKER_PRESETS["nemlogin"]))
        values.update(claim_cpr=names.cpr, claim_name=names.name, claim_loa=names.loa)
    else:
        values.update(WORKFORCE_DEFAULTS)
    overrides = {
        "scope": "SCOPE",
        "claims_source": "CLAIMS_SOURCE",
        "auth_method": "TOKEN_AUTH",
        "private_key_file": "PRIVATE_KEY_FILE",
        "id_token_algorithms": "ID_TOKEN_ALGORITHMS",
        "authorize_params": "AUTHORIZE_PARAMS",
        "required_loa": "REQUIRED_LOA",
        "claim_cpr": "CLAIM_CPR",
        "claim_name": "CLAIM_NAME",
        "claim_loa": "CLAIM_LOA",
        "claim_role": "CLAIM_ROLE",
        "role_value": "ROLE_VALUE",
        "claim_id": "CLAIM_ID",
    }
    for field_name, setting in overrides.items():
        if get(setting):
            values[field_name] = get(setting)

    def bad(setting: str, why: str) -> ConfigError:
        return ConfigError(f"{prefix}_{setting}: {why}")

    # Every broker preset and the workforce defaults name the scope and the claims source.
    scope = " ".join(values["scope"].split())
    if "openid" not in scope.split():
        raise bad("SCOPE", "must include openid")
    # "id_token+userinfo", "id_token, userinfo" and "id_token userinfo" all name both.
    source = "+".join(re.split(r"[\s,+]+", values["claims_source"].strip()))
    if source not in CLAIMS_SOURCES:
        raise bad("CLAIMS_SOURCE", f"must be one of {', '.join(CLAIMS_SOURCES)}")
    auth_method = values.get("auth_method", "client_secret_basic")
    if auth_method not in TOKEN_AUTH_METHODS:
        raise bad("TOKEN_AUTH", f"must be one of {', '.join(TOKEN_AUTH_METHODS)}")
    key_file = values.get("private_key_file", "")
    if auth_method == "private_key_jwt" and not key_file:
        raise bad("PRIVATE_KEY_FILE", "private_key_jwt needs a private key file")
    algorithms = tuple(a for a in values.get("id_token_algorithms", "").replace(",", " ").split())
    if any(a not in SIGNING_ALGORITHMS for a in algorithms):
        raise bad("ID_TOKEN_ALGORITHMS", f"only {', '.join(SIGNING_ALGORITHMS)}")
    level = values.get("required_loa", "").lower() or "substantial"
    if level not in ("substantial", "high"):
        raise bad("REQUIRED_LOA", "must be substantial or high (NSIS)")
    return Settings(
        issuer=get("ISSUER"),
        client_id=get("CLIENT_ID"),
        client_secret=get("CLIENT_SECRET"),
        scope=scope,
        claims_source=source,
        auth_method=auth_method,
        private_key_file=key_file,
        id_token_algorithms=algorithms,
        # Without the setting, no parameters: "", "XXXX", None or no default all parse to none.
        authorize_params=tuple(parse_qsl(values.get("authorize_params", ""))),  # equivalent: above
        required_loa=level,  # type: ignore[arg-type]
        claim_cpr=values.get("claim_cpr", ""),
        claim_name=values["claim_name"],
        claim_loa=values["claim_loa"],
        claim_role=values.get("claim_role", ""),
        role_value=values.get("role_value", ""),
        claim_id=values.get("claim_id", "sub"),
    )


def load_private_key(path: str) -> RSAKey | ECKey:
    """The client's signing key for private_key_jwt: a PEM file or a JWK (JSON) file."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"private key file {path}: {exc.strerror}") from exc
    try:
        if data.lstrip().startswith(b"{"):
            parsed = json.loads(data)
            key = JWKRegistry.import_key(parsed)
        else:
            try:
                key = RSAKey.import_key(data)
            except (ValueError, TypeError, JoseError):
                key = ECKey.import_key(data)
    except (ValueError, TypeError, JoseError) as exc:
        raise ConfigError(f"private key file {path}: not an RSA or EC private key") from exc
    if not isinstance(key, RSAKey | ECKey) or not key.is_private:
        raise ConfigError(f"private key file {path}: not an RSA or EC private key")
    if not key.kid:
        key.ensure_kid()
    return key


def key_algorithm(key: RSAKey | ECKey) -> str:
    if isinstance(key, ECKey):
        return {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}[key.curve_name]
    return str(key.get("alg") or "RS256")


@dataclass
class Pending:
    """What the portal remembers between sending the browser away and its return."""

    provider: str
    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    next_url: str
    created: float

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Provider:
    name: str
    settings: Settings
    http: httpx.Client
    _metadata: dict[str, Any] | None = None
    _metadata_at: float = 0.0
    _keys: KeySet | None = None
    _private_key: RSAKey | ECKey | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.settings.auth_method == "private_key_jwt":
            self._private_key = load_private_key(self.settings.private_key_file)

    @property
    def issuer(self) -> str:
        return self.settings.issuer

    @property
    def client_id(self) -> str:
        return self.settings.client_id

    @property
    def private_key(self) -> RSAKey | ECKey | None:
        return self._private_key

    # -- discovery and keys ---------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            if self._metadata and time.monotonic() - self._metadata_at < METADATA_TTL:
                return self._metadata
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        data = self._get_json(url)
        if data.get("issuer") != self.issuer:
            # OpenID Connect Discovery §4.3: the document must name the issuer we asked.
            raise LoginFailed("unavailable", f"discovery names issuer {data.get('issuer')!r}")
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(data.get(key), str):
                raise LoginFailed("unavailable", f"discovery lacks {key}")
        with self._lock:
            self._metadata, self._metadata_at = data, time.monotonic()
        return data

    def keys(self, refresh: bool = False) -> KeySet:
        with self._lock:
            if self._keys is not None and not refresh:
                return self._keys
        data = self._get_json(self.metadata()["jwks_uri"])
        try:
            keys = KeySet.import_key_set(data)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise LoginFailed("unavailable", f"unreadable JWKS: {exc}") from exc
        with self._lock:
            self._keys = keys
        return keys

    def algorithms(self) -> list[str]:
        """The ID-token algorithms accepted: configured, else the provider's, never weak ones."""
        if self.settings.id_token_algorithms:
            return list(self.settings.id_token_algorithms)
        offered = self.metadata().get("id_token_signing_alg_values_supported") or ["RS256"]
        allowed = [a for a in offered if a in SIGNING_ALGORITHMS]
        if not allowed:
            raise LoginFailed("unavailable", f"no supported ID-token algorithm in {offered}")
        return allowed

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = self.http.get(url)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise LoginFailed("unavailable", f"{url}: {exc}") from exc
        if not isinstance(data, dict):
            raise LoginFailed("unavailable", f"{url}: not a JSON object")
        return data

    # -- the flow ---------------------------------------------------------------------

    def start(self, redirect_uri: str, next_url: str) -> tuple[str, Pending]:
        pending = Pending(
            provider=self.name,
            # 32 random bytes each (the default), as base64url: 43 characters.
            state=secrets.token_urlsafe(),
            nonce=secrets.token_urlsafe(),
            code_verifier=secrets.token_urlsafe(64),
            redirect_uri=redirect_uri,
            next_url=next_url,
            created=time.time(),
        )
        params = {
            **dict(self.settings.authorize_params),
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": self.settings.scope,
            "state": pending.state,
            "nonce": pending.nonce,
            "code_challenge": create_s256_code_challenge(pending.code_verifier),
            "code_challenge_method": "S256",
        }
        url = add_params_to_uri(self.metadata()["authorization_endpoint"], params)
        return url, pending

    def client_auth(self, endpoint: str) -> tuple[dict[str, str], tuple[str, str] | None]:
        """The form fields and basic-auth pair that authenticate this client at `endpoint`."""
        method = self.settings.auth_method
        if method == "client_secret_post":
            return {"client_id": self.client_id, "client_secret": self.settings.client_secret}, None
        if method == "private_key_jwt":
            assert self._private_key is not None
            now = int(time.time())
            claims = {
                "iss": self.client_id,
                "sub": self.client_id,
                "aud": endpoint,
                "jti": secrets.token_urlsafe(24),
                "iat": now,
                "exp": now + 60,
            }
            alg = key_algorithm(self._private_key)
            header = {"alg": alg, "kid": self._private_key.kid, "typ": "JWT"}
            assertion = jwt.encode(header, claims, self._private_key, algorithms=[alg])
            return {
                "client_id": self.client_id,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion,
            }, None
        return {}, (self.client_id, self.settings.client_secret)

    def finish(self, code: str, pending: Pending) -> tuple[dict[str, Any], str]:
        """Redeem the code; return the validated claims (per the claims source) and the ID token."""
        endpoint = self.metadata()["token_endpoint"]
        fields, basic = self.client_auth(endpoint)
        try:
            response = self.http.post(
                endpoint,
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": pending.redirect_uri,
                    "code_verifier": pending.code_verifier,
                    **fields,
                },
                # "basic if basic or True": auth=None, and the shared client has no auth either.
                auth=basic if basic else httpx.USE_CLIENT_DEFAULT,  # equivalent: above
                headers={"Accept": "application/json"},  # equivalent: the name in another case
            )
        except httpx.HTTPError as exc:
            raise LoginFailed("unavailable", f"token endpoint: {exc}") from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or not isinstance(body, dict):
            error = body.get("error", response.status_code) if isinstance(body, dict) else ""
            raise LoginFailed("token", f"token endpoint refused: {error}")
        id_token = body.get("id_token")
        if not isinstance(id_token, str):
            raise LoginFailed("token", "no id_token in the token response")
        access_token = body.get("access_token")
        claims = self.validate_id_token(id_token, pending.nonce, access_token)
        source = self.settings.claims_source
        if source != "id_token":
            if not isinstance(access_token, str):
                raise LoginFailed("token", "no access_token for the userinfo endpoint")
            info = self.userinfo(access_token, str(claims["sub"]))
            if source == "userinfo":
                registered = {
                    "iss",
                    "sub",  # equivalent: dropped, userinfo's "sub" (checked the same) is added
                    "aud",
                    "exp",
                    "iat",
                    "nonce",
                    "at_hash",
                    "auth_time",
                }
                claims = {k: v for k, v in claims.items() if k in registered} | info
            else:
                claims = info | claims
        return claims, id_token

    def userinfo(self, access_token: str, sub: str) -> dict[str, Any]:
        endpoint = self.metadata().get("userinfo_endpoint")
        if not isinstance(endpoint, str):
            raise LoginFailed("unavailable", "discovery lacks userinfo_endpoint")
        try:
            response = self.http.get(
                endpoint,
                headers={
                    # Header names are case-insensitive (in another case, the same header):
                    # not mutated.
                    "Authorization": f"Bearer {access_token}",  # pragma: no mutate
                    "Accept": "application/json",  # equivalent: the name in another case
                },
            )
        except httpx.HTTPError as exc:
            raise LoginFailed("unavailable", f"userinfo: {exc}") from exc
        if response.status_code != 200:
            raise LoginFailed("token", f"userinfo refused: {response.status_code}")
        # The header's name in another case is the same header, and a default other than ""
        # ("XXXX") is no JWT type either.
        content_type = response.headers.get("content-type", "")  # equivalent: above
        if content_type.startswith("application/jwt"):
            info: Any = self._verify_signature(response.text).claims
        else:
            try:
                info = response.json()
            except ValueError as exc:
                raise LoginFailed("token", "userinfo is not JSON") from exc
        if not isinstance(info, dict) or info.get("sub") != sub:
            # OpenID Connect Core §5.3.2: userinfo for another subject must not be used.
            raise LoginFailed("claims", "userinfo names another subject")
        return dict(info)

    def validate_id_token(
        self, id_token: str, nonce: str, access_token: str | None = None
    ) -> dict[str, Any]:
        token = self._verify_signature(id_token)
        claims = CodeIDToken(
            token.claims,
            token.header,
            options={
                "iss": {"essential": True, "value": self.issuer},
                "aud": {"essential": True, "value": self.client_id},
                "nonce": {"essential": True},
            },
            params={"nonce": nonce, "client_id": self.client_id, "access_token": access_token},
        )
        try:
            claims.validate(leeway=LEEWAY)
        except ExpiredTokenError as exc:
            raise LoginFailed("expired", str(exc)) from exc
        except (InvalidClaimError, MissingClaimError) as exc:
            reason = {"iss": "issuer", "aud": "audience", "nonce": "nonce"}.get(exc.claim, "claims")
            raise LoginFailed(reason, str(exc)) from exc
        except JoseError as exc:
            # Kept for a library version that raises another error: today every check of
            # the claims (joserfc's registry, Authlib's IDToken) raises one of the above, so
            # no token reaches this line: not mutated.
            raise LoginFailed("claims", str(exc)) from exc  # pragma: no mutate
        # An iat that is not a number or lies in the future (beyond the leeway) is refused by
        # joserfc's claims registry above.
        return dict(claims)

    def _verify_signature(self, id_token: str) -> Any:
        algorithms = self.algorithms()

        def decode(keys: KeySet) -> Any:
            return jwt.decode(id_token, keys, algorithms=algorithms)

        try:
            try:
                return decode(self.keys())
            except InvalidKeyIdError:
                # The provider may have rotated its key since we fetched the JWKS: look once more.
                return decode(self.keys(refresh=True))
        except JoseError as exc:
            raise LoginFailed("signature", f"{type(exc).__name__}: {exc}") from exc
        except (ValueError, TypeError) as exc:
            raise LoginFailed("signature", f"malformed ID token: {exc}") from exc

    def logout_request(
        self, post_logout_redirect_uri: str, logout_hint: str = ""
    ) -> tuple[str, dict[str, str]] | None:
        """RP-initiated logout at the provider (endpoint and fields), or None when it has none.

        Never the ID token (it carries the person number) in a URL: `client_id` identifies
        the portal, and `logout_hint` (the provider's `sub`) the session to end.
        """
        try:
            endpoint = self.metadata().get("end_session_endpoint")
        except LoginFailed:
            return None
        if not isinstance(endpoint, str):
            return None
        params = {"post_logout_redirect_uri": post_logout_redirect_uri, "client_id": self.client_id}
        if logout_hint:
            params["logout_hint"] = logout_hint
        return endpoint, params

    @property
    def origin(self) -> str:
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}"
