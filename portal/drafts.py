"""Half-answered questionnaires, kept in the portal's DB so the citizen can resume later.

A draft belongs to the person logged in *and* the person answered for (a parent may
answer for a child), one per instrument. It also holds the idempotency key of the round
being answered, so that resuming and sending later still records one response.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db, insert_for
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
    """Create or replace the draft in one statement (INSERT ... ON CONFLICT DO UPDATE).

    Two tabs (or two devices) of the same person may save, or send and so discard, at the
    same moment. A look for the row and then an insert or an update lost such races: the
    row could appear between the look and the insert, be discarded and made again, and
    the save failed (a 500 under load, twice in a row despite a retry). One statement
    leaves nothing between: the last save wins, and a draft discarded meanwhile is made
    anew."""
    values = {
        "actor_id": actor_id,
        "person_id": person_id,
        "instrument_id": instrument_id,
        "instrument_version": instrument_version,
        "answers": dict(answers),
        "form_key": form_key,
        "instrument": instrument,
        "updated_at": utcnow(),
    }
    insert = insert_for(QuestionnaireDraft)
    statement = (
        insert.values(values)
        .on_conflict_do_update(
            index_elements=["actor_id", "person_id", "instrument_id"],
            set_={name: insert.excluded[name] for name in _REPLACED},
        )
        .returning(QuestionnaireDraft)
    )
    draft: QuestionnaireDraft = db.session.scalars(statement).one()
    db.session.commit()  # and so a draft this session had read before is read afresh
    return draft


# What a save replaces in an existing draft (the key stays).
_REPLACED = ("instrument_version", "answers", "form_key", "instrument", "updated_at")


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
