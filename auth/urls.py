"""Absolute URLs of the portal, from the configured PUBLIC_BASE_URL, never the Host header.

A request's Host header is whatever the client sent: an absolute link built from it (the
OIDC redirect URI, a calendar-feed address, a calendar UID) could point elsewhere.
Without PUBLIC_BASE_URL (development, tests) Flask's own external URL is used; production
refuses to start without it (portal/production.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, url_for


def public_url(endpoint: str, **values: Any) -> str:
    base = str(current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not base:
        return url_for(endpoint, _external=True, **values)
    return base + url_for(endpoint, **values)


def public_host() -> str:
    """The portal's host name, for identifiers such as calendar UIDs."""
    base = str(current_app.config.get("PUBLIC_BASE_URL") or "")  # equivalent: or "XXXX" (no host)
    return urlsplit(base).hostname or "mit-overblik"
