"""Settings from the environment, with safe defaults; `create_app(config)` overrides them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEV_SERVICE_TOKEN = "dev-planapi-token"  # noqa: S105 - the documented demo default


def from_env() -> dict[str, Any]:
    default_db = f"sqlite:///{ROOT / 'var' / 'planapi.db'}"
    return {
        "SQLALCHEMY_DATABASE_URI": os.environ.get("PLANAPI_DATABASE_URL") or default_db,
        "PLANAPI_SERVICE_TOKEN": os.environ.get("PLANAPI_SERVICE_TOKEN") or DEV_SERVICE_TOKEN,
        "PLANAPI_ENV": os.environ.get("PLANAPI_ENV")
        or os.environ.get("PORTAL_ENV")
        or "development",
        # Fixes the server's "today" (YYYY-MM-DD): demo screenshots and tests of age limits.
        "PLANAPI_TODAY": os.environ.get("PLANAPI_TODAY") or None,
        "MAX_CONTENT_LENGTH": 64 * 1024,
        # The largest document the plan API keeps (uploads and letters), in bytes.
        "PLANAPI_DOCUMENT_MAX_BYTES": int(
            os.environ.get("PLANAPI_DOCUMENT_MAX_BYTES") or 10 * 1024 * 1024
        ),
        "JSON_SORT_KEYS": False,
        # Not pool_pre_ping (a round trip before every use): storage.ping_when_idle.
        "SQLALCHEMY_ENGINE_OPTIONS": {},
    }


def refuse_unsafe(config: dict[str, Any]) -> None:
    """In production the service token must be a real secret: the demo one is published."""
    if config.get("PLANAPI_ENV") != "production":
        return
    token = str(config.get("PLANAPI_SERVICE_TOKEN") or "")
    if token == DEV_SERVICE_TOKEN or len(token) < 32:
        raise RuntimeError(
            "refusing to start in production: PLANAPI_SERVICE_TOKEN is missing, the published "
            "demo token or shorter than 32 characters"
        )
