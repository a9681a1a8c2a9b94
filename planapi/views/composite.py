"""Composite reads: everything one portal page shows, checked once and logged once.

`GET /v1/persons/{id}/overview` returns the parts a page asks for (`include`, default all
the caller's basis covers but `goal`, which the plan holds): one basis check, one
access-log entry naming every part read ("plan,appointments,contacts,..."), one response.
The single-resource reads stay for other clients.

Each answer carries an ETag (planapi/freshness.py); a repeat read that sends it back in
If-None-Match while nothing has changed is answered 304 without reading the parts, after
the same check and with the same access-log entries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from planapi import freshness, serialize, sharing
from planapi.access import authorize_parts
from planapi.extensions import db
from planapi.models import Person
from planapi.plan_rows import owners_naming
from planapi.problems import invalid
from planapi.views.consents import consent_rows, consents_of
from planapi.views.involvements import involvements_of, log_member_reads
from planapi.views.plan import appointments_of, cases_of, contacts_of, goal_of, plan_of
from planapi.views.questionnaires import due_of

bp = Blueprint("composite", __name__, url_prefix="/v1/persons/<id:person_id>")

# part -> (scope it needs, how it is read). The order is the log entry's order.
PARTS: dict[str, tuple[str, Callable[[Person], Any]]] = {
    "plan": ("plan:read", plan_of),
    "goal": ("plan:read", goal_of),  # the plan's overall goal only: two queries, not seven
    "cases": ("cases:read", cases_of),
    "appointments": ("appointments:read", lambda p: appointments_of(p, "upcoming")),
    "contacts": ("contacts:read", contacts_of),
    "consents": ("consents:read", consents_of),
    "questionnaires": ("questionnaires:read", due_of),
    "involvements": ("involvements:read", involvements_of),  # basis self only
}
# Left to the default, a read gets every part but the goal: the plan already holds it.
DEFAULT = [name for name in PARTS if name != "goal"]


def _included() -> tuple[list[str], bool]:
    raw = request.args.get("include")
    if raw is None:
        return list(DEFAULT), False
    names = [n.strip() for n in raw.split(",") if n.strip()]
    unknown = [n for n in names if n not in PARTS]
    if unknown or not names:
        message = f"a comma-separated list of: {', '.join(PARTS)}"
        raise invalid([{"field": "include", "message": message}], status=400)
    return [n for n in PARTS if n in names], True


@bp.get("/overview")
def overview(person_id: str) -> ResponseReturnValue:
    names, explicit = _included()
    look = freshness.first_look(person_id)  # before any row of the answer, the person's too
    caller, person, allowed = authorize_parts(
        person_id, {n: PARTS[n][0] for n in names}, explicit=explicit
    )
    version = look.version
    etag = None if version is None else freshness.stamp(version, person.id, caller, allowed)
    stamped = {"ETag": etag, "Cache-Control": "private, no-cache"} if etag else {}
    if etag is not None and freshness.unchanged(request, etag):
        if "involvements" in allowed and look.named:  # the owners' entries, as a full read
            log_member_reads(owners_naming(person.id), caller)
        db.session.commit()  # the access-log entries
        return "", 304, stamped
    body: dict[str, Any] = {"person": serialize.person_ref(person), "parts": allowed}
    if "consents" in allowed:  # what the plan and questionnaires share, from the same rows
        sharing.of_consents(person.id, consent_rows(person))
    for name in PARTS:
        body[name] = PARTS[name][1](person) if name in allowed else None
    db.session.commit()  # the access-log entry (and any consent expiry) with the answer
    return body, 200, stamped
