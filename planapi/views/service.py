"""Health and the contract itself."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from planapi.extensions import db
from planapi.problems import problem_response

bp = Blueprint("service", __name__)

SPEC_PATH = Path(__file__).resolve().parent.parent / "openapi.yaml"


@cache
def openapi_document() -> dict[str, Any]:
    with SPEC_PATH.open(encoding="utf-8") as fh:
        document: dict[str, Any] = yaml.safe_load(fh)
    return document


@bp.get("/healthz")
def healthz() -> Response:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return problem_response(503, "The database cannot be reached.")
    return jsonify({"status": "ok"})


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return jsonify(openapi_document())
