"""Public pages: the front door, accessibility statement, privacy and cookies, language."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from auth.access import access

bp = Blueprint("about", __name__)


@bp.get("/")
@access("public")
def index() -> ResponseReturnValue:
    return render_template("pages/about/index.html")


@bp.get("/tilgaengelighedserklaering")
@access("public")
def accessibility() -> ResponseReturnValue:
    config = current_app.config
    return render_template(
        "pages/about/accessibility.html",
        made_on=date.fromisoformat(config["ACCESSIBILITY_STATEMENT_DATE"]),
        reviewed_on=date.fromisoformat(config["ACCESSIBILITY_REVIEWED_DATE"]),
    )


@bp.get("/privatliv-og-cookies")
@access("public")
def privacy() -> ResponseReturnValue:
    return render_template("pages/about/privacy.html")


def _safe_next(target: str | None) -> str:
    """Only a path on this site, never another host (no open redirect)."""
    if not target:
        return url_for("about.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("about.index")
    return target


@bp.get("/sprog/<any(da, en):lang>")
@access("public")
def set_language(lang: str) -> ResponseReturnValue:
    response = redirect(_safe_next(request.args.get("next")))
    response.set_cookie(
        current_app.config["LANGUAGE_COOKIE"],
        lang,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
    )
    return response
