"""Questionnaires: instruments, what is due, responses (validated against the scale), scores."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import bindparam, func, select

from planapi import clock, events, serialize, sharing
from planapi.access import ID_RE, actor_name, authorize, log_access
from planapi.extensions import db
from planapi.idempotency import key_from_headers, run_once
from planapi.inputs import ResponseIn, parse
from planapi.instruments import INSTRUMENTS, check_answers, for_audience, for_person, score
from planapi.models import Person, Plan, QuestionnaireResponse, new_id
from planapi.plan_rows import PlanHead, PlanRead
from planapi.problems import Problem, invalid
from planapi.views.involvements import member_plans

bp = Blueprint("questionnaires", __name__, url_prefix="/v1")

OVERDUE_AFTER = timedelta(days=14)


def _instrument_id(instrument_id: str) -> str:
    if instrument_id not in INSTRUMENTS:
        raise Problem(404, f"No instrument {instrument_id!r}.", kind="not-found")
    return instrument_id


def _plan(person: Person) -> PlanRead | None:
    from planapi.views.plan import plan_row

    return plan_row(person)


def _head(person: Person) -> PlanHead | None:
    """The plan without its collections: what is due needs only its cadence."""
    from planapi.views.plan import plan_head

    return plan_head(person)


def member_plan(person: Person) -> PlanRead | None:
    """The first plan of someone else that names this person as a family member."""
    return next(iter(member_plans(person)), None)


def _plan_for(person: Person, instrument_id: str) -> PlanRead | None:
    """The plan an instrument follows for this person: their own, or (for the questions to
    family members) the plan they are named in."""
    if INSTRUMENTS[instrument_id].get("audience") == "family_member":
        return member_plan(person)
    return _plan(person)


def _responses(person_id: str, instrument_id: str | None = None) -> list[QuestionnaireResponse]:
    query = select(QuestionnaireResponse).where(QuestionnaireResponse.person_id == person_id)
    if instrument_id:
        query = query.where(QuestionnaireResponse.instrument_id == instrument_id)
    return list(db.session.scalars(query.order_by(QuestionnaireResponse.answered_at)))


_RESPONSES = QuestionnaireResponse.__table__
# Built once (see planapi.plan_rows): the overview asks on every view.
LAST_ANSWERED = (
    select(_RESPONSES.c.instrument_id, func.max(_RESPONSES.c.answered_at))
    .where(_RESPONSES.c.person_id == bindparam("person_id"))
    .group_by(_RESPONSES.c.instrument_id)
)


def last_answered(person_id: str) -> dict[str, datetime]:
    """When the person last answered each questionnaire: one grouped query that reads no
    answers (what is due needs only the moment)."""
    rows = db.session.connection().execute(LAST_ANSWERED, {"person_id": person_id})
    return {instrument_id: at for instrument_id, at in rows}


def due_entry(
    plan: Plan | PlanHead,
    instrument_id: str,
    last_at: datetime | None,
    today: date,
    *,
    stopped: bool = False,
) -> dict[str, Any]:
    """One questionnaire's state: answered (until the next round), upcoming (never answered,
    first round not yet due), due, overdue, or stopped (the consent behind the joint
    follow-up was withdrawn or ran out)."""
    cadence = timedelta(weeks=plan.cadence_weeks)
    family = INSTRUMENTS[instrument_id].get("audience") == "family_member"
    # A family member is asked from the day the plan naming him was last agreed.
    first = clock.local(plan.updated_at).date() if family else plan.questionnaires_start_on
    due_on = clock.local(last_at).date() + cadence if last_at else first
    if stopped:
        status = "stopped"
    elif today < due_on:
        status = "answered" if last_at else "upcoming"
    elif today < due_on + OVERDUE_AFTER:
        status = "due"
    else:
        status = "overdue"
    instrument = for_person(instrument_id, plan.sub_goals)
    return {
        "instrument_id": instrument_id,
        "instrument_version": instrument["version"],
        "title": instrument["title"],
        "status": status,
        "due_on": due_on.isoformat(),
        "cadence_weeks": plan.cadence_weeks,
        "last_answered_at": clock.iso(last_at) if last_at else None,
        "item_count": len(instrument["items"]),
        "estimated_minutes": instrument["estimated_minutes"],
    }


@bp.get("/instruments")
def list_instruments() -> ResponseReturnValue:
    return jsonify({"items": list(INSTRUMENTS.values())})


@bp.get("/instruments/<id:instrument_id>")
def get_instrument(instrument_id: str) -> ResponseReturnValue:
    return jsonify(INSTRUMENTS[_instrument_id(instrument_id)])


@bp.get("/persons/<id:person_id>/questionnaires")
def list_due(person_id: str) -> ResponseReturnValue:
    _, person = authorize(person_id, "questionnaires:read", resource="questionnaires")
    return jsonify({"items": due_of(person)})


def due_of(person: Person) -> list[dict[str, Any]]:
    """What is due for the person, overdue first: from his own plan, and the questions to
    him as a family member named in someone else's plan; nothing without either."""
    today = clock.today()
    last = last_answered(person.id)
    items = []
    for audience, plan in (("person", _head(person)), ("family_member", member_plan(person))):
        if plan is None:
            continue
        stopped = not sharing.of_person(plan.person_id).joint
        for instrument_id in for_audience(audience):
            items.append(
                due_entry(plan, instrument_id, last.get(instrument_id), today, stopped=stopped)
            )
    order = {"overdue": 0, "due": 1, "answered": 2, "upcoming": 2, "stopped": 3}
    items.sort(key=lambda i: (order[i["status"]], i["due_on"]))
    return items


