"""The production profile refuses to start in a state that would expose citizens' data.

Each check ends the start with one line naming the setting to change. Running the
production profile against the MitID simulator (scripts/prod.sh, a demonstration) is
allowed only when DEMO_USES_SIMULATOR=1 says so; every page then shows a banner.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

# Secrets published in this repository (README, scripts, tests): never good in production.
DEMO_SECRETS = frozenset(
    {
        "dev-only-secret-change-me",
        "demo-secret-not-for-production",
        "test-production-secret",
        "dev-oidc-secret",
        "dev-workforce-secret",
        "test-oidc-secret",
        "test-workforce-secret",
        "dev-planapi-token",
        "change-me",
        "secret",
    }
)
SIMULATOR_ISSUERS = ("http://127.0.0.1:5002/mitid", "http://127.0.0.1:5002/workforce")


class UnsafeProduction(RuntimeError):
    """The one line that says which setting keeps production from starting."""


def uses_simulator(config: Mapping[str, Any]) -> bool:
    return str(config.get("DEMO_USES_SIMULATOR") or "") in ("1", "true", "True")


def on_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host in ("localhost", "") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def problems(config: Mapping[str, Any], debug: bool = False) -> list[str]:
    """Every reason the config is unsafe for production, each naming its setting."""
    found: list[str] = []
    secret = str(config.get("SECRET_KEY") or "")
    if not secret:
        found.append("PORTAL_SECRET_KEY must be set in production")
    elif secret in DEMO_SECRETS or len(secret) < 32:
        found.append("PORTAL_SECRET_KEY is a demo value or shorter than 32 characters")
    if debug or config.get("DEBUG"):
        found.append("FLASK_DEBUG is on: the debugger runs code for anyone who can reach it")
    simulator = uses_simulator(config)
    for prefix in ("OIDC", "WORKFORCE"):
        issuer = str(config.get(f"{prefix}_ISSUER") or "")
        if not simulator and (issuer in SIMULATOR_ISSUERS or on_loopback(issuer)):
            found.append(
                f"{prefix}_ISSUER is the MitID simulator or on loopback ({issuer}); "
                "set your broker's issuer (or DEMO_USES_SIMULATOR=1 for a demonstration)"
            )
        auth_method = str(config.get(f"{prefix}_TOKEN_AUTH") or "client_secret_basic")
        client_secret = str(config.get(f"{prefix}_CLIENT_SECRET") or "")
        if auth_method != "private_key_jwt" and (
            client_secret in DEMO_SECRETS or (not client_secret and not simulator)
        ):
            found.append(f"{prefix}_CLIENT_SECRET is missing or a published demo secret")
    if str(config.get("PLANAPI_SERVICE_TOKEN") or "") in DEMO_SECRETS | {""}:
        found.append("PLANAPI_SERVICE_TOKEN is missing or the published demo token")
    if str(config.get("RATELIMIT_STORAGE_URI") or "memory://").startswith("memory://"):
        found.append(
            "PORTAL_RATELIMIT_STORAGE_URI is memory://: each worker would count alone "
            "(use the Redis URL)"
        )
    session_type = str(config.get("SESSION_TYPE") or "")
    if session_type == "cachelib" and not config.get("SESSION_DIR"):
        found.append("PORTAL_SESSION_TYPE keeps sessions in process memory (use redis)")
    if session_type == "redis" and not config.get("SESSION_REDIS_URL"):
        found.append("PORTAL_REDIS_URL must be set for PORTAL_SESSION_TYPE=redis")
    if not config.get("PUBLIC_BASE_URL"):
        found.append(
            "PORTAL_PUBLIC_BASE_URL must be set (e.g. https://mitoverblik.kommune.dk): "
            "absolute links and trusted hosts come from it, never from the Host header"
        )
    return found


def refuse_unsafe(config: Mapping[str, Any], debug: bool = False) -> None:
    found = problems(config, debug)
    if found:
        raise UnsafeProduction(f"refusing to start in production: {found[0]}")
