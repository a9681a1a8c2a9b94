"""Half-answered questionnaires, kept in the portal's DB so the citizen can resume later.

A draft belongs to the person logged in *and* the person answered for (a parent may
answer for a child), one per instrument. It also holds the idempotency key of the round
being answered, so that resuming and sending later still records one response.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db
from portal.models import utcnow


class QuestionnaireDraft(db.Model):  # type: ignore[name-defined]
    __tablename__ = "questionnaire_draft"
    __table_args__ = (UniqueConstraint("actor_id", "person_id", "instrument_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[str] = mapped_column(String(100))
    person_id: Mapped[str] = mapped_column(String(100), index=True)
    instrument_id: Mapped[str] = mapped_column(String(100))
    instrument_version: Mapped[str] = mapped_column(String(50))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    form_key: Mapped[str] = mapped_column(String(64))
    # The instrument as answered, so "Send" works while the plan API is down.
    instrument: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


def _the_draft(actor_id: str, person_id: str, instrument_id: str) -> tuple[Any, ...]:
    """The row of one person's draft of one questionnaire, as written by one actor."""
    return (
        QuestionnaireDraft.actor_id == actor_id,
        QuestionnaireDraft.person_id == person_id,
        QuestionnaireDraft.instrument_id == instrument_id,
    )


def find(actor_id: str, person_id: str, instrument_id: str) -> QuestionnaireDraft | None:
    return db.session.scalar(
        select(QuestionnaireDraft).where(*_the_draft(actor_id, person_id, instrument_id))
    )


def save(
    *,
    actor_id: str,
    person_id: str,
    instrument_id: str,
    instrument_version: str,
    answers: dict[str, int],
    form_key: str,
    instrument: dict[str, Any] | None = None,
) -> QuestionnaireDraft:
    # Two tabs (or two devices) of the same person may save, or send and so discard, at
    # the same moment: the save that loses the race to create the row updates the row the
    # other made, and one whose row was discarded under it makes the row anew.
    for attempt in (1, 2):
        draft = find(actor_id, person_id, instrument_id)
        if draft is None:
            draft = QuestionnaireDraft(
                actor_id=actor_id, person_id=person_id, instrument_id=instrument_id
            )
            db.session.add(draft)
        draft.instrument_version = instrument_version
        draft.answers = dict(answers)
        draft.form_key = form_key
        draft.instrument = instrument
        try:
            db.session.commit()
        except (IntegrityError, StaleDataError):
            db.session.rollback()
            if attempt == 2:
                raise
            continue
        return draft
    raise AssertionError("unreachable")


def discard(actor_id: str, person_id: str, instrument_id: str) -> None:
    """Delete the draft if there is one (a concurrent discard of it is no error)."""
    db.session.execute(
        delete(QuestionnaireDraft).where(*_the_draft(actor_id, person_id, instrument_id))
    )
    db.session.commit()


def for_person(actor_id: str, person_id: str) -> dict[str, QuestionnaireDraft]:
    rows = db.session.scalars(
        select(QuestionnaireDraft).where(
            QuestionnaireDraft.actor_id == actor_id, QuestionnaireDraft.person_id == person_id
        )
    )
    return {row.instrument_id: row for row in rows}
