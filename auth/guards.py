"""Wiring into the portal: Flask-Login, the providers, the idle timeout, the access checks."""

from __future__ import annotations

import time
from typing import Any

import httpx
from flask import (
    Flask,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, logout_user

from auth import session as auth_session
from auth.access import register_check
from auth.claims import mask_cpr
from auth.directory import Directory, Unknown
from auth.oidc import Provider, settings_from_config
from auth.pending import LoginStates
from auth.session import (
    ActingAs,
    AuthSession,
    Subject,
    auth_data,
    basis_still_holds,
    build_acting,
    current_actor,
)
from identity import Caller

DEFAULTS: dict[str, Any] = {
    "OIDC_ISSUER": "http://127.0.0.1:5002/mitid",
    "OIDC_CLIENT_ID": "mit-overblik",
    "OIDC_CLIENT_SECRET": "",
    "OIDC_CLAIM_PRESET": "nemlogin",
    "WORKFORCE_ISSUER": "http://127.0.0.1:5002/workforce",
    "WORKFORCE_CLIENT_ID": "mit-overblik-medarbejder",
    "WORKFORCE_CLIENT_SECRET": "",
    "SESSION_IDLE_TIMEOUT": 15 * 60,
    "SESSION_WARNING_BEFORE": 2 * 60,
    "SESSION_ABSOLUTE_LIFETIME": 8 * 60 * 60,
    "OIDC_TIMEOUT": 5.0,
}
TOUCH_EVERY = 15  # seconds: do not rewrite the session on every single request


def init_app(
    app: Flask, *, login_manager: Any, directory: Directory, login_states: LoginStates
) -> None:
    """Wire login into an app. `directory` answers who people are (the portal passes its
    plan-API one) and `login_states` keeps logins under way (the portal's database), so
    auth itself imports nothing of the portal."""
    from auth.cli import oidc as oidc_cli
    from auth.views import bp

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.extensions["auth_directory"] = directory
    app.extensions["auth_login_states"] = login_states
    login_manager.init_app(app)
    login_manager.user_loader(auth_session.load_user)
    login_manager.login_view = "auth.login"

    # No follow_redirects: httpx follows none by default, so every answer comes from the
    # provider's own URLs (tests/unit/auth/test_guards.py holds it).
    http = httpx.Client(
        timeout=httpx.Timeout(app.config["OIDC_TIMEOUT"], connect=2.0),
        transport=app.config.get("OIDC_TRANSPORT"),
        headers={"User-Agent": "mit-overblik-portal"},  # equivalent: the name in another case
    )
    app.extensions["auth_providers"] = {
        "mitid": Provider("mitid", settings_from_config(app.config, "OIDC"), http),
        "workforce": Provider("workforce", settings_from_config(app.config, "WORKFORCE"), http),
    }
    app.register_blueprint(bp)
    app.cli.add_command(oidc_cli)
    app.before_request(_load_acting)
    app.add_template_filter(mask_cpr)

    @app.context_processor
    def session_timeout() -> dict[str, Any]:
        return {
            "session_timeout_seconds": int(app.config["SESSION_IDLE_TIMEOUT"]),
            "session_warning_seconds": int(app.config["SESSION_WARNING_BEFORE"]),
        }

    register_check("citizen_login", _check_citizen_login)
    register_check("citizen", _check_citizen)
    register_check("citizen_write", lambda: _check_citizen(write=True))
    register_check("caseworker", _check_caseworker)


def _load_acting() -> None:
    if request.endpoint == "static":
        return
    data = auth_data()
    if data is not None:
        if absolute_expired(data) or auth_session.idle_expired():
            logout_user()
            session.clear()
            g.session_timed_out = True
        # Every session the portal stores has last_seen and started (AuthSession writes all its
        # fields), so the defaults here and below are never used: another default is the same.
        elif time.time() - float(data.get("last_seen", 0)) > TOUCH_EVERY:  # equivalent: above
            auth_session.touch()
    acting = build_acting()
    # A session that names a person without a basis for them shows nobody (not even the
    # name in the banner); the access checks then refuse every citizen page.
    g.acting = acting if acting is None or basis_still_holds(acting) else None


def absolute_expired(data: dict[str, Any]) -> bool:
    """Past the session's absolute lifetime, however active it was (keep-alive cannot help)."""
    started = float(data.get("started") or 0)  # equivalent: another default, never used
    return time.time() - started > float(current_app.config["SESSION_ABSOLUTE_LIFETIME"])


def remaining(data: dict[str, Any]) -> int:
    """Seconds until the session ends if idle from now: the sooner of idle and absolute end."""
    started = float(data.get("started") or 0)  # equivalent: another default, never used
    left = started + float(current_app.config["SESSION_ABSOLUTE_LIFETIME"]) - time.time()
    return max(0, int(min(auth_session.idle_timeout(), left)))


def _to_login(caseworker: bool = False) -> ResponseReturnValue:
    if g.get("session_timed_out"):
        return redirect(url_for("auth.logged_out", reason="timeout"))
    endpoint = "auth.caseworker_login" if caseworker else "auth.login"
    target = request.full_path if request.method == "GET" else ""
    return redirect(url_for(endpoint, next=target.rstrip("?") or None))


def _check_citizen_login() -> ResponseReturnValue | None:
    if not current_user.is_authenticated:
        return _to_login()
    if current_user.is_caseworker:
        abort(403)
    return None


def _check_citizen(write: bool = False) -> ResponseReturnValue | None:
    acting = current_actor()
    if not current_user.is_authenticated:
        return _to_login()
    if acting is None:  # a caseworker who is not previewing anyone
        abort(403)
    if acting.pending_choice:
        return redirect(url_for("auth.choose_person", next=request.full_path.rstrip("?")))
    if not basis_still_holds(acting):
        g.acting = None  # the refusal page must not name a person this actor may not see
        abort(403)
    if write and acting.read_only:
        abort(403)
    missing = [s for s in required_scopes(request.endpoint) if not acting.covers(s)]
    if missing:
        return render_template("pages/auth/outside_scope.html"), 403
    return None


# What each citizen page reads from the plan API. A power of attorney covers only its own
# scope: a page it does not cover is refused here with a clear page, before any plan-API
# call (the plan API refuses again). A blueprint's entry holds for all its endpoints.
EVERY_READ_SCOPE = (
    "plan:read",
    "cases:read",
    "appointments:read",
    "contacts:read",
    "consents:read",
    "questionnaires:read",
    "access-log:read",
    "messages:read",
    "letters:read",
)
PAGE_SCOPES: dict[str, tuple[str, ...]] = {
    "overview": ("plan:read",),
    "plan": ("plan:read",),
    "appointments": ("appointments:read",),
    "contact": ("contacts:read",),
    "consent": ("consents:read",),
    "progress": ("questionnaires:read",),
    "mydata": ("access-log:read",),
    "messages": ("messages:read",),
    "messages.send": ("messages:write",),
    "messages.document": ("documents:read",),
    "messages.send_document": ("documents:write",),
    "letters": ("letters:read",),
    # The person's own notice addresses (e-mail, mobile) and choices: only for a power of
    # attorney that covers the person's details, and read-only even then.
    "notices": ("person:read",),
    "mydata.export": EVERY_READ_SCOPE,
    "mydata.export_json": EVERY_READ_SCOPE,
    # Forms that change something: a power of attorney must cover the change too, so it
    # is never offered a form that the plan API would refuse on sending.
    "appointments.move": ("appointments:read", "appointments:write"),
    "appointments.move_send": ("appointments:read", "appointments:write"),
    "appointments.move_receipt": ("appointments:read", "appointments:write"),
}


def required_scopes(endpoint: str | None) -> tuple[str, ...]:
    if not endpoint:
        return ()
    if endpoint in PAGE_SCOPES:
        return PAGE_SCOPES[endpoint]
    return PAGE_SCOPES.get(endpoint.partition(".")[0], ())


def _check_caseworker() -> ResponseReturnValue | None:
    if not current_user.is_authenticated:
        return _to_login(caseworker=True)
    if not current_user.is_caseworker:
        abort(403)
    return None


# -- caseworker preview ------------------------------------------------------------------


def directory() -> Directory:
    found: Directory = current_app.extensions["auth_directory"]
    return found


def _caseworker() -> AuthSession | None:
    current = AuthSession.load()
    return current if current is not None and current.role == "caseworker" else None


def can_preview(person_id: str) -> bool:
    """Whether the logged-in caseworker has this citizen in their caseload (asked once per
    request; the plan API checks again on every read)."""
    current = _caseworker()
    if current is None:
        return False
    caseload: set[str] | None = g.get("caseload")
    if caseload is None:
        caseload = g.caseload = directory().caseload(current.actor_id)
    return person_id in caseload


def start_preview(person_id: str, purpose: str) -> ActingAs:
    """Begin a read-only preview of a citizen in the caseworker's caseload, or 403."""
    purpose = " ".join(purpose.split())[:300]
    current = _caseworker()
    if current is None or not purpose or not can_preview(person_id):
        abort(403)
    try:
        person = directory().person(Caller.preview(current.actor_id, purpose), person_id)
    except Unknown:
        abort(404)
    subject = Subject(person.id, person.name, person.age, "caseworker_preview", purpose=purpose)
    current.preview(subject).save()
    g.acting = build_acting()
    assert g.acting is not None
    return g.acting


def end_preview() -> None:
    current = _caseworker()
    if current is not None:
        current.preview(None).save()
        g.acting = None
