"""Liveness and readiness probes."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from auth.access import access
from portal.clients.base import PlanAPIClient
from portal.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@access("public")
def healthz() -> ResponseReturnValue:
    return jsonify(status="ok")


@bp.get("/readyz")
@access("public")
def readyz() -> ResponseReturnValue:
    checks: dict[str, bool] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = True
    except Exception:  # any failure means not ready
        current_app.logger.exception("readiness: database check failed")
        checks["database"] = False
    checks["planapi"] = PlanAPIClient().ping()
    ready = all(checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503
