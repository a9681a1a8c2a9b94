"""The portal's own data: the outbox of citizen submissions, and calendar-feed tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class OutboxMessage(db.Model):  # type: ignore[name-defined]
    """A write to the plan API that must arrive exactly once, even if the API is down now.

    The row is committed *before* the first delivery attempt, so a crash between the
    citizen's click and the plan API's answer loses nothing; the plan API deduplicates
    on `idempotency_key`, so a delivery repeated after a crash records nothing twice.
    The write's ids are columns (whose data, who sent it, which resource, which form), so
    nothing is parsed back out of `path`.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(60))
    person_id: Mapped[str] = mapped_column(String(100), index=True)
    actor_id: Mapped[str] = mapped_column(String(100), default="")
    resource_id: Mapped[str] = mapped_column(String(100), default="")
    form_key: Mapped[str] = mapped_column(String(64), default="")
    method: Mapped[str] = mapped_column(String(10), default="POST")
    path: Mapped[str] = mapped_column(String(500))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    caller: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|delivered|rejected
    attempts: Mapped[int] = mapped_column(default=0)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CalendarFeed(db.Model):  # type: ignore[name-defined]
    """A secret, revocable token for a person's personal calendar feed (.ics)."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[str] = mapped_column(String(100), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LoginState(db.Model):  # type: ignore[name-defined]
    """A login under way: the `state` sent to the identity provider and what to check on return.

    Kept in the shared database rather than the cookie session, so that taking it is one
    atomic DELETE: of two callbacks racing with the same state, exactly one gets it.
    """

    __tablename__ = "login_state"

    state: Mapped[str] = mapped_column(String(100), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
