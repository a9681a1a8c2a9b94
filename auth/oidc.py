"""The portal as an OpenID Connect relying party (authorization code flow with PKCE).

Built from Authlib's protocol pieces (PKCE, the ID-token claim checks of
`authlib.oidc.core.CodeIDToken`) and joserfc for the signature, over the project's httpx,
rather than Authlib's Flask client: that client needs `requests` and keeps its metadata
and state in its own places, and here every check must end in its own clear refusal.

Checked on every login: `state` (one use, bound to the browser session), PKCE (S256),
the provider's discovery document names the configured issuer, the ID token is RS256
and signed by a key from the provider's JWKS (an unknown `kid` refetches the JWKS once,
so key rotation works), `iss`, `aud`, `exp`/`iat`, `nonce` (one use) and `at_hash`.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

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
from joserfc.jwk import KeySet

METADATA_TTL = 3600
LEEWAY = 60
PENDING_TTL = 600


class LoginFailed(Exception):
    """A login that must not go through. `reason` picks the page the citizen sees."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


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
    issuer: str
    client_id: str
    client_secret: str
    http: httpx.Client
    scope: str = "openid profile"
    _metadata: dict[str, Any] | None = None
    _metadata_at: float = 0.0
    _keys: KeySet | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

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
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(64),
            redirect_uri=redirect_uri,
            next_url=next_url,
            created=time.time(),
        )
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": self.scope,
            "state": pending.state,
            "nonce": pending.nonce,
            "code_challenge": create_s256_code_challenge(pending.code_verifier),
            "code_challenge_method": "S256",
        }
        url = add_params_to_uri(self.metadata()["authorization_endpoint"], params)
        return url, pending

    def finish(self, code: str, pending: Pending) -> tuple[dict[str, Any], str]:
        """Redeem the code; return the validated ID-token claims and the raw ID token."""
        try:
            response = self.http.post(
                self.metadata()["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": pending.redirect_uri,
                    "code_verifier": pending.code_verifier,
                },
                auth=(self.client_id, self.client_secret),
                headers={"Accept": "application/json"},
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
        claims = self.validate_id_token(id_token, pending.nonce, body.get("access_token"))
        return claims, id_token

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
            claim = getattr(exc, "claim", "") or ""
            reason = {"iss": "issuer", "aud": "audience", "nonce": "nonce"}.get(claim, "claims")
            raise LoginFailed(reason, str(exc)) from exc
        except JoseError as exc:
            raise LoginFailed("claims", str(exc)) from exc
        iat = claims.get("iat")
        if not isinstance(iat, int | float) or iat > time.time() + LEEWAY:
            raise LoginFailed("claims", "iat is missing or in the future")
        return dict(claims)

    def _verify_signature(self, id_token: str) -> Any:
        def decode(keys: KeySet) -> Any:
            return jwt.decode(id_token, keys, algorithms=["RS256"])

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

    def logout_url(self, id_token_hint: str | None, post_logout_redirect_uri: str) -> str | None:
        """RP-initiated logout at the provider, or None when it offers none."""
        try:
            endpoint = self.metadata().get("end_session_endpoint")
        except LoginFailed:
            return None
        if not isinstance(endpoint, str):
            return None
        params = {"post_logout_redirect_uri": post_logout_redirect_uri, "client_id": self.client_id}
        if id_token_hint:
            params["id_token_hint"] = id_token_hint
        return add_params_to_uri(endpoint, params)

    @property
    def origin(self) -> str:
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}"
