"""Configuration classes. Every setting can come from the environment; defaults are safe."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


class Config:
    ENV_NAME = "base"
    SECRET_KEY = _env("PORTAL_SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = _env("PORTAL_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'portal.db'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    if SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
        # Demo processes (portal, outbox, notice workers) share one file: wait for a lock.
        SQLALCHEMY_ENGINE_OPTIONS["connect_args"] = {"timeout": 30}

    # Server-side sessions (Flask-Session): files shared by the workers on one machine for the
    # demo and development, Redis in production (any number of workers and machines).
    SESSION_TYPE = _env("PORTAL_SESSION_TYPE", "cachelib")
    SESSION_DIR = _env("PORTAL_SESSION_DIR", str(ROOT / "var" / "sessions"))
    SESSION_REDIS_URL = _env("PORTAL_REDIS_URL", "")
    SESSION_PERMANENT = True
    SESSION_COOKIE_NAME = "mo_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    SESSION_IDLE_TIMEOUT = _env_int("PORTAL_SESSION_IDLE_TIMEOUT", 15 * 60)
    SESSION_WARNING_BEFORE = _env_int("PORTAL_SESSION_WARNING_BEFORE", 2 * 60)
    # The store and the cookie are written when the session changes, not on every page: the
    # idle clock (last_seen) is rewritten at most every few seconds (auth/guards.py
    # TOUCH_EVERY), and that write renews both. They outlive the idle end by a minute, so the
    # page's own logout at the idle end (static/js/app.js) still finds its session and can
    # say why; the idle end itself is enforced from last_seen, not by their lifetime.
    SESSION_REFRESH_EACH_REQUEST = False
    PERMANENT_SESSION_LIFETIME = SESSION_IDLE_TIMEOUT + 60
    # However active: after this the citizen logs in again (keep-alive cannot extend it).
    SESSION_ABSOLUTE_LIFETIME = _env_int("PORTAL_SESSION_ABSOLUTE_LIFETIME", 8 * 60 * 60)

    WTF_CSRF_TIME_LIMIT: int | None = None  # bound to the session instead
    MAX_CONTENT_LENGTH = 64 * 1024
    # Files citizens send (portal/uploads.py): the largest file; a form with a file may be
    # up to PORTAL_UPLOAD_REQUEST_MAX_BYTES, so a file somewhat too large is still refused
    # on the form in words. The virus scanner is clamd ("host:port" or a socket path).
    PORTAL_UPLOAD_MAX_BYTES = _env_int("PORTAL_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
    PORTAL_UPLOAD_REQUEST_MAX_BYTES = _env_int("PORTAL_UPLOAD_REQUEST_MAX_BYTES", 32 * 1024 * 1024)
    PORTAL_CLAMD_ADDRESS = _env("PORTAL_CLAMD_ADDRESS", "")
    PORTAL_CLAMD_TIMEOUT = float(_env("PORTAL_CLAMD_TIMEOUT", "10"))

    BABEL_DEFAULT_LOCALE = "da"
    BABEL_DEFAULT_TIMEZONE = "Europe/Copenhagen"
    LANGUAGES = ("da", "en")
    LANGUAGE_COOKIE = "mo_lang"

    PLANAPI_URL = _env("PLANAPI_URL", "http://127.0.0.1:5001")
    PLANAPI_SERVICE_TOKEN = _env("PLANAPI_SERVICE_TOKEN", "")
    PLANAPI_TIMEOUT = float(_env("PLANAPI_TIMEOUT", "2.0"))
    PLANAPI_READ_RETRIES = _env_int("PLANAPI_READ_RETRIES", 1)
    # Composite answers held per process for a repeat read (portal/clients/overview.py); 0: none.
    PLANAPI_HELD_ANSWERS = _env_int("PLANAPI_HELD_ANSWERS", 256)

    # The portal's own address as citizens reach it (https://mitoverblik.kommune.dk):
    # absolute links (OIDC redirect, calendar feed) and the trusted hosts come from it,
    # never from the request's Host header. Required in production.
    PUBLIC_BASE_URL = _env("PORTAL_PUBLIC_BASE_URL", "").rstrip("/")
    # Extra host names the portal answers to besides PUBLIC_BASE_URL's (comma-separated).
    EXTRA_TRUSTED_HOSTS = _env("PORTAL_TRUSTED_HOSTS", "")
    # Reverse proxies in front of the portal that set X-Forwarded-For/-Proto (ProxyFix);
    # 0: the client address is the connecting one.
    PROXY_HOPS = _env_int("PORTAL_PROXY_HOPS", 0)
    # Demonstration only: the production profile against the MitID simulator (a banner
    # on every page says so). See portal/production.py.
    DEMO_USES_SIMULATOR = _env("DEMO_USES_SIMULATOR", "0") == "1"

    # Login: see README "Connecting to your MitID broker" and auth/oidc.py. Every OIDC_*
    # setting below has a WORKFORCE_* twin for the caseworker login.
    OIDC_ISSUER = _env("OIDC_ISSUER", "http://127.0.0.1:5002/mitid")
    OIDC_CLIENT_ID = _env("OIDC_CLIENT_ID", "mit-overblik")
    OIDC_CLIENT_SECRET = _env("OIDC_CLIENT_SECRET", "")
    OIDC_PRESET = _env("OIDC_PRESET", _env("OIDC_CLAIM_PRESET", "nemlogin"))
    WORKFORCE_ISSUER = _env("WORKFORCE_ISSUER", "http://127.0.0.1:5002/workforce")
    WORKFORCE_CLIENT_ID = _env("WORKFORCE_CLIENT_ID", "mit-overblik-medarbejder")
    WORKFORCE_CLIENT_SECRET = _env("WORKFORCE_CLIENT_SECRET", "")

    RATELIMIT_STORAGE_URI = _env("PORTAL_RATELIMIT_STORAGE_URI", "memory://")
    # Portals sharing one Redis (two municipalities, or test stacks) keep their counters apart.
    RATELIMIT_KEY_PREFIX = _env("PORTAL_RATELIMIT_KEY_PREFIX", "")
    RATELIMIT_HEADERS_ENABLED = True
    # A moving window: no burst of twice the limit around the turn of a minute.
    RATELIMIT_STRATEGY = _env("PORTAL_RATELIMIT_STRATEGY", "moving-window")
    RATELIMIT_SUBMISSIONS = _env("PORTAL_RATELIMIT_SUBMISSIONS", "30 per minute")
    RATELIMIT_LOGIN = _env("PORTAL_RATELIMIT_LOGIN", "20 per minute")

    # The responsible authority, named in the header, footer, privacy notice and
    # accessibility statement. The demo's municipality (the plan data says "Nordby Kommune");
    # a municipality sets its own (README, "What a municipality changes").
    AUTHORITY_NAME = _env("PORTAL_AUTHORITY_NAME", "Nordby Kommune")
    AUTHORITY_PHONE = _env("PORTAL_AUTHORITY_PHONE", "70 10 20 30")
    AUTHORITY_EMAIL = _env("PORTAL_AUTHORITY_EMAIL", "hoi@nordby.example")
    AUTHORITY_ADDRESS = _env("PORTAL_AUTHORITY_ADDRESS", "Rådhuset, Torvet 1, 8900 Nordby")
    AUTHORITY_DPO_EMAIL = _env("PORTAL_AUTHORITY_DPO_EMAIL", "databeskyttelse@nordby.example")
    # The accessibility statement: when it was made and last reviewed (ISO dates).
    ACCESSIBILITY_STATEMENT_DATE = _env("PORTAL_ACCESSIBILITY_STATEMENT_DATE", "2026-11-30")
    ACCESSIBILITY_REVIEWED_DATE = _env("PORTAL_ACCESSIBILITY_REVIEWED_DATE", "2026-11-30")
    HSTS = False
    TESTING = False
    # HTML compressed by the app (portal/compression.py: BREACH kept out by a CSRF token
    # masked per response and no compression of responses that reflect request input).
    COMPRESS_HTML = _env("PORTAL_COMPRESS_HTML", "1") == "1"
    # Hashed, precompressed static files (`flask --app portal static build`); empty: Flask
    # serves static/ as it is, which is what development wants.
    STATIC_BUILD_DIR = _env("PORTAL_STATIC_BUILD_DIR", "")


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SECRET_KEY = _env("PORTAL_SECRET_KEY", "dev-only-secret-change-me")
    PLANAPI_SERVICE_TOKEN = _env("PLANAPI_SERVICE_TOKEN", "dev-planapi-token")
    OIDC_CLIENT_SECRET = _env("OIDC_CLIENT_SECRET", "dev-oidc-secret")
    WORKFORCE_CLIENT_SECRET = _env("WORKFORCE_CLIENT_SECRET", "dev-workforce-secret")
    # The demo runs on plain http://127.0.0.1; a Secure cookie would never come back.
    SESSION_COOKIE_SECURE = _env("PORTAL_COOKIE_SECURE", "0") == "1"


class TestConfig(DevelopmentConfig):
    ENV_NAME = "test"
    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    # In unit tests a forgotten fake of the plan API must fail loudly, never reach a network.
    PLANAPI_URL = "http://planapi.invalid"
    RATELIMIT_ENABLED = False
    SESSION_DIR = ""  # in memory


class ProductionConfig(Config):
    ENV_NAME = "production"
    HSTS = True
    SESSION_TYPE = _env("PORTAL_SESSION_TYPE", "redis")
    # Secure unless told otherwise: only for running the production profile on plain
    # http://127.0.0.1 (scripts/prod.sh), where no TLS proxy sits in front.
    SESSION_COOKIE_SECURE = _env("PORTAL_COOKIE_SECURE", "1") == "1"
    STATIC_BUILD_DIR = _env("PORTAL_STATIC_BUILD_DIR", str(ROOT / "var" / "static"))


# The per-broker login settings (auth/oidc.py `settings_from_config`), for both logins;
# empty means the preset's choice.
LOGIN_SETTINGS = (
    "SCOPE",
    "CLAIMS_SOURCE",
    "TOKEN_AUTH",
    "PRIVATE_KEY_FILE",
    "ID_TOKEN_ALGORITHMS",
    "AUTHORIZE_PARAMS",
    "REQUIRED_LOA",
    "CLAIM_CPR",
    "CLAIM_NAME",
    "CLAIM_LOA",
    "CLAIM_ROLE",
    "ROLE_VALUE",
    "CLAIM_ID",
)


def login_env() -> dict[str, str]:
    return {
        f"{prefix}_{name}": os.environ[f"{prefix}_{name}"]
        for prefix in ("OIDC", "WORKFORCE")
        for name in LOGIN_SETTINGS
        if os.environ.get(f"{prefix}_{name}")
    }


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def load(name: str | None = None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the settings of the named config (env PORTAL_ENV, default development)."""
    cls = CONFIGS[name or _env("PORTAL_ENV", "development")]
    settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
    settings.update(login_env())
    settings.update(overrides or {})
    if not settings["SECRET_KEY"]:
        raise RuntimeError("refusing to start in production: PORTAL_SECRET_KEY must be set")
    if settings["PUBLIC_BASE_URL"]:
        hosts = [urlsplit(settings["PUBLIC_BASE_URL"]).hostname or ""]
        hosts += [h.strip() for h in str(settings["EXTRA_TRUSTED_HOSTS"]).split(",") if h.strip()]
        settings.setdefault("TRUSTED_HOSTS", hosts)
    return settings
