"""The notification service: follow the feed, plan notices, send each exactly once.

The job engine (huey, `portal/notices/jobs.py`) decides *when* these run and retries them;
correctness lives here, in the database:
- `follow()` reads one page of the plan API's feed and, in one transaction, records the
  events, inserts the planned notices (a unique constraint per event, recipient, channel
  and slot makes a repeated page harmless) and moves the cursor.
- `queue_due()` hands due notices to the job engine, marking each as queued for a while so
  the next tick does not queue it again; a notice whose worker died is queued again once
  that mark runs out.
- `send_one()` claims a notice with a conditional UPDATE (only one worker wins), drops it if
  a later event made it stale, holds an SMS until quiet hours end, sends it and marks it
  sent. A worker killed after the channel accepted the message but before the commit is
  the one case that sends twice; the message then carries the same Message-ID / SMS
  reference / MeMo UUID, so the receiving side can tell.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app, render_template
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import OperationalError

from identity import Caller
from portal.clients.base import PlanAPIError, PlanAPIForbidden
from portal.clients.events import EventsClient, FeedEvent, NoticeRecipients
from portal.extensions import db, insert_for
from portal.notices import channels as channel_module
from portal.notices import rules, texts
from portal.notices.models import Notice, NoticeEvent, NoticeFeedPosition, NoticeSettings

FEED = "planapi"
MAX_ATTEMPTS = 8


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _clock() -> datetime:
    fixed = current_app.config.get("NOTICES_NOW")
    return fixed() if callable(fixed) else datetime.now(UTC)


def _quiet() -> rules.Quiet:
    return rules.parse_quiet(current_app.config["NOTICES_SMS_QUIET_HOURS"])


def _insert(model: type, rows: list[dict[str, Any]], *keys: str) -> None:
    if not rows:
        return
    db.session.execute(insert_for(model).values(rows).on_conflict_do_nothing(index_elements=keys))


def follow(limit: int = 100) -> int:
    """Take in one page of the feed; returns how many events it held."""
    position = db.session.get(NoticeFeedPosition, FEED)
    cursor = position.cursor if position else "0"
    page = EventsClient().list_events(cursor, limit)
    now = _clock()
    seen = set(
        db.session.scalars(
            select(NoticeEvent.event_id).where(
                NoticeEvent.event_id.in_([e.id for e in page.events])
            )
        )
    )
    recipients: dict[str, NoticeRecipients] = {}
    notices: list[dict[str, Any]] = []
    for event in page.events:
        if event.id in seen:
            continue
        if event.type in rules.CITIZEN_EVENTS or event.type in rules.ADVISERING_EVENTS:
            if event.person_id not in recipients:
                recipients[event.person_id] = EventsClient().list_notice_recipients(event.person_id)
            notices += _rows(event, recipients[event.person_id], now)
    _insert(
        NoticeEvent,
        [
            {
                "event_id": e.id,
                "seq": int(e.cursor),
                "type": e.type,
                "person_id": e.person_id,
                "resource": e.resource,
                "at": e.at,
                "data": e.data,
            }
            for e in page.events
            if e.id not in seen
        ],
        "event_id",
    )
    _insert(Notice, notices, "event_id", "recipient_id", "channel", "slot")
    if position is None:
        position = NoticeFeedPosition(name=FEED)
        db.session.add(position)
    position.cursor = page.next_cursor
    position.updated_at = now
    db.session.commit()
    return len(page.events)


def _rows(event: FeedEvent, recipients: NoticeRecipients, now: datetime) -> list[dict[str, Any]]:
    planned = rules.plan(
        event,
        recipients,
        lambda person_id: db.session.get(NoticeSettings, person_id),
        now,
        child_from_15=bool(current_app.config["NOTICES_CHILD_FROM_15"]),
        quiet=_quiet(),
    )
    return [
        {
            "event_id": event.id,
            "event_seq": int(event.cursor),
            "event_type": event.type,
            "person_id": event.person_id,
            "resource": event.resource,
            "recipient_id": p.recipient_id,
            "recipient_kind": p.recipient_kind,
            "channel": p.channel,
            "slot": p.slot,
            "kind": p.kind,
            "address": p.address,
            "language": p.language,
            "send_after": p.send_after.astimezone(UTC),
            "status": "pending",
            "attempts": 0,
            "created_at": now,
        }
        for p in planned
    ]


def follow_all(limit: int = 100) -> int:
    total = 0
    while True:
        taken = follow(limit)
        total += taken
        if taken < limit:
            return total


def _free(now: datetime) -> Any:
    return or_(Notice.lease_until.is_(None), Notice.lease_until < now)


def queue_due(enqueue: Callable[[int], object], limit: int = 500) -> int:
    """Hand due notices to the job engine, each marked as queued for one lease."""
    now = _clock()
    lease = timedelta(seconds=current_app.config["NOTICES_LEASE_SECONDS"])
    ids = db.session.scalars(
        select(Notice.id)
        .where(Notice.status == "pending", Notice.send_after <= now, _free(now))
        # equivalent: by `send_after` alone (or `None` for the id): SQLite, the tests' database,
        # reads ties in id order anyway (ix_notice_due, its plan here, ends in the row id)
        .order_by(Notice.send_after, Notice.id)  # equivalent: above
        .limit(limit)
    ).all()
    queued = []
    for notice_id in ids:
        marked = db.session.execute(
            update(Notice)
            .where(Notice.id == notice_id, Notice.status == "pending", _free(now))
            .values(lease_owner="queued", lease_until=now + lease)
        )
        if marked.rowcount == 1:  # type: ignore[attr-defined]
            queued.append(notice_id)
    db.session.commit()
    for notice_id in queued:
        enqueue(notice_id)
    return len(queued)


def _claim(notice_id: int, owner: str, now: datetime) -> Notice | None:
    lease = timedelta(seconds=current_app.config["NOTICES_LEASE_SECONDS"])
    claimed = db.session.execute(
        update(Notice)
        .where(
            Notice.id == notice_id,
            Notice.status == "pending",
            or_(Notice.lease_owner == "queued", _free(now)),
        )
        .values(lease_owner=owner, lease_until=now + lease, attempts=Notice.attempts + 1)
    )
    db.session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.session.get(Notice, notice_id)


def is_stale(notice: Notice) -> bool:
    later = rules.SUPERSEDED_BY.get(notice.event_type)
    if not later:
        return False
    return (
        db.session.scalar(
            select(NoticeEvent.event_id)
            .where(
                and_(
                    NoticeEvent.person_id == notice.person_id,
                    NoticeEvent.resource == notice.resource,
                    NoticeEvent.seq > notice.event_seq,
                    NoticeEvent.type.in_(later),
                )
            )
            # equivalent: `limit(2)` or `limit(None)`: scalar() takes the first row and drops
            # the rest, and only whether there is one counts
            .limit(1)  # equivalent: above
        )
        is not None
    )


def _finish(notice: Notice, owner: str, **values: Any) -> None:
    """Record the outcome. After a send this commit is all that stands between "sent" and
    a resend when the lease runs out, so a busy database is waited for, not given up on."""
    # equivalent: `range(6)`: the fifth failure (attempt 4) raises, so a sixth try never starts
    for attempt in range(5):  # equivalent: above
        try:
            db.session.execute(
                update(Notice)
                .where(Notice.id == notice.id, Notice.lease_owner == owner)
                .values(lease_owner=None, lease_until=None, **values)
            )
            db.session.commit()
            return
        except OperationalError:
            db.session.rollback()
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))


def _public_base(config: Any) -> str:
    """The one public address (PORTAL_PUBLIC_BASE_URL, required in production);
    `flask run`'s own without it."""
    return str(config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000")


PLAN_PDF_NAMES = {"da": "min-plan.pdf", "en": "my-plan.pdf"}


def _reader(notice: Notice) -> Caller | None:
    """Whom the plan is read as for a letter to this recipient: the person, a parent with
    custody or a power-of-attorney holder, as the plan API names them now (None: no longer
    one of them)."""
    if notice.recipient_id == notice.person_id:
        return Caller.as_self(notice.person_id)
    for recipient in EventsClient().list_notice_recipients(notice.person_id).recipients:
        if recipient.person_id == notice.recipient_id:
            if recipient.basis == "custody":
                return Caller.custody(recipient.person_id)
            if recipient.basis == "power_of_attorney":
                return Caller.power_of_attorney(recipient.person_id)
    return None


def _plan_attachment(notice: Notice) -> tuple[channel_module.Attachment, ...]:
    """The changed plan as the one-page fridge plan in PDF, read as the recipient would read
    it (so the plan API checks the basis and logs the read), for a Digital Post letter. If
    the plan API does not answer, the letter waits and is tried again with the rest."""
    from portal.pdf import plan_pdf  # WeasyPrint is loaded only by a worker that needs it

    try:
        caller = _reader(notice)
        if caller is None:
            return ()
        content = plan_pdf(caller, notice.person_id, kind="fridge", language=notice.language)
    except PlanAPIForbidden:
        return ()  # e.g. a power of attorney that does not cover the plan: the letter alone
    except PlanAPIError as exc:
        raise channel_module.ChannelError(f"plan PDF: {exc}") from exc
    name = PLAN_PDF_NAMES.get(notice.language, PLAN_PDF_NAMES["da"])
    return (channel_module.Attachment(name, "application/pdf", content),)


def outgoing(notice: Notice, sent_by: str = "") -> channel_module.Outgoing:
    config = current_app.config
    text = texts.compose(notice.kind, notice.language, _public_base(config), notice.resource)
    html = render_template("notices/email.html", text=text, language=notice.language)
    attachments: tuple[channel_module.Attachment, ...] = ()
    if notice.channel == "digital_post" and notice.event_type == "plan.changed":
        attachments = _plan_attachment(notice)
    return channel_module.Outgoing(
        reference=f"notice-{notice.id}",
        to=notice.address,
        subject=text.subject,
        text=text.body,
        html=html,
        language=notice.language,
        attachments=attachments,
        sent_by=sent_by,
    )


def send_one(notice_id: int, owner: str | None = None) -> str:
    """Claim, check, send, mark. Returns what happened (for logs and tests)."""
    owner = owner or worker_id()
    now = _clock()
    notice = _claim(notice_id, owner, now)
    if notice is None:
        return "taken"
    if is_stale(notice):
        _finish(notice, owner, status="stale")
        return "stale"
    if notice.channel == "sms":
        allowed = rules.after_quiet_hours(now, _quiet())
        if allowed > now:
            _finish(notice, owner, send_after=allowed)
            return "waits"
    channel = current_app.extensions["notice_channels"][notice.channel]
    try:
        # A request context at the public address (a trusted host), for url_for and templates.
        with current_app.test_request_context(
            # equivalent: the path left out (its default is "/") or "XX/XX": nothing reads
            # it, url_for and the e-mail template use only the base URL
            "/",  # equivalent: above
            base_url=_public_base(current_app.config),
        ):
            message = outgoing(notice, owner)
        channel.send(message)
    except (channel_module.ChannelError, texts.UnsafeText) as exc:
        failed = notice.attempts >= MAX_ATTEMPTS or isinstance(exc, texts.UnsafeText)
        backoff = timedelta(
            # equivalent: `min(notice.attempts, 8)`: from 7 tries on, 30 s · 2⁷ = 3840 s is
            # over the hour's cap either way
            seconds=min(3600, 30 * 2 ** min(notice.attempts, 7))  # equivalent: above
        )
        _finish(
            notice,
            owner,
            status="failed" if failed else "pending",
            send_after=now + backoff,
            last_error=str(exc)[:500],
        )
        raise
    _finish(notice, owner, status="sent", sent_at=_clock(), last_error=None)
    return "sent"
