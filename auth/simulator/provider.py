"""One simulated OpenID provider (issuer), built on Authlib's server components.

`create_issuer_app` returns a Flask app for one issuer; the package's `create_app`
mounts two of them (`/mitid` for citizens, `/workforce` for caseworkers) in one process.
Everything is in memory: the simulator runs as one gunicorn worker with threads.

In test mode an admin endpoint makes the provider misbehave on purpose, so the relying
party's refusals can be tested over real HTTP (see `MISBEHAVIOURS`).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, InvalidRequestError, TokenMixin, grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode, UserInfo, UserInfoEndpoint
from authlib.oidc.core.models import AuthorizationCodeMixin
from authlib.oidc.rpinitiated import EndSessionEndpoint, EndSessionRequest
from flask import Blueprint, Flask, abort, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from joserfc.jwk import ECKey, JWKRegistry, KeyParameters, KeySet, RSAKey

from auth.claims import LEVELS, ClaimNames, Level
from auth.simulator.identities import Identity

MISBEHAVIOURS = {
    "wrong_key": "sign with a key the JWKS does not publish (new kid)",
    "wrong_key_same_kid": "sign with another key but the published kid",
    "alg_none": "an unsigned token, header alg: none",
    "wrong_issuer": "iss is another issuer",
    "wrong_audience": "aud is another client",
    "expired": "exp an hour ago",
    "replay_id_token": "send the previous ID token again (old nonce)",
    "no_loa": "leave out the assurance-level claim",
    "reuse_code": "let an authorization code be redeemed more than once",
    "no_role": "leave out the role claim (a workforce provider that lets anyone in)",
    "other_nonce": "a fresh, valid ID token (right at_hash) with the previous login's nonce",
}
SIGNING_ALGORITHMS = ("RS256", "PS256", "ES256")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CODE_LIFETIME = 120
TOKEN_LIFETIME = 600


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str] = field(default_factory=list)
    # The scope that releases the person number and level (empty: always released).
    claims_scope: str = ""
    auth_methods: tuple[str, ...] = ("client_secret_basic", "client_secret_post")
    public_keys: dict[str, Any] | None = None  # JWKS for private_key_jwt

    @property
    def client_metadata(self) -> dict[str, Any]:
        return {"post_logout_redirect_uris": self.post_logout_redirect_uris}

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        allowed = {"openid", "profile"} | ({self.claims_scope} if self.claims_scope else set())
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(self.client_secret, client_secret or "")

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in self.auth_methods

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass(frozen=True)
class User:
    identity: Identity
    level: Level

    def get_user_id(self) -> str:
        return self.identity.sub


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    user: User
    auth_time: int
    expires_at: float

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str:
        return ""

    def get_amr(self) -> list[str]:
        return []


@dataclass
class Token(TokenMixin):
    access_token: str
    client: Client
    user: User
    scope: str
    issued_at: float

    def check_client(self, client: ClientMixin) -> bool:
        return client.get_client_id() == self.client.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return TOKEN_LIFETIME

    def is_expired(self) -> bool:
        return time.time() > self.issued_at + TOKEN_LIFETIME

    def is_revoked(self) -> bool:
        return False

    def get_user(self) -> User:
        return self.user

    def get_client(self) -> Client:
        return self.client


def _new_key(alg: str = "RS256") -> RSAKey | ECKey:
    parameters: KeyParameters = {"kid": f"sim-{secrets.token_hex(6)}", "use": "sig", "alg": alg}
    if alg == "ES256":
        return ECKey.generate_key("P-256", parameters=parameters)
    return RSAKey.generate_key(2048, parameters=parameters)


@dataclass
class Issuer:
    """The state of one issuer: keys, clients, identities, codes, tokens, test switches."""

    name: str  # "mitid" or "workforce"
    issuer: str
    title: str
    identities: tuple[Identity, ...]
    clients: dict[str, Client]
    claims: ClaimNames
    role: str = ""  # the workforce issuer adds a role claim
    test_mode: bool = False
    algorithm: str = "RS256"
    # "id_token": every claim in the ID token; "userinfo": only `sub` there, the rest from
    # the userinfo endpoint (as some brokers do).
    claims_in: str = "id_token"
    keys: list[Any] = field(default_factory=list)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    used_nonces: set[tuple[str, str]] = field(default_factory=set)
    last_id_token: dict[str, str] = field(default_factory=dict)
    last_nonce: dict[str, str] = field(default_factory=dict)
    misbehaviour: str | None = None
    ended_sessions: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.algorithm not in SIGNING_ALGORITHMS:
            raise ValueError(f"SIMULATOR_ALGORITHM must be one of {SIGNING_ALGORITHMS}")
        if not self.keys:
            self.keys = [_new_key(self.algorithm)]

    @property
    def signing_key(self) -> Any:
        return self.keys[-1]

    def rotate_key(self) -> str:
        """A new signing key with a new kid; the JWKS keeps publishing the previous one."""
        with self.lock:
            self.keys = [*self.keys[-1:], _new_key(self.algorithm)]
        return str(self.signing_key.kid)

    def jwks(self) -> dict[str, Any]:
        return dict(KeySet(list(self.keys)).as_dict(private=False))

    def identity(self, key: str) -> Identity | None:
        return next((i for i in self.identities if i.key == key), None)

    def user_claims(self, user: User, scope: str = "") -> dict[str, Any]:
        identity = user.identity
        claims: dict[str, Any] = {"sub": identity.sub, self.claims.name: identity.name}
        # Like a broker: the person number and the level only under the scope that releases them.
        released = not self.claims.scope or self.claims.scope in scope.split()
        if identity.cpr and self.claims.cpr and released:
            claims[self.claims.cpr] = identity.cpr
        if self.misbehaviour != "no_loa" and released:
            claims[self.claims.loa] = self.claims.loa_value(user.level)
        if self.role and self.misbehaviour != "no_role":
            claims["role"] = self.role
        return claims

    def metadata(self) -> dict[str, Any]:
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks",
            "end_session_endpoint": f"{base}/end-session",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [self.algorithm],
            "scopes_supported": [
                "openid",
                "profile",
                *([self.claims.scope] if self.claims.scope else []),
            ],
            "token_endpoint_auth_methods_supported": sorted(
                {m for c in self.clients.values() for m in c.auth_methods}
            ),
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "PS256", "ES256"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": sorted(
                {"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce"}
                | {c for c in (self.claims.cpr, self.claims.name, self.claims.loa) if c}
                | ({"role"} if self.role else set())
            ),
        }


class StrictCodeChallenge(CodeChallenge):
    """PKCE for every client, confidential ones too, and only S256."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: missing 'code_challenge'")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE method must be S256")
        super().validate_code_challenge(grant, redirect_uri)


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]

    @property
    def issuer(self) -> Issuer:
        return self.server.issuer

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        with self.issuer.lock:
            if data.get("nonce"):
                self.issuer.used_nonces.add((request.client.client_id, data["nonce"]))
            self.issuer.codes[code] = AuthorizationCode(
                code=code,
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri or "",
                scope=request.payload.scope or "",
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                user=request.user,
                auth_time=int(time.time()),
                expires_at=time.time() + CODE_LIFETIME,
            )

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        # Taken out at the first attempt, so a code can never be redeemed twice, even
        # by two requests racing each other.
        with self.issuer.lock:
            if self.issuer.misbehaviour == "reuse_code":
                item = self.issuer.codes.get(code)
            else:
                item = self.issuer.codes.pop(code, None)
        if item and item.client_id == client.client_id and time.time() < item.expires_at:
            return item
        return None

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        pass  # already removed in query_authorization_code

    def authenticate_user(self, authorization_code: AuthorizationCode) -> User:
        return authorization_code.user


