"""The change feed: `record(...)` one event in the transaction of the change it describes.

Call it inside the same unit of work as the change (before the commit, e.g. inside the
`work()` of `run_once`): if the change rolls back, so does its event. The portal's
notification service reads the feed with `GET /v1/events?after=<cursor>` and keeps its
own place in it.

Ordering. The cursor is the row's `seq`. On PostgreSQL two transactions can take sequence
numbers 10 and 11 and commit 11 first; a reader then sees 11, moves past 10 and never sees
it. So each writer first takes one transaction-scoped advisory lock, held to its commit:
event-writing transactions commit in `seq` order, and a reader never sees a gap that is
later filled. (SQLite has one writer at a time anyway.)
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, text

from planapi import clock
from planapi.extensions import db
from planapi.models import Event, new_id

TYPES = (
    "appointment.created",
    "appointment.moved",
    "appointment.cancelled",
    "plan.changed",
    "questionnaire.due",
    "questionnaire.answered",
    "consent.granted",
    "consent.renewed",
    "consent.expiring",
    "consent.expired",
    "consent.withdrawn",
    "information.requested",
    "message.received",
)
# Any constant will do; it only has to be the same for every writer of this database.
_FEED_LOCK = 0x4D4F4556  # "MOEV"


def record(
    type: str,
    person_id: str,
    resource: str,
    data: dict[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> Event:
    """Add one event to the session (the caller commits, with its change).

    `resource` names the thing changed the way the API paths do (`appointments/ap-1`,
    `consents/c-1`, `questionnaires/who5`, `messages/m-1`). `data` carries only what a
    notifier needs to schedule (times, dates, department keys) - never free text.
    """
    if type not in TYPES:
        raise ValueError(f"unknown event type {type!r}")
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _FEED_LOCK})
    event = Event(
        id=new_id("ev"),
        type=type,
        person_id=person_id,
        resource=resource,
        at=at or clock.now(),
        data={k: _plain(v) for k, v in (data or {}).items()},
    )
    db.session.add(event)
    return event


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return clock.iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def recorded(type: str, person_id: str, resource: str, **data: Any) -> bool:
    """Whether an event of this type for this person and resource with these data exists
    (the daily scan records each due date or expiry once)."""
    wanted = {k: _plain(v) for k, v in data.items()}
    rows = db.session.scalars(
        select(Event.data).where(
            Event.type == type, Event.person_id == person_id, Event.resource == resource
        )
    )
    return any(all(row.get(k) == v for k, v in wanted.items()) for row in rows)


def serialize(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "cursor": str(event.seq),
        "type": event.type,
        "person_id": event.person_id,
        "resource": event.resource,
        "at": clock.iso(event.at),
        "data": event.data or {},
    }


def page(after: int, limit: int) -> list[Event]:
    return list(
        db.session.scalars(select(Event).where(Event.seq > after).order_by(Event.seq).limit(limit))
    )
