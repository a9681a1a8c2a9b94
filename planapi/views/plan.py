"""The joint plan, cases, appointments (and requests to move them), contacts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue

from planapi import clock, rows, serialize, sharing
from planapi.access import ID_RE, Caller, authorize, caller_from_headers, log_access
from planapi.extensions import db
from planapi.idempotency import key_from_headers, run_once
from planapi.inputs import ChangeRequestIn, parse
from planapi.models import (
    Appointment,
    Case,
    Caseworker,
    ChangeRequest,
    Person,
    new_id,
)
from planapi.notify import notify_caseworkers
from planapi.plan_rows import PlanHead, PlanRead, own_plan, own_plan_head
from planapi.problems import Problem, invalid

bp = Blueprint("plan", __name__, url_prefix="/v1/persons/<id:person_id>")


def not_found(what: str) -> Problem:
    return Problem(404, f"No such {what} for this person.", kind="not-found")


@bp.get("/plan")
def get_plan(person_id: str) -> ResponseReturnValue:
    _, person = authorize(person_id, "plan:read", resource="plan")
    plan = plan_of(person)
    if plan is None:
        raise Problem(404, "This person has no joint plan.", kind="no-plan")
    return jsonify(plan)


def plan_row(person: Person) -> PlanRead | None:
    """The person's plan with everything on it, read once per request (a composite read
    and the questionnaires' cadence both need it)."""
    cache: dict[str, PlanRead | None] = g.setdefault("plan_rows", {})
    if person.id not in cache:
        cache[person.id] = own_plan(person.id)
    return cache[person.id]


def plan_head(person: Person) -> PlanHead | None:
    """The person's plan without its collections, read once per request (none at all when
    the whole plan was already read: it is a head too)."""
    whole: dict[str, PlanRead | None] = g.get("plan_rows", {})
    if person.id in whole:
        return whole[person.id]
    cache: dict[str, PlanHead | None] = g.setdefault("plan_heads", {})
    if person.id not in cache:
        cache[person.id] = own_plan_head(person.id)
    return cache[person.id]


def goal_of(person: Person) -> dict[str, Any] | None:
    """The plan's overall goal, all the overview shows of the plan; None without a plan."""
    head = plan_head(person)
    return None if head is None else serialize.goal(head)


def plan_of(person: Person) -> dict[str, Any] | None:
    """The person's joint plan as the contract shapes it and this caller may read it now;
    None without one."""
    plan = plan_row(person)
    return None if plan is None else plan_for(caller_from_headers(), plan)


def cases_of(person: Person) -> list[dict[str, Any]]:
    return [serialize.case(c) for c in rows.cases(person.id)]


def appointments_of(person: Person, when: str = "all") -> list[dict[str, Any]]:
    """Upcoming soonest first, then past newest first (`when` picks one half or both)."""
    found = rows.appointments(person.id)
    moment = clock.now()
    upcoming = sorted((a for a in found if a.end_at >= moment), key=lambda a: (a.start_at, a.id))
    past = sorted(
        (a for a in found if a.end_at < moment), key=lambda a: (a.start_at, a.id), reverse=True
    )
    chosen = {"upcoming": upcoming, "past": past, "all": upcoming + past}[when]
    return [serialize.appointment(a) for a in chosen]


def contacts_of(person: Person) -> dict[str, Any]:
    found = rows.contacts(person.id)
    primary = next((c.id for c in found if c.is_primary), None)
    return {"items": [serialize.contact(c) for c in found], "primary_contact_id": primary}


def plan_for(caller: Caller, plan: PlanRead) -> dict[str, Any]:
    """The plan as this caller may read it now.

    The person (and whoever acts for him) reads all of it, each department's part saying
    whether it is still shared. A caseworker reads the shared plan only by consent: after a
    withdrawal, the parts of departments that no longer share are left out, except those
    of the caseworker's own department.
    """
    share = sharing.of_person(plan.person_id)
    data = serialize.plan(plan, share)
    if caller.role != "caseworker" or share.status == "none":
        return data
    worker = db.session.get(Caseworker, caller.actor_id)
    own = worker.department if worker else None

    def visible(part: dict[str, Any]) -> bool:
        return bool(part["shared"]) or (own is not None and part["department"] == own)

    for key in ("sector_plans", "interventions", "sub_goals"):
        data[key] = [part for part in data[key] if visible(part)]
    data["benefits"] = [
        b for b in data["benefits"] if share.shares(b["department"]) or b["department"] == own
    ]
    if not share.joint:
        data["agreements"] = []
    return data