class SimOpenIDCode(OpenIDCode):
    def __init__(self, issuer: Issuer):
        super().__init__(require_nonce=True)
        self.issuer = issuer

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        # Checked when the login page is shown and again when it is posted; the nonce is
        # recorded only once a code is issued for it (save_authorization_code).
        return (request.payload.client_id, nonce) in self.issuer.used_nonces

    def get_authorization_code_claims(self, authorization_code: Any) -> dict[str, Any]:
        claims: dict[str, Any] = super().get_authorization_code_claims(authorization_code)
        client_id, nonce = authorization_code.client_id, claims.get("nonce")
        previous = self.issuer.last_nonce.get(client_id)
        if self.issuer.misbehaviour == "other_nonce" and previous:
            claims["nonce"] = previous
        elif nonce:
            self.issuer.last_nonce[client_id] = nonce
        return claims

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        now = int(time.time())
        mode = self.issuer.misbehaviour
        claims: dict[str, Any] = {
            "iss": self.issuer.issuer + "-evil" if mode == "wrong_issuer" else self.issuer.issuer,
            "aud": ["someone-else"] if mode == "wrong_audience" else [client.client_id],
            "iat": now,
            "exp": now + 300,
        }
        if mode == "expired":
            claims.update(iat=now - 7200, exp=now - 3600, auth_time=now - 7200)
        return claims

    def get_client_algorithm(self, client: Client) -> str:
        return self.issuer.algorithm

    def get_encode_header(self, client: Client) -> dict[str, Any]:
        return {"alg": self.issuer.algorithm, "kid": self._key(client).kid, "typ": "JWT"}

    def resolve_client_private_key(self, client: Client) -> Any:
        return self._key(client)

    def _key(self, client: Client) -> Any:
        mode = self.issuer.misbehaviour
        if mode == "wrong_key":
            return _new_key(self.issuer.algorithm)
        if mode == "wrong_key_same_kid":
            rogue = dict(_new_key(self.issuer.algorithm).as_dict(private=True))
            rogue["kid"] = str(self.issuer.signing_key.kid)
            return JWKRegistry.import_key(rogue)
        return self.issuer.signing_key

    def generate_user_info(self, user: User, scope: str) -> UserInfo:
        claims = self.issuer.user_claims(user, scope)
        if self.issuer.claims_in == "userinfo":
            claims = {"sub": claims["sub"]}
        return UserInfo(claims)

    def encode_id_token(self, token: dict[str, Any], request: Any) -> str:
        client_id = request.client.client_id
        mode = self.issuer.misbehaviour
        previous = self.issuer.last_id_token.get(client_id)
        if mode == "replay_id_token" and previous:
            return previous
        id_token = str(super().encode_id_token(token, request))
        if mode == "alg_none":
            # Joserfc warns about (rightly) and refuses "none"; build it by hand.
            header = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).rstrip(b"=")
            id_token = f"{header.decode()}.{id_token.split('.')[1]}."
        self.issuer.last_id_token[client_id] = id_token
        return id_token


