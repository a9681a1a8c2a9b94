"""The notification service's tables in the portal's database.

`Notice` is one message to one recipient on one channel for one event (and one reminder
slot). The unique constraint makes planning idempotent: reading a feed page twice, or two
workers planning the same page, inserts each notice once. Sending claims a notice with a
lease (a conditional UPDATE): one worker holds it; if that worker dies, the lease runs out
and another takes it over.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models import utcnow


class NoticeFeedPosition(db.Model):  # type: ignore[name-defined]
    """How far the notifier has read the plan API's change feed (one row per feed)."""

    __tablename__ = "notice_feed_position"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    cursor: Mapped[str] = mapped_column(String(20), default="0")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Notice(db.Model):  # type: ignore[name-defined]
    __tablename__ = "notice"
    __table_args__ = (
        UniqueConstraint("event_id", "recipient_id", "channel", "slot", name="uq_notice_once"),
        Index("ix_notice_due", "status", "send_after"),
        Index("ix_notice_subject", "person_id", "resource"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64))
    event_seq: Mapped[int] = mapped_column(Integer)
    event_type: Mapped[str] = mapped_column(String(40))
    person_id: Mapped[str] = mapped_column(String(100))  # whom the event is about
    resource: Mapped[str] = mapped_column(String(200))
    recipient_id: Mapped[str] = mapped_column(String(100))  # a person id or caseworker id
    recipient_kind: Mapped[str] = mapped_column(String(16))  # citizen | caseworker
    channel: Mapped[str] = mapped_column(String(16))  # email | sms | digital_post
    slot: Mapped[str] = mapped_column(String(16))  # now | day-before | due | due+3 | 30d | 7d
    kind: Mapped[str] = mapped_column(String(40))  # the text to send (see texts.py)
    address: Mapped[str] = mapped_column(String(200))  # e-mail, mobile number or CPR number
    language: Mapped[str] = mapped_column(String(2))
    send_after: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|stale|failed
    lease_owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class NoticeSettings(db.Model):  # type: ignore[name-defined]
    """A citizen's choices on "Beskeder til dig". No row: official notices by Digital Post."""

    __tablename__ = "notice_settings"

    person_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    mobile: Mapped[str | None] = mapped_column(String(20), nullable=True)
    mobile_confirmed_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    language: Mapped[str] = mapped_column(String(2), default="da")
    # The kinds of notice the citizen turned off (by e-mail and SMS; Digital Post is official).
    muted: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NoticeCode(db.Model):  # type: ignore[name-defined]
    """A one-time code sent to a new e-mail address or mobile number (only its hash kept)."""

    __tablename__ = "notice_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[str] = mapped_column(String(100), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(200))
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    tries: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class NoticeSettingsChange(db.Model):  # type: ignore[name-defined]
    """Every change to a person's notice settings: what, by whom, on what basis, when."""

    __tablename__ = "notice_settings_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[str] = mapped_column(String(100), index=True)
    actor_id: Mapped[str] = mapped_column(String(100))
    actor_name: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str] = mapped_column(String(32))
    what: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NoticeEvent(db.Model):  # type: ignore[name-defined]
    """Each feed event the notifier has taken in (ids and types only): planning happens once
    per event, and a notice is stale if a later event here supersedes it."""

    __tablename__ = "notice_event"
    __table_args__ = (Index("ix_notice_event_subject", "person_id", "resource"),)

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(40))
    person_id: Mapped[str] = mapped_column(String(100))
    resource: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Scheduling facts from the feed (dates, department keys); the advisering list shows them.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AdviseringSeen(db.Model):  # type: ignore[name-defined]
    """A caseworker marked an advisering (a consent event) as seen."""

    __tablename__ = "advisering_seen"

    caseworker_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
