"""Advisering: tell the caseworkers who hold a person in their caseload."""

from __future__ import annotations

from sqlalchemy import select

from planapi import clock
from planapi.extensions import db
from planapi.models import CaseloadEntry, Notification, new_id


def notify_caseworkers(
    person_id: str,
    kind: str,
    message: str,
    *,
    consent_id: str | None = None,
    appointment_id: str | None = None,
) -> list[Notification]:
    workers = db.session.scalars(
        select(CaseloadEntry.caseworker_id).where(CaseloadEntry.person_id == person_id)
    ).all()
    made = []
    for worker_id in workers:
        note = Notification(
            id=new_id("n"),
            caseworker_id=worker_id,
            kind=kind,
            person_id=person_id,
            consent_id=consent_id,
            appointment_id=appointment_id,
            message=message,
            created_at=clock.now(),
            read_at=None,
        )
        db.session.add(note)
        made.append(note)
    return made