class SimUserInfo(UserInfoEndpoint):
    def __init__(self, issuer: Issuer, resource_protector: ResourceProtector):
        super().__init__(resource_protector=resource_protector)
        self.issuer = issuer

    def get_issuer(self) -> str:
        return self.issuer.issuer

    def generate_user_info(self, user: User, scope: str) -> UserInfo:
        return UserInfo(self.issuer.user_claims(user, scope))


class SimEndSession(EndSessionEndpoint):
    def __init__(self, issuer: Issuer):
        super().__init__()
        self.issuer = issuer

    def get_server_jwks(self) -> dict[str, Any]:
        return self.issuer.jwks()

    def get_algorithms(self) -> list[str]:
        return [self.issuer.algorithm]

    def is_post_logout_redirect_uri_legitimate(
        self, request: Any, post_logout_redirect_uri: str, client: Any, logout_hint: str | None
    ) -> bool:
        # The portal names itself (client_id) and the session (logout_hint) instead of
        # sending the ID token; the URI is one the client registered (checked before).
        return client is not None and bool(logout_hint)

    def resolve_client_from_id_token_claims(self, id_token_claims: dict) -> Client | None:
        aud = id_token_claims.get("aud")
        if isinstance(aud, list) and len(aud) == 1:
            return self.issuer.clients.get(str(aud[0]))
        return self.issuer.clients.get(aud) if isinstance(aud, str) else None

    def end_session(self, end_session_request: EndSessionRequest) -> None:
        claims = end_session_request.id_token_claims or {}
        client = end_session_request.client
        with self.issuer.lock:
            self.issuer.ended_sessions.append(
                {
                    "sub": claims.get("sub") or end_session_request.logout_hint,
                    "client_id": claims.get("aud") or (client.client_id if client else None),
                    "with_id_token": bool(claims),
                    "query": request.query_string.decode(),
                    "at": time.time(),
                }
            )


