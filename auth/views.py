"""Log in (citizen and caseworker), choose whom to act for, keep alive, log out."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from authlib.common.urls import add_params_to_uri
from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import login_user, logout_user

from auth import pending as pending_store
from auth import session as auth_session
from auth.access import access
from auth.claims import at_least, mask_cpr, parse_level
from auth.directory import Unknown
from auth.guards import directory, remaining
from auth.oidc import PENDING_TTL, LoginFailed, Pending, Provider
from auth.session import (
    SESSION_KEY,
    AuthSession,
    Option,
    Role,
    SessionUser,
    auth_data,
    current_actor,
)
from auth.urls import public_url

bp = Blueprint("auth", __name__, template_folder=None)

PENDING_KEY = "oidc_pending"
MAX_PENDING = 5


def provider(name: str) -> Provider:
    return current_app.extensions["auth_providers"][name]


def safe_next(target: str | None) -> str:
    """Only a path on this site (no open redirect); empty when there is none."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return ""
    parts = urlsplit(target)
    return "" if parts.scheme or parts.netloc else target


# -- starting and finishing a login ---------------------------------------------------------


def _start(name: str, callback_endpoint: str) -> ResponseReturnValue:
    try:
        url, pending = provider(name).start(
            public_url(callback_endpoint), safe_next(request.args.get("next"))
        )
    except LoginFailed as exc:
        return refuse(exc)
    pending_store.remember(pending)
    # The browser holds only which logins it started (a few at once: tabs), newest last.
    states = [s for s in session.get(PENDING_KEY) or [] if isinstance(s, str)]
    session[PENDING_KEY] = [*states[-(MAX_PENDING - 1) :], pending.state]
    return redirect(url)


def _finish(name: str) -> tuple[dict[str, Any], str, Pending]:
    state = request.args.get("state")
    states = [s for s in session.get(PENDING_KEY) or [] if isinstance(s, str)]
    if state in states:
        session[PENDING_KEY] = [s for s in states if s != state]
    error = request.args.get("error")
    # Started in this browser, and taken from the shared store by this request alone.
    pending = pending_store.take(state) if state and state in states else None
    if error:
        reason = "cancelled" if error == "access_denied" else "provider_error"
        raise LoginFailed(reason, f"{error}: {request.args.get('error_description', '')}")
    if pending is None or pending.provider != name:
        raise LoginFailed("state", "missing, unknown or already used state")
    if time.time() - pending.created > PENDING_TTL:
        raise LoginFailed("state", "the login took too long")
    code = request.args.get("code")
    if not code:
        raise LoginFailed("token", "no code in the callback")
    chosen = provider(name)
    claims, id_token = chosen.finish(code, pending)
    raw_level = claims.get(chosen.settings.claim_loa)
    level = parse_level(raw_level)
    if level is None:
        raise LoginFailed(
            "claim_missing", f"no readable assurance level in {chosen.settings.claim_loa!r}"
        )
    if not at_least(level, chosen.settings.required_loa):
        raise LoginFailed("loa", f"assurance level {level}")
    return claims, id_token, pending


def refuse(exc: LoginFailed) -> ResponseReturnValue:
    """The clear page for a refused login; nobody is logged in afterwards."""
    current_app.logger.warning("login refused (%s): %s", exc.reason, exc.detail)
    logout_user()
    session.pop(SESSION_KEY, None)
    if exc.reason == "loa":
        return render_template("pages/auth/loa_too_low.html"), 403
    status = {
        "unavailable": 503,
        "unknown_person": 403,
        "not_caseworker": 403,
        "claim_missing": 403,
    }.get(exc.reason, 400)
    return render_template("pages/auth/login_failed.html", reason=exc.reason), status


def _begin_session(
    role: Role,
    actor_id: str,
    name: str,
    provider_name: str,
    subject: str,
    level: str,
    *,
    cpr_masked: str = "",  # pragma: no mutate: only caseworkers omit it, never stored for them
    options: tuple[Option, ...] = (),
) -> AuthSession:
    """A fresh session id for the logged-in user (no session fixation), holding little.

    Not the ID token: it carries the person number, and logout names the provider's
    session with `logout_hint` (the subject) instead.
    """
    regenerate = getattr(current_app.session_interface, "regenerate", None)
    if regenerate is not None and session:
        regenerate(session)
    session.clear()
    started = AuthSession(
        role=role,
        actor_id=actor_id,
        actor_name=name,
        provider=provider_name,
        subject=subject,
        loa=level,
        cpr_masked=cpr_masked,
        last_seen=time.time(),
        options=options,
    )
    started.save()
    login_user(SessionUser(role, actor_id, name))
    return started


def _options(themself: Option) -> tuple[Option, ...]:
    """Whom the citizen may act for now, themself first (asked again at every choice: a
    custody may have ended or a power of attorney run out since login)."""
    options = directory().options(themself.id)
    if not any(o.id == themself.id and o.basis == "self" for o in options):
        options.insert(0, themself)
    return tuple(options)


def _landing(next_url: str = "") -> str:
    if next_url:
        return next_url
    endpoints = current_app.view_functions
    return url_for("overview.index") if "overview.index" in endpoints else url_for("about.index")


# -- citizen -------------------------------------------------------------------------------


@bp.get("/log-ind")
@access("public")
def login() -> ResponseReturnValue:
    acting = current_actor()
    if acting is not None and acting.actor_role == "citizen" and not acting.pending_choice:
        return redirect(_landing(safe_next(request.args.get("next"))))
    return _start("mitid", "auth.callback")