@bp.get("/cases")
def list_cases(person_id: str) -> ResponseReturnValue:
    _, person = authorize(person_id, "cases:read", resource="cases")
    return jsonify({"items": cases_of(person)})


@bp.get("/cases/<id:case_id>")
def get_case(person_id: str, case_id: str) -> ResponseReturnValue:
    _, person = authorize(person_id, "cases:read", resource=f"cases/{case_id}"[:200])
    found = db.session.get(Case, case_id) if ID_RE.fullmatch(case_id) else None
    if found is None or found.person_id != person.id:
        raise not_found("case")
    return jsonify(serialize.case(found))


@bp.get("/appointments")
def list_appointments(person_id: str) -> ResponseReturnValue:
    when = request.args.get("when", "all")
    if when not in ("upcoming", "past", "all"):
        raise invalid([{"field": "when", "message": "must be upcoming, past or all"}], status=400)
    _, person = authorize(person_id, "appointments:read", resource="appointments")
    return jsonify({"items": appointments_of(person, when)})


def _appointment(person_id: str, appointment_id: str) -> Appointment:
    found = db.session.get(Appointment, appointment_id) if ID_RE.fullmatch(appointment_id) else None
    if found is None or found.person_id != person_id:
        raise not_found("appointment")
    return found


@bp.get("/appointments/<id:appointment_id>")
def get_appointment(person_id: str, appointment_id: str) -> ResponseReturnValue:
    _, person = authorize(
        person_id, "appointments:read", resource=f"appointments/{appointment_id}"[:200]
    )
    return jsonify(serialize.appointment(_appointment(person.id, appointment_id)))


@bp.post("/appointments/<id:appointment_id>/change-requests")
def request_change(person_id: str, appointment_id: str) -> ResponseReturnValue:
    caller, person = authorize(person_id, "appointments:write", resource="appointments")
    appointment = _appointment(person.id, appointment_id)
    key = key_from_headers()
    body = parse(ChangeRequestIn)
    moment = clock.now()
    errors = []
    for index, window in enumerate(body.preferred_times):
        if window.end <= window.start:
            errors.append(
                {"field": f"preferred_times.{index}.end", "message": "must be after start"}
            )
        if window.start <= moment:
            errors.append(
                {"field": f"preferred_times.{index}.start", "message": "must be in the future"}
            )
    if errors:
        raise invalid(errors)

    def work() -> tuple[dict[str, Any], int]:
        if appointment.status in ("cancelled", "held") or appointment.end_at < moment:
            raise Problem(409, "This appointment can no longer be moved.", kind="conflict")
        change = ChangeRequest(
            id=new_id("cr"),
            appointment_id=appointment.id,
            reason=body.reason.strip(),
            preferred_times=[
                {"start": clock.iso(w.start), "end": clock.iso(w.end)} for w in body.preferred_times
            ],
            status="received",
            created_at=moment,
            created_by_id=caller.actor_id,
            created_by_name=person.name if caller.basis == "self" else _name(caller.actor_id),
        )
        db.session.add(change)
        when = clock.local(appointment.start_at).strftime("%d.%m.%Y kl. %H.%M")
        notify_caseworkers(
            person.id,
            "appointment_change_requested",
            f"{person.name} beder om at flytte aftalen {when}: {change.reason[:200]}",
            appointment_id=appointment.id,
        )
        log_access(person.id, caller, action="change", resource=f"appointments/{appointment.id}")
        db.session.flush()
        return serialize.change_request(change), 201

    return run_once(key, work)


def _name(person_id: str) -> str:
    found = db.session.get(Person, person_id)
    return found.name if found else person_id


@bp.get("/contacts")
def list_contacts(person_id: str) -> ResponseReturnValue:
    _, person = authorize(person_id, "contacts:read", resource="contacts")
    return jsonify(contacts_of(person))
