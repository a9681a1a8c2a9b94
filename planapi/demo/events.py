"""`flask --app planapi demo-event TYPE PERSON`: make one change a municipal system would make
(move an appointment, change the plan, ask for a statement ...) and record its event with it.

The reference server has no caseworker write API; in the demo and in tests this command
stands in for the case systems behind the contract.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from planapi import clock, events
from planapi.extensions import db
from planapi.models import Appointment, Case, Consent, Event, MissingDocument, Plan, new_id
from planapi.problems import Problem


def _next_appointment(person_id: str) -> Appointment:
    found = db.session.scalar(
        select(Appointment)
        .where(
            Appointment.person_id == person_id,
            Appointment.status.in_(("planned", "moved")),
            Appointment.start_at > clock.now(),
        )
        .order_by(Appointment.start_at)
        .limit(1)
    )
    if found is None:
        raise Problem(404, f"{person_id} has no coming appointment.", kind="not-found")
    return found


def appointment_moved(person_id: str, days: int) -> Event:
    appointment = _next_appointment(person_id)
    appointment.previous_start = appointment.start_at
    appointment.start_at += timedelta(days=days)
    appointment.end_at += timedelta(days=days)
    appointment.status = "moved"
    return events.record(
        "appointment.moved",
        person_id,
        f"appointments/{appointment.id}",
        {"start_at": appointment.start_at, "previous_start": appointment.previous_start},
    )


def appointment_created(person_id: str, days: int) -> Event:
    plan = _plan(person_id)
    day = clock.today() + timedelta(days=days)
    start = clock.local(clock.now()).replace(
        year=day.year, month=day.month, day=day.day, hour=10, minute=0, second=0, microsecond=0
    )
    appointment = Appointment(
        id=new_id("ap"),
        person_id=person_id,
        title="Opfølgningsmøde",
        purpose="Vi følger op på din plan sammen.",
        start_at=start,
        end_at=start + timedelta(hours=1),
        location_kind="in_person",
        address="Rådhuspladsen 1, 9999 Nordby",
        room="Mødelokale 2",
        video_url=None,
        participants=[{"name": plan.coordinator.name, "role": "koordinerende sagsbehandler"}],
        organiser=plan.coordinator.name,
        status="planned",
        previous_start=None,
    )
    db.session.add(appointment)
    return events.record(
        "appointment.created", person_id, f"appointments/{appointment.id}", {"start_at": start}
    )


def appointment_cancelled(person_id: str, days: int) -> Event:
    appointment = _next_appointment(person_id)
    appointment.status = "cancelled"
    return events.record(
        "appointment.cancelled",
        person_id,
        f"appointments/{appointment.id}",
        {"start_at": appointment.start_at},
    )


def _plan(person_id: str) -> Plan:
    plan = db.session.scalar(select(Plan).where(Plan.person_id == person_id))
    if plan is None:
        raise Problem(404, f"{person_id} has no plan.", kind="no-plan")
    return plan


def plan_changed(person_id: str, days: int) -> Event:
    plan = _plan(person_id)
    plan.version += 1
    plan.updated_at = clock.now()
    plan.updated_by = plan.coordinator.name
    return events.record("plan.changed", person_id, "plan", {"version": plan.version})


def questionnaire_due(person_id: str, days: int) -> Event:
    """Due since `days` days ago (0: today), so that its notice goes out now, not at ten
    in the morning of the due day."""
    plan = _plan(person_id)
    plan.questionnaires_start_on = clock.today()
    due_on = clock.today() - timedelta(days=days)
    return events.record("questionnaire.due", person_id, "questionnaires/who-5", {"due_on": due_on})


def consent_expiring(person_id: str, days: int) -> Event:
    consent = db.session.scalar(
        select(Consent)
        .where(Consent.person_id == person_id, Consent.withdrawn_at.is_(None))
        .order_by(Consent.expires_at)
        .limit(1)
    )
    if consent is None:
        raise Problem(404, f"{person_id} has no active consent.", kind="not-found")
    consent.expires_at = clock.now() + timedelta(days=days or 29)
    return events.record(
        "consent.expiring",
        person_id,
        f"consents/{consent.id}",
        {
            "expires_at": consent.expires_at,
            "departments": [s.department for s in consent.scopes if s.withdrawn_at is None],
        },
    )


def information_requested(person_id: str, days: int) -> Event:
    case = db.session.scalar(select(Case).where(Case.person_id == person_id).limit(1))
    if case is None:
        raise Problem(404, f"{person_id} has no case.", kind="not-found")
    document = MissingDocument(
        id=new_id("doc"),
        case_id=case.id,
        position=len(case.missing_documents) + 1,
        title="Oplysninger om økonomi",
        provided_by="dig",
        requested_on=clock.today(),
        due_on=clock.today() + timedelta(days=days or 14),
        status="missing",
        received_on=None,
    )
    db.session.add(document)
    return events.record(
        "information.requested",
        person_id,
        f"cases/{case.id}",
        {"document_id": document.id, "due_on": document.due_on},
    )


def message_received(person_id: str, days: int) -> Event:
    """A message from the coordinating caseworker (the event only: no message is stored)."""
    worker = _plan(person_id).coordinator
    return events.record(
        "message.received",
        person_id,
        f"messages/{new_id('m')}",
        {"from": "staff", "conversation_id": None, "caseworker_id": worker.id},
    )


MAKERS: dict[str, Callable[[str, int], Event]] = {
    "appointment-moved": appointment_moved,
    "appointment-created": appointment_created,
    "appointment-cancelled": appointment_cancelled,
    "plan-changed": plan_changed,
    "questionnaire-due": questionnaire_due,
    "consent-expiring": consent_expiring,
    "information-requested": information_requested,
    "message-received": message_received,
}


def make(kind: str, person_id: str, days: int = 1) -> Event:
    event = MAKERS[kind](person_id, days)
    db.session.commit()
    return event