@bp.get("/log-ind/callback")
@access("public")
def callback() -> ResponseReturnValue:
    try:
        claims, _id_token, pending = _finish("mitid")
        settings = provider("mitid").settings
        cpr = re.sub(r"\D", "", str(claims.get(settings.claim_cpr) or ""))
        if len(cpr) != 10:
            raise LoginFailed("claim_missing", f"no person number in {settings.claim_cpr!r}")
        try:
            person = directory().resolve_person(cpr)
        except Unknown as exc:
            raise LoginFailed("unknown_person", "the plan API does not know this person") from exc
        options = _options(Option(person.id, person.name, "self", person.age))
    except LoginFailed as exc:
        return refuse(exc)
    started = _begin_session(
        "citizen",
        person.id,
        person.name,
        "mitid",
        str(claims.get("sub") or ""),
        str(parse_level(claims.get(settings.claim_loa))),
        cpr_masked=mask_cpr(cpr),
        options=options,
    )
    if len(options) == 1:
        started.choose(options[0]).save()
        return redirect(_landing(pending.next_url))
    return redirect(url_for("auth.choose_person", next=pending.next_url or None))


@bp.route("/vaelg-person", methods=["GET", "POST"])
@access("citizen_login")
def choose_person() -> ResponseReturnValue:
    current = AuthSession.load()
    assert current is not None
    next_url = safe_next(request.values.get("next"))
    if request.method == "POST":
        person_id = request.form.get("person_id", "")
        # Themself as at login; a session without that entry acts for itself by default.
        themself = next((o for o in current.options if o.basis == "self"), None) or Option(
            id=current.actor_id, name=current.actor_name, basis="self"
        )
        options = _options(themself)
        current = replace(current, options=options)
        current.save()
        chosen = next((o for o in options if o.id == person_id), None)
        if chosen is None:
            current_app.logger.warning(
                "acting-as refused: %s has no basis for %r", current.actor_id, person_id[:64]
            )
            return render_template("pages/auth/no_basis.html"), 403
        current.choose(chosen).save()
        return redirect(_landing(next_url))
    acting = current_actor()
    return render_template(
        "pages/auth/choose_person.html",
        options=current.options,
        actor_id=current.actor_id,
        cpr_masked=current.cpr_masked,
        current=acting.subject_id if acting and not acting.pending_choice else None,
        next_url=next_url,
    )


# -- caseworker ----------------------------------------------------------------------------


@bp.get("/medarbejder/log-ind")
@access("public")
def caseworker_login() -> ResponseReturnValue:
    return _start("workforce", "auth.caseworker_callback")


@bp.get("/medarbejder/callback")
@access("public")
def caseworker_callback() -> ResponseReturnValue:
    try:
        claims, _id_token, pending = _finish("workforce")
        settings = provider("workforce").settings
        if settings.claim_role and claims.get(settings.claim_role) != settings.role_value:
            raise LoginFailed(
                "not_caseworker", f"{settings.claim_role} is not {settings.role_value!r}"
            )
        try:
            caseworker = directory().resolve_caseworker(str(claims.get(settings.claim_id)))
        except Unknown as exc:
            raise LoginFailed("not_caseworker", "unknown workforce id") from exc
    except LoginFailed as exc:
        return refuse(exc)
    _begin_session(
        "caseworker",
        caseworker.id,
        caseworker.name,
        "workforce",
        str(claims.get("sub") or ""),
        str(parse_level(claims.get(settings.claim_loa))),
    )
    if pending.next_url:
        return redirect(pending.next_url)
    endpoints = current_app.view_functions
    landing = "preview.index" if "preview.index" in endpoints else "about.index"
    return redirect(url_for(landing))


# -- staying and leaving -------------------------------------------------------------------


@bp.post("/forlaeng-session")
@access("public")
def keep_alive() -> ResponseReturnValue:
    data = auth_data()
    if data is None:
        return jsonify({"logged_in": False}), 401
    auth_session.touch()
    return jsonify({"logged_in": True, "expires_in": remaining(data)})


@bp.post("/log-af")
@access("public")
def logout() -> ResponseReturnValue:
    """End the session here, then at the provider with client_id and logout_hint.

    The ID token is never put in a URL (it carries the person number), so nothing with
    it reaches a browser history, a proxy log or the provider's access log.
    """
    data = auth_data() or {}
    timeout = request.form.get("reason") == "timeout"
    name = data.get("provider")
    subject = str(data.get("subject") or "")
    logout_user()
    session.clear()
    here = url_for("auth.logged_out", reason="timeout") if timeout else url_for("auth.logged_out")
    request_at_provider = (
        provider(name).logout_request(public_url("auth.logged_out"), subject) if name else None
    )
    if request_at_provider is None:
        return redirect(here)
    endpoint, params = request_at_provider
    if timeout:
        params["state"] = "timeout"  # comes back on the post-logout redirect
    return redirect(add_params_to_uri(endpoint, params))


@bp.get("/logget-af")
@access("public")
def logged_out() -> ResponseReturnValue:
    """The page after logging out. A GET never ends a session (a link from another site
    could): still logged in, the visitor goes back to their start page."""
    timeout = "timeout" in (request.args.get("reason"), request.args.get("state"))
    if auth_data() is not None:
        return redirect(_landing())
    return render_template("pages/auth/logged_out.html", timeout=timeout)
