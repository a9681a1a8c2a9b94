"""A person's part in other people's plans: what a family plan asks of him, where he is invited.

Anders is named in his daughter Emma's plan: a task agreed for him and a meeting he is
invited to. Logged in as himself he reads exactly those parts of her plan, nothing more;
each read is written to Emma's access log as a read by a plan member, so she (and whoever
acts for her) can see it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from planapi import clock, serialize, sharing
from planapi.access import Caller, active_relations, authorize, caller_from_headers, log_access
from planapi.extensions import db
from planapi.models import Appointment, Person
from planapi.plan_rows import PlanRead, plans_naming

bp = Blueprint("involvements", __name__, url_prefix="/v1")


def _invited(appointment: Appointment, person_id: str) -> bool:
    return any(p.get("person_id") == person_id for p in appointment.participants)


@bp.get("/persons/<id:person_id>/involvements")
def list_involvements(person_id: str) -> ResponseReturnValue:
    _, person = authorize(person_id, "involvements:read", resource="involvements", log=False)
    items = involvements_of(person)
    db.session.commit()
    return jsonify({"items": items})


def member_plans(person: Person) -> list[PlanRead]:
    """The plans of others that name this person as a family member, read once per request
    (the overview's questionnaires and involvements both ask)."""
    cache: dict[str, list[PlanRead]] = g.setdefault("member_plans", {})
    if person.id not in cache:
        cache[person.id] = plans_naming(person.id)
    return cache[person.id]


def involvements_of(person: Person) -> list[dict[str, Any]]:
    """One entry per plan of someone else that names the person (the caller himself, basis
    self, checked by the caller's `authorize`): his tasks and the meetings he is invited to.

    A fixed number of queries for the plans (their parts load in one batch each) and one
    for all their upcoming meetings; what the consent shares is one query per plan owner.
    """
    caller = caller_from_headers()
    plans = member_plans(person)
    if not plans:
        return []
    meetings: dict[str, list[Appointment]] = {}
    for meeting in db.session.scalars(
        select(Appointment)
        .where(
            Appointment.person_id.in_([p.person_id for p in plans]),
            Appointment.end_at >= clock.now(),
        )
        .order_by(Appointment.start_at, Appointment.id)
    ):
        if _invited(meeting, person.id):
            meetings.setdefault(meeting.person_id, []).append(meeting)
    custody_of = {r.subject_id for r in active_relations("custody", holder_id=person.id)}
    items: list[dict[str, Any]] = []
    for plan in plans:
        member = next(m for m in plan.members if m.person_id == person.id)
        tasks = [a for a in plan.agreements if a.responsible_person_id == person.id]
        items.append(
            {
                "plan_id": plan.id,
                "person": serialize.person_ref(plan.person),
                "role": member.role,
                "legal_basis": member.legal_basis,
                "custody": plan.person_id in custody_of,
                "shared": sharing.of_person(plan.person_id).joint,
                "coordinator": serialize.caseworker_ref(plan.coordinator),
                "tasks": [serialize.agreement(a) for a in tasks],
                "invitations": [serialize.appointment(a) for a in meetings.get(plan.person_id, [])],
            }
        )
    log_member_reads([plan.person_id for plan in plans], caller)
    return items


def log_member_reads(owner_ids: list[str], caller: Caller) -> None:
    """Honest about it: each plan's owner sees that a member read his own part of her plan
    (a repeat read answered 304 writes the same entries: planapi/views/composite.py)."""
    for owner_id in owner_ids:
        entry = log_access(owner_id, caller, action="read", resource="plan/member-part")
        entry.basis = "plan_member"
        entry.actor_kind = "family_member"
