"""The change feed for services (the portal's notification service): ordered, resumable.

No caller context: the feed is read by a service with the service token, not on a person's
behalf, and reading it is not a read of anyone's plan (it carries ids, types and times only).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from planapi import clock, events
from planapi.access import ALL_SCOPES, active_relations, get_person
from planapi.extensions import db
from planapi.models import Caseworker, Contact, Person, Plan
from planapi.problems import invalid

bp = Blueprint("events", __name__, url_prefix="/v1")

CURSOR_RE = re.compile(r"^[0-9]{1,18}$")
MAX_LIMIT = 500


@bp.get("/events")
def list_events() -> ResponseReturnValue:
    errors: list[dict[str, str]] = []
    after = request.args.get("after", "0")
    if not CURSOR_RE.match(after):
        errors.append({"field": "after", "message": "a cursor from an earlier page, or 0"})
    limit = request.args.get("limit", "100")
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
        errors.append({"field": "limit", "message": f"a whole number from 1 to {MAX_LIMIT}"})
    if errors:
        raise invalid(errors, status=400)
    # A cursor past the last possible event (PostgreSQL's integer is 32-bit) is the end.
    rows = events.page(min(int(after), 2**31 - 1), int(limit))
    return jsonify(
        {
            "events": [events.serialize(e) for e in rows],
            "next_cursor": str(rows[-1].seq) if rows else after,
        }
    )


@bp.get("/persons/<id:person_id>/notice-recipients")
def notice_recipients(person_id: str) -> ResponseReturnValue:
    """Who may be told about this person's events, for a notifier acting as a service:
    the person, custody holders while the person is under 18, power-of-attorney holders with
    their scope, and the coordinating caseworker. Service-level like the feed: it names people
    and addresses, not plan contents, and it is not a read on anyone's behalf."""
    person = get_person(person_id)
    today = clock.today()
    age = clock.age_on(person.birth_date, today)
    people: list[dict[str, Any]] = [_recipient(person, "self", list(ALL_SCOPES), age)]
    for rel in active_relations("custody", subject_id=person.id):
        people.append(_recipient(rel.holder, "custody", list(ALL_SCOPES), None))
    for rel in active_relations("power_of_attorney", subject_id=person.id):
        scope = [s for s in ALL_SCOPES if s in rel.scope]
        people.append(_recipient(rel.holder, "power_of_attorney", scope, None))
    plan = db.session.scalar(select(Plan).where(Plan.person_id == person.id))
    coordinator = None
    if plan is not None:
        coordinator = _caseworker(plan.coordinator)
    # Every caseworker here who answers the person's messages (a contact of theirs), so a
    # message addressed to one of them tells that one, coordinator or not.
    contacts = db.session.scalars(
        select(Caseworker)
        .join(Contact, Contact.caseworker_id == Caseworker.id)
        .where(Contact.person_id == person.id, Contact.takes_messages.is_(True))
        .order_by(Caseworker.id)
        .distinct()
    ).all()
    return jsonify(
        {
            "person_id": person.id,
            "recipients": people,
            "coordinator": coordinator,
            "caseworkers": [_caseworker(worker) for worker in contacts],
        }
    )


def _caseworker(worker: Caseworker) -> dict[str, str]:
    return {"id": worker.id, "name": worker.name, "email": worker.email}


def _recipient(person: Person, basis: str, scope: list[str], age: int | None) -> dict[str, Any]:
    return {
        "person_id": person.id,
        "cpr": person.cpr,
        "name": person.name,
        "basis": basis,
        "age": age,
        "scope": scope,
    }
