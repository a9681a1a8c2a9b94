"""Appointments, cases, contacts and consents as the page reads use them: Core rows.

The same idea as `planapi.plan_rows`: a read that only shows what is stored runs statements
built once, with no ORM identity map, and hands the serialiser rows that read like the
models (`Joined` adds the related parts: `appointment.person`, `case.steps`). Writes, and a
read that has to record something (a consent's expiry), keep the ORM models.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Row, Select, Table, select

from planapi.extensions import db
from planapi.models import (
    Appointment,
    Case,
    CaseStep,
    ChangeRequest,
    Consent,
    ConsentEvent,
    ConsentScope,
    ConsentText,
    Contact,
    MissingDocument,
)
from planapi.plan_rows import CASEWORKERS, IDS, PERSON, PERSONS, CaseworkerRead, PersonRef


class Joined:
    """A row read like its model: its columns, and the related parts given by name."""

    def __init__(self, row: Row[Any], **parts: Any) -> None:
        self._row = row
        self.__dict__.update(parts)

    def __getattr__(self, name: str) -> Any:
        row = self.__dict__.get("_row")
        if row is None or name.startswith("__"):
            raise AttributeError(name)
        return getattr(row, name)


@dataclass(frozen=True)
class ConsentTextRead:
    version: str
    published_on: date
    title_da: str
    title_en: str
    body_da: str
    body_en: str


APPOINTMENTS: Table = Appointment.__table__
CHANGE_REQUESTS: Table = ChangeRequest.__table__
CASES: Table = Case.__table__
STEPS: Table = CaseStep.__table__
MISSING: Table = MissingDocument.__table__
CONTACTS: Table = Contact.__table__
CONSENTS: Table = Consent.__table__
SCOPES: Table = ConsentScope.__table__
EVENTS: Table = ConsentEvent.__table__
TEXTS: Table = ConsentText.__table__

OWN_APPOINTMENTS = (
    select(APPOINTMENTS, PERSONS.c.name.label("person_name"))
    .join(PERSONS, PERSONS.c.id == APPOINTMENTS.c.person_id)
    .where(APPOINTMENTS.c.person_id == PERSON)
)
REQUESTS_OF = (
    select(CHANGE_REQUESTS)
    .where(CHANGE_REQUESTS.c.appointment_id.in_(IDS))
    .order_by(CHANGE_REQUESTS.c.created_at)
)
OWN_CONTACTS = (
    select(CONTACTS)
    .where(CONTACTS.c.person_id == PERSON)
    .order_by(CONTACTS.c.is_primary.desc(), CONTACTS.c.position)
)
OWN_CASES = (
    select(
        CASES,
        PERSONS.c.name.label("person_name"),
        *[c.label(f"cw_{c.name}") for c in CASEWORKERS.c],
    )
    .join(PERSONS, PERSONS.c.id == CASES.c.person_id)
    .join(CASEWORKERS, CASEWORKERS.c.id == CASES.c.caseworker_id)
    .where(CASES.c.person_id == PERSON)
    .order_by(CASES.c.received_on.desc(), CASES.c.id)
)
STEPS_OF = select(STEPS).where(STEPS.c.case_id.in_(IDS)).order_by(STEPS.c.position)
MISSING_OF = select(MISSING).where(MISSING.c.case_id.in_(IDS)).order_by(MISSING.c.position)
OWN_CONSENTS = (
    select(
        CONSENTS,
        PERSONS.c.name.label("person_name"),
        *[c.label(f"tx_{c.name}") for c in TEXTS.c],
    )
    .join(PERSONS, PERSONS.c.id == CONSENTS.c.person_id)
    .join(TEXTS, TEXTS.c.version == CONSENTS.c.text_version)
    .where(CONSENTS.c.person_id == PERSON)
    .order_by(CONSENTS.c.granted_at.desc())
)
SCOPES_OF = select(SCOPES).where(SCOPES.c.consent_id.in_(IDS)).order_by(SCOPES.c.position)
EVENTS_OF = select(EVENTS).where(EVENTS.c.consent_id.in_(IDS)).order_by(EVENTS.c.at)


def _rows(statement: Select[Any], **params: Any) -> Sequence[Row[Any]]:
    return db.session.connection().execute(statement, params).all()


def _by(statement: Select[Any], key: str, ids: list[str]) -> dict[str, list[Row[Any]]]:
    """The rows of `statement` for these parents, grouped by the parent's id (`key`)."""
    grouped: dict[str, list[Row[Any]]] = defaultdict(list)
    if ids:
        for row in _rows(statement, ids=ids):
            grouped[getattr(row, key)].append(row)
    return grouped


def appointments(person_id: str) -> list[Joined]:
    """The person's appointments (in no order), each with its requests to move it."""
    rows = _rows(OWN_APPOINTMENTS, person_id=person_id)
    requests = _by(REQUESTS_OF, "appointment_id", [r.id for r in rows])
    return [
        Joined(r, person=PersonRef(r.person_id, r.person_name), change_requests=requests[r.id])
        for r in rows
    ]


def contacts(person_id: str) -> Sequence[Row[Any]]:
    """The person's contacts, the primary one first, then in their order."""
    return _rows(OWN_CONTACTS, person_id=person_id)


def cases(person_id: str) -> list[Joined]:
    """The person's cases, newest first, each with its steps and missing documents."""
    rows = _rows(OWN_CASES, person_id=person_id)
    ids = [r.id for r in rows]
    steps, missing = _by(STEPS_OF, "case_id", ids), _by(MISSING_OF, "case_id", ids)
    return [
        Joined(
            r,
            person=PersonRef(r.person_id, r.person_name),
            caseworker=CaseworkerRead(
                **{c.name: getattr(r, f"cw_{c.name}") for c in CASEWORKERS.c}
            ),
            steps=steps[r.id],
            missing_documents=missing[r.id],
        )
        for r in rows
    ]


def consents(person_id: str) -> list[Joined]:
    """The person's consents, newest first, each with its text, scopes and events."""
    rows = _rows(OWN_CONSENTS, person_id=person_id)
    ids = [r.id for r in rows]
    scopes, events = _by(SCOPES_OF, "consent_id", ids), _by(EVENTS_OF, "consent_id", ids)
    return [
        Joined(
            r,
            person=PersonRef(r.person_id, r.person_name),
            text=ConsentTextRead(**{c.name: getattr(r, f"tx_{c.name}") for c in TEXTS.c}),
            scopes=scopes[r.id],
            events=events[r.id],
        )
        for r in rows
    ]