class PrivateKeyJWTAuth(JWTBearerClientAssertion):
    """private_key_jwt (RFC 7523): the client signs an assertion with its registered key."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, issuer: Issuer):
        super().__init__()
        self.issuer = issuer
        self.seen: set[str] = set()

    def get_audiences(self) -> list[str]:
        return [f"{self.issuer.issuer}/token", self.issuer.issuer]

    def validate_jti(self, claims: Any, jti: str) -> bool:
        with self.issuer.lock:
            if jti in self.seen:
                return False
            self.seen.add(jti)
        return True

    def resolve_client_public_key(self, client: Client) -> Any:
        return KeySet.import_key_set(client.public_keys or {"keys": []})  # type: ignore[arg-type]


class _TokenValidator(BearerTokenValidator):
    def __init__(self, issuer: Issuer):
        super().__init__()
        self.issuer = issuer

    def authenticate_token(self, token_string: str) -> Token | None:
        return self.issuer.tokens.get(token_string)


def create_issuer_app(issuer: Issuer) -> Flask:
    app = Flask(
        f"simulator_{issuer.name}",
        root_path=__file__.rsplit("/", 1)[0],
        template_folder="templates",
        static_folder="static",
    )

    def query_client(client_id: str) -> Client | None:
        return issuer.clients.get(client_id)

    def save_token(token: dict[str, Any], req: Any) -> None:
        with issuer.lock:
            issuer.tokens[token["access_token"]] = Token(
                access_token=token["access_token"],
                client=req.client,
                user=req.user,
                scope=token.get("scope", ""),
                issued_at=time.time(),
            )

    app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": TOKEN_LIFETIME}
    server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
    server.issuer = issuer
    server.register_grant(CodeGrant, [SimOpenIDCode(issuer), StrictCodeChallenge(required=True)])
    server.register_client_auth_method("private_key_jwt", PrivateKeyJWTAuth(issuer))
    protector = ResourceProtector()
    protector.register_token_validator(_TokenValidator(issuer))
    server.register_endpoint(SimUserInfo(issuer, protector))
    server.register_endpoint(SimEndSession(issuer))

    bp = Blueprint("provider", __name__)

    @bp.get("/.well-known/openid-configuration")
    def discovery() -> ResponseReturnValue:
        return jsonify(issuer.metadata())

    @bp.get("/jwks")
    def jwks() -> ResponseReturnValue:
        return jsonify(issuer.jwks())

    @bp.route("/authorize", methods=["GET", "POST"])
    def authorize() -> ResponseReturnValue:
        try:
            grant = server.get_consent_grant(end_user=None)
        except OAuth2Error as error:
            if error.redirect_uri:
                return server.handle_error_response(None, error)
            return _error_page(issuer, error.description or error.error, 400)
        if request.method == "GET":
            return render_template(
                "simulator/login.html",
                issuer=issuer,
                levels=LEVELS,
                action=request.script_root + request.full_path,
                chosen=None,
                level="substantial",
                error=None,
            )
        if request.form.get("action") == "cancel":
            return server.create_authorization_response(grant_user=None, grant=grant)
        identity = issuer.identity(request.form.get("identity", ""))
        level = request.form.get("level", "")
        if identity is None or level not in LEVELS:
            return render_template(
                "simulator/login.html",
                issuer=issuer,
                levels=LEVELS,
                action=request.script_root + request.full_path,
                chosen=identity,
                level=level if level in LEVELS else "substantial",
                error="Vælg en testperson og et sikringsniveau.",
            ), 400
        user = User(identity=identity, level=level)
        return server.create_authorization_response(grant_user=user, grant=grant)

    @bp.post("/token")
    def token() -> ResponseReturnValue:
        response = server.create_token_response()
        response.headers["Cache-Control"] = "no-store"
        return response

    @bp.route("/userinfo", methods=["GET", "POST"])
    def userinfo() -> ResponseReturnValue:
        return server.create_endpoint_response("userinfo")

    @bp.route("/end-session", methods=["GET", "POST"])
    def end_session() -> ResponseReturnValue:
        try:
            end_request = server.validate_endpoint_request("end_session")
        except OAuth2Error as error:
            return _error_page(issuer, error.description or error.error, 400)
        confirmed = end_request.logout_hint and end_request.client is not None
        if end_request.needs_confirmation and not confirmed and request.method == "GET":
            return render_template(
                "simulator/confirm_logout.html",
                issuer=issuer,
                action=request.script_root + request.full_path,
            )
        response = server.create_endpoint_response("end_session", end_request)
        return response or render_template("simulator/logged_out.html", issuer=issuer)

    app.register_blueprint(bp)
    if issuer.test_mode:
        app.register_blueprint(_test_blueprint(issuer))

    @app.after_request
    def headers(response: Any) -> Any:
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action *; "
            "frame-ancestors 'none'; base-uri 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app


def _error_page(issuer: Issuer, message: str, status: int) -> ResponseReturnValue:
    return render_template("simulator/error.html", issuer=issuer, message=message), status


def _test_blueprint(issuer: Issuer) -> Blueprint:
    """Switches for tests; only mounted when SIMULATOR_TEST_MODE is on."""
    bp = Blueprint("test", __name__, url_prefix="/test")

    def _value(name: str) -> str:
        body = request.get_json(silent=True) or {}
        return str(body.get(name) or request.values.get(name) or "")

    @bp.post("/misbehave")
    def misbehave() -> ResponseReturnValue:
        mode = _value("mode")
        if mode not in MISBEHAVIOURS:
            abort(400, f"mode must be one of {sorted(MISBEHAVIOURS)}")
        issuer.misbehaviour = mode
        return jsonify({"misbehaviour": mode})

    @bp.post("/rotate-key")
    def rotate_key() -> ResponseReturnValue:
        return jsonify({"kid": issuer.rotate_key()})

    @bp.post("/reset")
    def reset() -> ResponseReturnValue:
        with issuer.lock:
            issuer.misbehaviour = None
            issuer.ended_sessions.clear()
        return jsonify({"misbehaviour": None})

    @bp.get("/state")
    def state() -> ResponseReturnValue:
        return jsonify(
            {
                "misbehaviour": issuer.misbehaviour,
                "kids": [k.kid for k in issuer.keys],
                "ended_sessions": issuer.ended_sessions,
                "codes": len(issuer.codes),
            }
        )

    return bp
