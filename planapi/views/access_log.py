"""The person's access log ("Hvem har set mine oplysninger").

Read, filtered and paged; written by the portal.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from planapi import clock, serialize
from planapi.access import authorize, log_access
from planapi.extensions import db
from planapi.inputs import AccessLogIn, parse
from planapi.models import AccessLogEntry
from planapi.problems import Problem, invalid

bp = Blueprint("access_log", __name__, url_prefix="/v1/persons/<id:person_id>")

ACTOR_KINDS = ("citizen", "guardian", "representative", "caseworker", "family_member", "system")


def _int_arg(name: str, default: int, low: int, high: int, errors: list[dict[str, str]]) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        errors.append({"field": name, "message": f"a whole number from {low} to {high}"})
        return default
    return int(raw)


def _date_arg(name: str, errors: list[dict[str, str]]) -> date | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        errors.append({"field": name, "message": "a date as YYYY-MM-DD"})
        return None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.TZ)


@bp.get("/access-log")
def list_entries(person_id: str) -> ResponseReturnValue:
    errors: list[dict[str, str]] = []
    kind = request.args.get("actor_kind")
    if kind is not None and kind not in ACTOR_KINDS:
        errors.append({"field": "actor_kind", "message": f"one of {', '.join(ACTOR_KINDS)}"})
    since, until = _date_arg("since", errors), _date_arg("until", errors)
    page = _int_arg("page", 1, 1, 10000, errors)
    size = _int_arg("page_size", 20, 1, 100, errors)
    if errors:
        raise invalid(errors, status=400)
    _, person = authorize(person_id, "access-log:read", resource="access-log", log=False)
    query = select(AccessLogEntry).where(AccessLogEntry.person_id == person.id)
    if kind:
        query = query.where(AccessLogEntry.actor_kind == kind)
    if since:
        query = query.where(AccessLogEntry.at >= _start_of(since))
    if until:
        query = query.where(AccessLogEntry.at < _start_of(until + timedelta(days=1)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(AccessLogEntry.at.desc(), AccessLogEntry.id.desc())
        .offset((page - 1) * size)
        .limit(size)
    )
    return jsonify(
        {
            "items": [serialize.access_log_entry(e) for e in rows],
            "page": page,
            "page_size": size,
            "total": total,
        }
    )


@bp.post("/access-log")
def write_entry(person_id: str) -> ResponseReturnValue:
    caller, person = authorize(person_id, "person:read", resource="access-log", log=False)
    body = parse(AccessLogIn)
    if (body.action == "preview") != (caller.basis == "caseworker_preview"):
        raise Problem(
            403,
            "A preview is logged on basis caseworker_preview, and only a preview.",
            kind="forbidden",
        )
    entry = log_access(
        person.id, caller, action=body.action, resource=body.resource, purpose=body.purpose
    )
    db.session.commit()
    response = jsonify(serialize.access_log_entry(entry))
    response.status_code = 201
    return response
