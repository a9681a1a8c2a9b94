"""Error pages in the design system, never a stack trace."""

from __future__ import annotations

from typing import Literal

from flask import Flask, current_app, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from auth.session import auth_data, build_acting
from portal.clients.base import PlanAPIForbidden, PlanAPINotFound, PlanAPIUnavailable

Reader = Literal[
    "self",
    "custody",
    "power_of_attorney",
    "preview_read_only",
    "preview_refused",
    "caseworker_no_preview",
    "staff_only",
]


def refusal_reader() -> Reader:
    """Who is refused, so the 403 page names the real reason in words for that reader.

    Read from the session, not from `g.acting`: a refusal clears `g.acting` so that the page
    never names a person the reader may not see, but the reader's own basis is still theirs.
    """
    data = auth_data()
    view = current_app.view_functions.get(request.endpoint or "")
    level = getattr(view, "_access", None)
    if data is None:
        return "self"
    claimed = build_acting()
    if data.get("role") == "caseworker":
        if level == "caseworker":  # a caseworker page refused: a citizen outside the caseload
            return "preview_refused"
        if claimed is None:
            return "caseworker_no_preview"
        if request.method != "GET" or level == "citizen_write":
            return "preview_read_only"
        return "preview_refused"
    if level == "caseworker":
        return "staff_only"
    if claimed is not None and claimed.basis in ("custody", "power_of_attorney"):
        return claimed.basis
    return "self"


def _refused() -> ResponseReturnValue:
    return render_template("pages/errors/403.html", code=403, reader=refusal_reader()), 403


def init_app(app: Flask) -> None:
    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError) -> ResponseReturnValue:
        # A Host header outside TRUSTED_HOSTS: no page (it would link to that host).
        return "Bad Request", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        code = error.code or 500
        if code == 403:
            return _refused()
        template = {
            400: "pages/errors/400.html",
            403: "pages/errors/403.html",
            404: "pages/errors/404.html",
            413: "pages/errors/400.html",
            429: "pages/errors/429.html",
        }.get(code, "pages/errors/500.html")
        return render_template(template, code=code), code

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        return render_template("pages/errors/csrf.html"), 400

    @app.errorhandler(PlanAPIUnavailable)
    def planapi_down(error: PlanAPIUnavailable) -> ResponseReturnValue:
        app.logger.warning("plan API unavailable: %s", error)
        return render_template("pages/errors/planapi.html"), 503

    @app.errorhandler(PlanAPINotFound)
    def planapi_not_found(error: PlanAPINotFound) -> ResponseReturnValue:
        return render_template("pages/errors/404.html", code=404), 404

    @app.errorhandler(PlanAPIForbidden)
    def planapi_refused(error: PlanAPIForbidden) -> ResponseReturnValue:
        # The plan API re-checks the basis (custody ends at 18, a power of attorney runs
        # out): its refusal is a refusal here, with no name of the person on the page.
        app.logger.warning("plan API refused: %s", error)
        g.acting = None
        return _refused()

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> ResponseReturnValue:
        if isinstance(error, HTTPException):
            return http_error(error)
        app.logger.exception("unhandled error")
        return render_template("pages/errors/500.html", code=500), 500