@bp.get("/persons/<id:person_id>/questionnaires/<id:instrument_id>")
def get_person_instrument(person_id: str, instrument_id: str) -> ResponseReturnValue:
    _, person = authorize(
        person_id, "questionnaires:read", resource=f"questionnaires/{instrument_id}"[:200]
    )
    plan = _plan_for(person, _instrument_id(instrument_id))
    return jsonify(for_person(instrument_id, plan.sub_goals if plan else []))


@bp.get("/persons/<id:person_id>/questionnaires/<id:instrument_id>/responses")
def list_responses(person_id: str, instrument_id: str) -> ResponseReturnValue:
    _, person = authorize(
        person_id, "questionnaires:read", resource=f"questionnaires/{instrument_id}"[:200]
    )
    rows = _responses(person.id, _instrument_id(instrument_id))
    return jsonify({"items": [serialize.response(r) for r in rows]})


@bp.post("/persons/<id:person_id>/questionnaires/<id:instrument_id>/responses")
def submit(person_id: str, instrument_id: str) -> ResponseReturnValue:
    caller, person = authorize(person_id, "questionnaires:write", resource="questionnaires")
    instrument_id = _instrument_id(instrument_id)
    key = key_from_headers()
    body = parse(ResponseIn)
    if INSTRUMENTS[instrument_id].get("audience") == "family_member" and caller.basis != "self":
        raise Problem(403, "A family member answers these questions as himself.", kind="forbidden")
    plan = _plan_for(person, instrument_id)
    if plan is None:
        raise Problem(409, "Questionnaires follow a plan; this person has none.", kind="no-plan")
    instrument = for_person(instrument_id, plan.sub_goals)
    errors = []
    if body.instrument_version != instrument["version"]:
        errors.append(
            {
                "field": "instrument_version",
                "message": f"the current version is {instrument['version']}",
            }
        )
    answers = [a.model_dump() for a in body.answers]
    errors += check_answers(instrument, answers)
    if errors:
        raise invalid(errors)
    by_item = {a["item_id"]: a["value"] for a in answers}
    ordered = [
        {"item_id": item["id"], "value": by_item[item["id"]]} for item in instrument["items"]
    ]

    def work() -> tuple[dict[str, Any], int]:
        raw, reported = score(instrument, by_item)
        row = QuestionnaireResponse(
            id=new_id("qr"),
            person_id=person.id,
            instrument_id=instrument_id,
            instrument_version=instrument["version"],
            language=body.language,
            answers=ordered,
            item_labels={i["id"]: i["text"] for i in instrument["items"]}
            if instrument["generated"]
            else {},
            raw=raw,
            reported=reported,
            answered_at=clock.now(),
            answered_by_id=caller.actor_id,
            answered_by_name=actor_name(caller),
            basis=caller.basis,
        )
        row.person = person
        db.session.add(row)
        log_access(person.id, caller, action="change", resource=f"questionnaires/{instrument_id}")
        events.record("questionnaire.answered", person.id, f"questionnaires/{instrument_id}")
        db.session.flush()
        return serialize.response(row), 201

    return run_once(key, work)


@bp.get("/persons/<id:person_id>/scores")
def list_scores(person_id: str) -> ResponseReturnValue:
    instrument_id = request.args.get("instrument_id")
    if instrument_id is not None and not ID_RE.fullmatch(instrument_id):
        raise invalid([{"field": "instrument_id", "message": "not an id"}], status=400)
    _, person = authorize(person_id, "questionnaires:read", resource="scores")
    rows = _responses(person.id, instrument_id)
    return jsonify({"items": [serialize.score(r) for r in rows]})
