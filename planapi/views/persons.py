"""Persons, their relations and whom they may act for; caseworkers and their caseload."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import or_, select

from planapi import clock, serialize
from planapi.access import (
    ALL_SCOPES,
    active_relations,
    authorize,
    authorize_caseworker,
    relation_active,
)
from planapi.extensions import db
from planapi.inputs import ResolveCaseworker, ResolvePerson, parse
from planapi.models import CaseloadEntry, Caseworker, Notification, Person, Plan, Relation
from planapi.problems import Problem
from planapi.views.consents import expire_due

bp = Blueprint("persons", __name__, url_prefix="/v1")


def has_plan(person_id: str) -> bool:
    return db.session.scalar(select(Plan.id).where(Plan.person_id == person_id)) is not None


@bp.post("/persons/resolve")
def resolve_person() -> ResponseReturnValue:
    body = parse(ResolvePerson)
    person = db.session.scalar(select(Person).where(Person.cpr == body.cpr.replace("-", "")))
    if person is None:
        raise Problem(404, "No person with that CPR number is known here.", kind="not-found")
    return jsonify(serialize.person(person, has_plan=has_plan(person.id)))


@bp.get("/persons/<id:person_id>")
def get_person(person_id: str) -> ResponseReturnValue:
    _, person = authorize(person_id, "person:read", resource="person")
    return jsonify(serialize.person(person, has_plan=has_plan(person.id)))


@bp.get("/persons/<id:person_id>/representations")
def representations(person_id: str) -> ResponseReturnValue:
    caller, person = authorize(person_id, "person:read", resource="representations", log=False)
    if caller.basis != "self":
        raise Problem(
            403, "Only the citizen themself may ask whom they can act for.", kind="forbidden"
        )
    today = clock.today()
    items: list[dict[str, Any]] = [
        {
            "person": serialize.person_ref(person),
            "basis": "self",
            "age": clock.age_on(person.birth_date, today),
            "scope": list(ALL_SCOPES),
            "valid_until": None,
        }
    ]
    for rel in active_relations("custody", holder_id=person.id):
        items.append(
            {
                "person": serialize.person_ref(rel.subject),
                "basis": "custody",
                "age": clock.age_on(rel.subject.birth_date, today),
                "scope": list(ALL_SCOPES),
                "valid_until": serialize.day(
                    clock.eighteenth_birthday(rel.subject.birth_date) - timedelta(days=1)
                ),
            }
        )
    for rel in active_relations("power_of_attorney", holder_id=person.id):
        items.append(
            {
                "person": serialize.person_ref(rel.subject),
                "basis": "power_of_attorney",
                "age": clock.age_on(rel.subject.birth_date, today),
                "scope": [s for s in ALL_SCOPES if s in rel.scope],
                "valid_until": serialize.day(rel.valid_until),
            }
        )
    return jsonify({"items": items})


@bp.get("/persons/<id:person_id>/relations")
def relations(person_id: str) -> ResponseReturnValue:
    _, person = authorize(person_id, "relations:read", resource="relations")
    today = clock.today()
    rows = db.session.scalars(
        select(Relation)
        .where(or_(Relation.holder_id == person.id, Relation.subject_id == person.id))
        .order_by(Relation.kind, Relation.id)
    )
    items = [
        serialize.relation(
            r,
            active=relation_active(r, today),
            scope=list(ALL_SCOPES)
            if r.kind == "custody"
            else [s for s in ALL_SCOPES if s in r.scope],
        )
        for r in rows
    ]
    return jsonify({"items": items})


@bp.post("/caseworkers/resolve")
def resolve_caseworker() -> ResponseReturnValue:
    body = parse(ResolveCaseworker)
    worker = db.session.scalar(
        select(Caseworker).where(Caseworker.workforce_id == body.workforce_id)
    )
    if worker is None:
        raise Problem(404, "No caseworker with that workforce id.", kind="not-found")
    return jsonify(serialize.caseworker(worker))


@bp.get("/caseworkers/<id:caseworker_id>")
def get_caseworker(caseworker_id: str) -> ResponseReturnValue:
    worker = db.session.get(Caseworker, caseworker_id)
    if worker is None:
        raise Problem(404, f"No caseworker with id {caseworker_id!r}.", kind="not-found")
    return jsonify(serialize.caseworker(worker))


@bp.get("/caseworkers/<id:caseworker_id>/caseload")
def caseload(caseworker_id: str) -> ResponseReturnValue:
    worker = authorize_caseworker(caseworker_id)
    today = clock.today()
    people = db.session.scalars(
        select(Person)
        .join(CaseloadEntry, CaseloadEntry.person_id == Person.id)
        .where(CaseloadEntry.caseworker_id == worker.id)
        .order_by(Person.name)
    ).all()
    plans = {
        p.person_id: p
        for p in db.session.scalars(select(Plan).where(Plan.person_id.in_([p.id for p in people])))
    }
    items = [
        {
            "person": serialize.person_ref(p),
            "age": clock.age_on(p.birth_date, today),
            "has_plan": p.id in plans,
            "next_follow_up": serialize.day(plans[p.id].next_follow_up) if p.id in plans else None,
        }
        for p in people
    ]
    return jsonify({"caseworker": serialize.caseworker_ref(worker), "items": items})


@bp.get("/caseworkers/<id:caseworker_id>/notifications")
def notifications(caseworker_id: str) -> ResponseReturnValue:
    worker = authorize_caseworker(caseworker_id)
    expire_due()
    rows = db.session.scalars(
        select(Notification)
        .where(Notification.caseworker_id == worker.id)
        .order_by(Notification.created_at.desc(), Notification.id)
        .limit(200)
    )
    return jsonify({"items": [serialize.notification(n) for n in rows]})
