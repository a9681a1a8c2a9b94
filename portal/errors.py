"""Error pages in the design system, never a stack trace."""

from __future__ import annotations

from flask import Flask, g, render_template
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.clients.base import PlanAPIForbidden, PlanAPINotFound, PlanAPIUnavailable


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        code = error.code or 500
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
        return render_template("pages/errors/403.html", code=403), 403

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> ResponseReturnValue:
        if isinstance(error, HTTPException):
            return http_error(error)
        app.logger.exception("unhandled error")
        return render_template("pages/errors/500.html", code=500), 500
