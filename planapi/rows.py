"""Appointments, cases, contacts and consents as the page reads use them: Core rows.

The same idea as `planapi.plan_rows`: a read that only shows what is stored runs statements
built once, with no ORM identity map, and hands the serialiser rows that read like the
models (`Joined` adds the related parts: `appointment.person`, `case.steps`). Writes, and a
read that has to record something (a consent's expiry), keep the ORM models.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, Table, select

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
from planapi.plan_rows import (
    CASEWORKERS,
    IDS,
    PERSON,
    PERSONS,
    CaseworkerRead,
    PersonRef,
    grouped_by,
    prefixed,
    rows_of,
    unprefixed,
)


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


def _owned(table: Table, joined: Table, prefix: str, on: ColumnElement[bool]) -> Select[Any]:
    """The person's rows of `table`, with the person's name and `joined`'s columns."""
    return (
        select(table, PERSONS.c.name.label("person_name"), *prefixed(joined, prefix))
        .join(PERSONS, PERSONS.c.id == table.c.person_id)
        .join(joined, on)
        .where(table.c.person_id == PERSON)
    )


OWN_CASES = _owned(CASES, CASEWORKERS, "cw", CASEWORKERS.c.id == CASES.c.caseworker_id).order_by(
    CASES.c.received_on.desc(), CASES.c.id
)
STEPS_OF = select(STEPS).where(STEPS.c.case_id.in_(IDS)).order_by(STEPS.c.position)
MISSING_OF = select(MISSING).where(MISSING.c.case_id.in_(IDS)).order_by(MISSING.c.position)
OWN_CONSENTS = _owned(CONSENTS, TEXTS, "tx", TEXTS.c.version == CONSENTS.c.text_version).order_by(
    CONSENTS.c.granted_at.desc()
)
SCOPES_OF = select(SCOPES).where(SCOPES.c.consent_id.in_(IDS)).order_by(SCOPES.c.position)
EVENTS_OF = select(EVENTS).where(EVENTS.c.consent_id.in_(IDS)).order_by(EVENTS.c.at)


def _owned_rows(
    statement: Select[Any],
    person_id: str,
    parts: dict[str, tuple[Select[Any], str]],
    **refs: Callable[[Row[Any]], Any],
) -> list[Joined]:
    """The person's rows of `statement`, each with the person, its `parts` (statement and
    the parts' key to the row's id: one query per part for all rows) and `refs` (made from
    the row itself)."""
    rows = rows_of(statement, person_id=person_id)
    ids = [r.id for r in rows]
    grouped = {name: grouped_by(part, key, ids) for name, (part, key) in parts.items()}
    return [
        Joined(
            r,
            person=PersonRef(r.person_id, r.person_name),
            **{name: make(r) for name, make in refs.items()},
            **{name: rows_of[r.id] for name, rows_of in grouped.items()},
        )
        for r in rows
    ]


def appointments(person_id: str) -> list[Joined]:
    """The person's appointments (in no order), each with its requests to move it."""
    return _owned_rows(
        OWN_APPOINTMENTS, person_id, {"change_requests": (REQUESTS_OF, "appointment_id")}
    )


def contacts(person_id: str) -> Sequence[Row[Any]]:
    """The person's contacts, the primary one first, then in their order."""
    return rows_of(OWN_CONTACTS, person_id=person_id)


def cases(person_id: str) -> list[Joined]:
    """The person's cases, newest first, each with its steps and missing documents."""
    return _owned_rows(
        OWN_CASES,
        person_id,
        {"steps": (STEPS_OF, "case_id"), "missing_documents": (MISSING_OF, "case_id")},
        caseworker=lambda r: CaseworkerRead(**unprefixed(r, CASEWORKERS, "cw")),
    )


def consents(person_id: str) -> list[Joined]:
    """The person's consents, newest first, each with its text, scopes and events."""
    return _owned_rows(
        OWN_CONSENTS,
        person_id,
        {"scopes": (SCOPES_OF, "consent_id"), "events": (EVENTS_OF, "consent_id")},
        text=lambda r: ConsentTextRead(**unprefixed(r, TEXTS, "tx")),
    )
