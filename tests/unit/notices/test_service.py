"""The notification service's own promises, each on its own, on a fixed clock: the feed read
page by page, due notices queued once per lease, a notice claimed by one worker, sent once,
retried later or dropped, its outcome recorded by that worker only. The plan API is the
unit tests' fake; the channels record what they are given (tests/unit/notices/test_sending.py
runs the same service end to end on the real plan API, SMTP server and SMS gateway)."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from flask import Flask
from sqlalchemy import delete, event, insert, select, update
from sqlalchemy.exc import OperationalError

from identity import Caller
from portal.clients.events import FeedEvent, NoticeRecipients, Recipient
from portal.extensions import db
from portal.notices import rules, service, texts
from portal.notices.channels import ChannelError, Outgoing
from portal.notices.models import Notice, NoticeEvent, NoticeFeedPosition
from tests.unit.conftest import FakePlanAPI
from tests.unit.notices.conftest import at, choose, person

NOON = datetime(2026, 3, 20, 11, 0, tzinfo=UTC)  # 12:00 in Copenhagen, before summer time
LEASE = timedelta(seconds=120)  # NOTICES_LEASE_SECONDS' default
_events = count(1)


# Builders --------------------------------------------------------------------------------


def notice_row(**fields: Any) -> dict[str, Any]:
    """One planned notice as follow() stores it: by default an e-mail to Mette about a new
    message, due at noon, not tried yet."""
    return {
        "event_id": f"ev-{next(_events)}",
        "event_seq": 1,
        "event_type": "message.received",
        "person_id": "p-mette",
        "resource": "messages/m-1",
        "recipient_id": "p-mette",
        "recipient_kind": "citizen",
        "channel": "email",
        "slot": "now",
        "kind": "message_received",
        "address": "mette@example.dk",
        "language": "da",
        "send_after": NOON,
        "status": "pending",
        "attempts": 0,
        "created_at": NOON,
    } | fields


def notice(app: Flask, **fields: Any) -> int:
    """notice_row(), stored; returns its id."""
    with app.app_context():
        row = Notice(**notice_row(**fields))
        db.session.add(row)
        db.session.commit()
        return row.id


def feed_event(app: Flask, type_: str, seq: int, resource: str, person_id: str = "p-mette") -> None:
    """An event the notifier has taken in (what is_stale() compares with)."""
    with app.app_context():
        db.session.add(
            NoticeEvent(
                event_id=f"ev-{next(_events)}", seq=seq, type=type_, person_id=person_id,
                resource=resource, at=NOON, data={},
            )
        )  # fmt: skip
        db.session.commit()


def told(fake: FakePlanAPI, person_id: str, *people: Recipient) -> None:
    """Whom the plan API names as told about `person_id` (no coordinator)."""
    answer = NoticeRecipients(person_id=person_id, recipients=list(people), coordinator=None)
    fake.on("GET", f"/v1/persons/{person_id}/notice-recipients", json=answer.model_dump())


def utc(moment: datetime | None) -> datetime | None:
    """A time as SQLite gives it back: its digits, without the offset (they are UTC)."""
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def stored(app: Flask, notice_id: int, *names: str) -> dict[str, Any]:
    """The notice's state as recorded (only the fields named, if any)."""
    with app.app_context():
        row = db.session.get(Notice, notice_id)
        assert row is not None
        state = {
            "status": row.status,
            "attempts": row.attempts,
            "lease_owner": row.lease_owner,
            "lease_until": utc(row.lease_until),
            "send_after": utc(row.send_after),
            "sent_at": utc(row.sent_at),
            "last_error": row.last_error,
        }
    return {name: state[name] for name in names} if names else state


def planned(app: Flask) -> list[tuple[str, str, str, str, int, datetime | None]]:
    """(event, recipient, channel, status, attempts, send_after) of every notice."""
    with app.app_context():
        rows = db.session.scalars(select(Notice).order_by(Notice.event_seq, Notice.channel))
        return [
            (n.event_id, n.recipient_id, n.channel, n.status, n.attempts, utc(n.send_after))
            for n in rows
        ]


def send(app: Flask, notice_id: int, owner: str | None = "worker-1") -> str:
    with app.app_context():
        return service.send_one(notice_id, owner)


def queue(app: Flask, **kwargs: Any) -> list[int]:
    queued: list[int] = []
    with app.app_context():
        assert service.queue_due(queued.append, **kwargs) == len(queued)
    return queued


# The plan API's feed and the channels ------------------------------------------------------


@dataclass
class Feed:
    """The change feed as the plan API serves it: the events after a cursor, `limit` a page."""

    events: list[dict[str, Any]] = field(default_factory=list)
    asked: list[tuple[str, str]] = field(default_factory=list)  # (after, limit) per request

    def add(
        self, type_: str, resource: str = "plan", person_id: str = "p-mette", **data: Any
    ) -> str:
        seq = len(self.events) + 1
        one = FeedEvent(
            id=f"feed-{seq}", cursor=str(seq), type=type_, person_id=person_id, resource=resource,
            at=NOON, data=data,
        )  # fmt: skip
        self.events.append(one.model_dump(mode="json"))
        return one.id

    def __call__(self, request: httpx.Request) -> httpx.Response:
        after, limit = request.url.params["after"], request.url.params["limit"]
        self.asked.append((after, limit))
        assert len(self.asked) < 20, "the notifier keeps asking for the same page"
        page = [e for e in self.events if int(e["cursor"]) > int(after)][: int(limit)]
        cursor = page[-1]["cursor"] if page else after
        return httpx.Response(200, json={"events": page, "next_cursor": cursor})


@pytest.fixture
def feed(app: Flask, fake_planapi: FakePlanAPI) -> Feed:
    events = Feed()
    fake_planapi.on("GET", "/v1/events", handler=events)
    told(fake_planapi, "p-mette", person("p-mette"))
    at(app, NOON)
    return events


def follow(app: Flask, **kwargs: Any) -> int:
    with app.app_context():
        return service.follow(**kwargs)


@dataclass
class Channels:
    """E-mail, SMS and Digital Post in one: records what it is given, or fails as told.
    `meanwhile` runs once while a message is out (another worker, a busy database)."""

    sent: list[Outgoing] = field(default_factory=list)
    fail: Exception | None = None
    meanwhile: Callable[[], None] | None = None
    name: str = "every channel"

    def send(self, message: Outgoing) -> None:
        if self.meanwhile is not None:
            act, self.meanwhile = self.meanwhile, None
            act()
        if self.fail is not None:
            raise self.fail
        self.sent.append(message)


@pytest.fixture
def channels(app: Flask) -> Channels:
    recorder = Channels()
    app.extensions["notice_channels"] = dict.fromkeys(("email", "sms", "digital_post"), recorder)
    app.config["PUBLIC_BASE_URL"] = "https://mit-overblik.example"
    at(app, NOON)
    return recorder


# Following the feed ------------------------------------------------------------------------


def test_the_feed_is_read_a_page_at_a_time_from_where_the_last_page_ended(
    app: Flask, feed: Feed
) -> None:
    for _ in range(3):
        feed.add("plan.changed")
    assert [follow(app, limit=2) for _ in range(3)] == [2, 1, 0]
    assert feed.asked == [("0", "2"), ("2", "2"), ("3", "2")]
    with app.app_context():
        assert db.session.get(NoticeFeedPosition, service.FEED).cursor == "3"  # type: ignore[union-attr]
    # Without settings, each official event gives Mette one letter by Digital Post.
    assert [(e, c) for e, _r, c, *_ in planned(app)] == [
        ("feed-1", "digital_post"),
        ("feed-2", "digital_post"),
        ("feed-3", "digital_post"),
    ]


def test_follow_all_reads_every_page_and_counts_the_events(app: Flask, feed: Feed) -> None:
    for _ in range(5):
        feed.add("plan.changed")
    with app.app_context():
        assert service.follow_all(limit=2) == 5
    assert [after for after, _ in feed.asked] == ["0", "2", "4"]


def test_pages_are_of_100_events_unless_asked_otherwise(app: Flask, feed: Feed) -> None:
    with app.app_context():
        assert service.follow() == 0
        assert service.follow_all() == 0
    assert feed.asked == [("0", "100"), ("0", "100")]


def test_a_planned_notice_is_pending_untried_and_due_in_utc_whatever_the_server_s_zone(
    app: Flask, feed: Feed, server_in_new_york: None
) -> None:
    choose(app)
    feed.add("plan.changed")
    follow(app)
    assert planned(app) == [
        ("feed-1", "p-mette", "digital_post", "pending", 0, NOON),
        ("feed-1", "p-mette", "email", "pending", 0, NOON),
        ("feed-1", "p-mette", "sms", "pending", 0, NOON),
    ]


def test_a_page_read_again_plans_only_the_events_not_taken_in_before(
    app: Flask, feed: Feed, fake_planapi: FakePlanAPI
) -> None:
    """Two workers can read the same page (or the cursor is lost): an event already taken in
    is not planned again, even if the person's settings changed since."""
    feed.add("plan.changed")
    follow(app)
    choose(app)  # e-mail and SMS from now on
    feed.add("plan.changed")
    with app.app_context():
        db.session.execute(delete(NoticeFeedPosition))
        db.session.commit()
    assert follow(app) == 2  # feed-1 again, and feed-2
    assert [(e, c) for e, _r, c, *_ in planned(app)] == [
        ("feed-1", "digital_post"),
        ("feed-2", "digital_post"),
        ("feed-2", "email"),
        ("feed-2", "sms"),
    ]
    recipients_read = [r for r in fake_planapi.requests if r.url.path.endswith("-recipients")]
    assert len(recipients_read) == 2  # once for each new event


def test_the_municipality_decides_whether_children_from_15_are_told(
    app: Flask, feed: Feed, fake_planapi: FakePlanAPI
) -> None:
    told(fake_planapi, "p-emma", person("p-emma", age=15))
    feed.add("plan.changed", person_id="p-emma")
    follow(app)
    assert planned(app) == []
    app.config["NOTICES_CHILD_FROM_15"] = True
    feed.add("plan.changed", person_id="p-emma")
    follow(app)
    assert planned(app) == [("feed-2", "p-emma", "digital_post", "pending", 0, NOON)]


def test_sms_quiet_hours_are_the_municipality_s(app: Flask, feed: Feed) -> None:
    app.config["NOTICES_SMS_QUIET_HOURS"] = "22:00-07:00"
    late = datetime(2026, 3, 20, 22, 0, tzinfo=UTC)  # 23:00 in Copenhagen
    at(app, late)
    choose(app)
    feed.add("message.received", resource="messages/m-1", **{"from": "caseworker"})
    follow(app)
    seven = datetime(2026, 3, 21, 6, 0, tzinfo=UTC)  # 07:00 in Copenhagen
    assert [(c, when) for _e, _r, c, _s, _a, when in planned(app)] == [
        ("email", late),
        ("sms", seven),
    ]


def test_a_repeated_page_is_harmless_on_postgresql_too(app: Flask, feed: Feed) -> None:
    """Each INSERT names its table's unique key as the conflict to ignore, spelled as the
    columns are: PostgreSQL matches a quoted name by case, SQLite (the tests' database)
    does not, so the statements are read here rather than trusted to fail."""
    sent: list[str] = []
    choose(app)
    feed.add("plan.changed")

    def record(connection: Any, cursor: Any, statement: str, *rest: Any) -> None:
        sent.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            service.follow()
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    targets = {}
    for sql in sent:
        table = sql.split()[2]
        if sql.startswith("INSERT") and table in ("notice", "notice_event"):
            found = re.search(r"ON CONFLICT \(([^)]*)\) DO NOTHING", sql)
            assert found, sql
            targets[table] = [name.strip() for name in found.group(1).split(",")]
    assert targets == {
        "notice_event": ["event_id"],
        "notice": ["event_id", "recipient_id", "channel", "slot"],
    }
    (unique,) = [c for c in Notice.__table__.constraints if c.name == "uq_notice_once"]
    assert targets["notice"] == [column.name for column in unique.columns]


# Queueing what is due ----------------------------------------------------------------------


def test_a_queued_notice_is_not_queued_again_until_its_mark_runs_out(
    app: Flask, channels: Channels
) -> None:
    due = notice(app)
    assert queue(app) == [due]
    assert stored(app, due)["lease_owner"] == "queued"
    assert stored(app, due)["lease_until"] == NOON + LEASE
    assert queue(app) == []
    at(app, NOON + LEASE)  # the mark's last moment
    assert queue(app) == []
    at(app, NOON + LEASE + timedelta(seconds=1))  # its worker died: queued again
    assert queue(app) == [due]


def test_the_earliest_due_go_first_and_no_more_than_asked(app: Flask, channels: Channels) -> None:
    minutes = [notice(app, send_after=NOON - timedelta(minutes=m)) for m in (1, 3, 2)]
    notice(app, send_after=NOON + timedelta(minutes=1))  # not due yet
    assert queue(app, limit=2) == [minutes[1], minutes[2]]
    assert queue(app, limit=2) == [minutes[0]]


def test_what_cannot_be_sent_takes_no_place_in_a_batch(app: Flask, channels: Channels) -> None:
    early = NOON - timedelta(hours=1)
    notice(app, send_after=early, status="sent")
    notice(app, send_after=early, status="stale")
    notice(app, send_after=early, lease_owner="worker-2", lease_until=NOON + LEASE)
    due = notice(app)
    assert queue(app, limit=1) == [due]


def test_no_more_than_500_notices_a_tick(app: Flask, channels: Channels) -> None:
    with app.app_context():
        db.session.execute(insert(Notice), [notice_row() for _ in range(501)])
        db.session.commit()
    assert len(queue(app)) == 500
    assert len(queue(app)) == 1


@pytest.mark.parametrize(
    "meanwhile",
    [
        {"status": "sent", "sent_at": NOON},  # sent by a worker that had it before
        {"lease_owner": "worker-2", "lease_until": NOON + LEASE},  # claimed by another
    ],
    ids=["sent", "claimed"],
)
def test_a_notice_taken_between_reading_and_marking_it_is_not_queued(
    app: Flask, channels: Channels, monkeypatch: pytest.MonkeyPatch, meanwhile: dict[str, Any]
) -> None:
    """Another worker acts between queue_due()'s read of what is due and its marking: the
    mark must not overwrite what that worker recorded (the read is wrapped to make room)."""
    due = notice(app)
    read = db.session.scalars

    def scalars(statement: Any, *args: Any, **kwargs: Any) -> Any:
        ids = read(statement, *args, **kwargs).all()
        db.session.execute(update(Notice).where(Notice.id == due).values(**meanwhile))
        return SimpleNamespace(all=lambda: ids)

    monkeypatch.setattr(db.session, "scalars", scalars)
    assert queue(app) == []
    assert stored(app, due, *meanwhile) == meanwhile


# Sending one notice ------------------------------------------------------------------------


def test_a_notice_is_sent_once_and_recorded_as_sent(app: Flask, channels: Channels) -> None:
    earlier = notice(app, attempts=1, last_error="451 try again later")  # failed once before
    assert send(app, earlier) == "sent"
    (message,) = channels.sent
    assert (message.reference, message.to, message.sent_by) == (
        f"notice-{earlier}",
        "mette@example.dk",
        "worker-1",
    )
    assert message.text.startswith("Du har fået en ny besked. Log ind på https://mit-overblik")
    assert stored(app, earlier) == {
        "status": "sent",
        "attempts": 2,
        "lease_owner": None,
        "lease_until": None,
        "send_after": NOON,
        "sent_at": NOON,
        "last_error": None,
    }
    assert send(app, earlier) == "taken"
    assert len(channels.sent) == 1


def test_a_worker_is_named_by_its_host_and_process(app: Flask, channels: Channels) -> None:
    send(app, notice(app), owner=None)
    (message,) = channels.sent
    assert message.sent_by == f"{socket.gethostname()}:{os.getpid()}"


def test_a_worker_that_died_holding_a_notice_keeps_it_until_its_lease_runs_out(
    app: Flask, channels: Channels
) -> None:
    held = notice(app)
    channels.fail = RuntimeError("the worker was killed while sending")
    with pytest.raises(RuntimeError, match="killed while sending"):
        send(app, held, "worker-1")
    assert stored(app, held, "status", "attempts", "lease_owner", "lease_until") == {
        "status": "pending",
        "attempts": 1,
        "lease_owner": "worker-1",
        "lease_until": NOON + LEASE,
    }
    channels.fail = None
    at(app, NOON + LEASE)
    assert send(app, held, "worker-2") == "taken"
    at(app, NOON + LEASE + timedelta(seconds=1))
    assert send(app, held, "worker-2") == "sent"
    assert [m.sent_by for m in channels.sent] == ["worker-2"]
    assert stored(app, held)["attempts"] == 2


def test_a_worker_records_the_outcome_of_its_own_notice_only(
    app: Flask, channels: Channels
) -> None:
    """Two threads of one worker share its name: one finishing must not touch the other's."""
    held, other = notice(app), notice(app)
    channels.fail = RuntimeError("this thread died while sending")
    with pytest.raises(RuntimeError, match="died while sending"):
        send(app, held, "worker-1")
    channels.fail = None
    assert send(app, other, "worker-1") == "sent"
    assert stored(app, held, "status", "lease_owner") == {
        "status": "pending",
        "lease_owner": "worker-1",
    }


def test_a_worker_whose_lease_ran_out_does_not_overwrite_the_one_that_took_over(
    app: Flask, channels: Channels
) -> None:
    slow = notice(app)
    later = NOON + LEASE + timedelta(seconds=1)

    def another_worker_takes_over() -> None:
        at(app, later)
        assert send(app, slow, "worker-2") == "sent"
        channels.fail = ChannelError("timed out")  # worker-1's own try, at last

    channels.meanwhile = another_worker_takes_over
    with pytest.raises(ChannelError, match="timed out"):
        send(app, slow, "worker-1")
    assert stored(app, slow, "status", "sent_at", "last_error") == {
        "status": "sent",
        "sent_at": later,
        "last_error": None,
    }


@pytest.fixture
def busy_database(
    app: Flask, channels: Channels, monkeypatch: pytest.MonkeyPatch
) -> Callable[[int], list[float]]:
    """busy(n): while the message is out, the database turns busy for the next n statements;
    returns the waits between tries."""
    waits: list[float] = []
    left = [0]
    execute = db.session.execute

    def busy_execute(statement: Any, *args: Any, **kwargs: Any) -> Any:
        if left[0]:
            left[0] -= 1
            raise OperationalError("UPDATE notice", {}, sqlite3.OperationalError("locked"))
        return execute(statement, *args, **kwargs)

    def busy(times: int) -> list[float]:
        channels.meanwhile = lambda: left.__setitem__(0, times)
        return waits

    monkeypatch.setattr(db.session, "execute", busy_execute)
    monkeypatch.setattr(service.time, "sleep", waits.append)
    return busy


def test_a_busy_database_is_waited_for_after_a_send(
    app: Flask, channels: Channels, busy_database: Callable[[int], list[float]]
) -> None:
    waits = busy_database(4)
    sent = notice(app)
    assert send(app, sent) == "sent"
    assert waits == pytest.approx([0.2, 0.4, 0.6, 0.8])
    assert stored(app, sent)["status"] == "sent"


def test_a_database_busy_for_five_tries_is_given_up_on(
    app: Flask, channels: Channels, busy_database: Callable[[int], list[float]]
) -> None:
    waits = busy_database(5)
    sent = notice(app)
    with pytest.raises(OperationalError, match="locked"):
        send(app, sent)
    assert waits == pytest.approx([0.2, 0.4, 0.6, 0.8])
    assert stored(app, sent)["status"] == "pending"  # sent again once the lease runs out


def test_a_notice_made_stale_by_a_later_event_is_dropped(app: Flask, channels: Channels) -> None:
    moved = notice(app, event_type="appointment.moved", resource="appointments/ap-1",
                   kind="appointment_moved")  # fmt: skip
    feed_event(app, "appointment.moved", seq=2, resource="appointments/ap-1")
    assert send(app, moved) == "stale"
    assert channels.sent == []
    assert stored(app, moved, "status", "lease_owner", "lease_until") == {
        "status": "stale",
        "lease_owner": None,
        "lease_until": None,
    }


def test_only_a_later_event_that_supersedes_it_about_the_same_thing_makes_a_notice_stale(
    app: Flask, channels: Channels
) -> None:
    # Later, but about another appointment, ...
    moved = notice(app, event_type="appointment.moved", event_seq=1,
                   resource="appointments/ap-1", kind="appointment_moved")  # fmt: skip
    feed_event(app, "appointment.moved", seq=2, resource="appointments/ap-2")
    # ... about the same consent, but not news that replaces the warning, ...
    assert "consent.granted" not in rules.SUPERSEDED_BY["consent.expiring"]
    expiring = notice(app, event_type="consent.expiring", event_seq=3,
                      resource="consents/c-1", kind="consent_expiring")  # fmt: skip
    feed_event(app, "consent.granted", seq=4, resource="consents/c-1")
    # ... or about someone else's plan (every person's plan is the resource "plan").
    changed = notice(app, event_type="plan.changed", event_seq=5, resource="plan",
                     kind="plan_changed")  # fmt: skip
    feed_event(app, "plan.changed", seq=6, resource="plan", person_id="p-emma")
    assert [send(app, moved), send(app, expiring), send(app, changed)] == ["sent"] * 3


def test_an_sms_due_in_quiet_hours_waits_for_their_end(app: Flask, channels: Channels) -> None:
    """A retry can fall due at night: the SMS waits, the e-mail does not."""
    app.config["NOTICES_SMS_QUIET_HOURS"] = "22:00-07:00"
    early = datetime(2026, 3, 20, 5, 30, tzinfo=UTC)  # 06:30 in Copenhagen
    at(app, early)
    sms = notice(app, channel="sms", address="+4520304050", send_after=early)
    email = notice(app, send_after=early)
    assert [send(app, sms), send(app, email)] == ["waits", "sent"]
    seven = datetime(2026, 3, 20, 6, 0, tzinfo=UTC)
    assert stored(app, sms, "status", "send_after", "lease_owner", "lease_until") == {
        "status": "pending",
        "send_after": seven,
        "lease_owner": None,
        "lease_until": None,
    }
    at(app, seven)
    assert send(app, sms) == "sent"
    assert [m.to for m in channels.sent] == ["mette@example.dk", "+4520304050"]


@pytest.mark.parametrize(
    ("tried", "backoff"),
    # 30 s doubled for every try before, at most an hour; the seventh try is not the last
    [(0, 60), (2, 240), (6, 3600)],
)
def test_a_failed_send_is_tried_again_after_a_wait_that_doubles_up_to_an_hour(
    app: Flask, channels: Channels, tried: int, backoff: int
) -> None:
    failing = notice(app, attempts=tried)
    error = "451 try again later " + "x" * 600
    channels.fail = ChannelError(error)
    with pytest.raises(ChannelError):
        send(app, failing)
    assert stored(app, failing) == {
        "status": "pending",
        "attempts": tried + 1,
        "lease_owner": None,
        "lease_until": None,
        "send_after": NOON + timedelta(seconds=backoff),
        "sent_at": None,
        "last_error": error[:500],
    }
    # Queued again when the wait is over (not when a lease would have run out).
    at(app, NOON + timedelta(seconds=backoff))
    assert queue(app) == [failing]


@pytest.mark.parametrize(
    ("tried", "error"),
    [
        (7, ChannelError("451 try again later")),  # the eighth try is the last
        (0, texts.UnsafeText("notice text contains CPR number")),  # the first, if not safe
    ],
    ids=["eighth-try", "unsafe-text"],
)
def test_a_send_that_failed_for_good_is_never_tried_again(
    app: Flask, channels: Channels, tried: int, error: Exception
) -> None:
    failing = notice(app, attempts=tried)
    channels.fail = error
    with pytest.raises(type(error), match=re.escape(str(error))):
        send(app, failing)
    assert stored(app, failing, "status", "last_error") == {
        "status": "failed",
        "last_error": str(error),
    }
    at(app, NOON + timedelta(days=1))
    assert queue(app) == []


# What is sent ------------------------------------------------------------------------------


def test_without_a_public_address_links_point_at_flask_run_s(
    app: Flask, channels: Channels
) -> None:
    app.config["PUBLIC_BASE_URL"] = ""
    send(app, notice(app))
    (message,) = channels.sent
    assert "Log ind på http://127.0.0.1:5000/" in message.text


def test_a_questionnaire_link_names_the_questionnaire(app: Flask, channels: Channels) -> None:
    send(app, notice(app, event_type="questionnaire.due", resource="questionnaires/gad-7",
                     kind="questionnaire_due"))  # fmt: skip
    (message,) = channels.sent
    assert "https://mit-overblik.example/saadan-gaar-det/gad-7/besvar" in message.text


def test_a_message_built_outside_a_worker_names_no_sender(app: Flask, channels: Channels) -> None:
    """outgoing() is public: a message it builds for anyone but a worker carries no worker's
    name (the e-mail channel adds its X-Notice-Worker header only for a name)."""
    preview = notice(app)
    with app.test_request_context("/"):
        row = db.session.get(Notice, preview)
        assert row is not None
        assert service.outgoing(row).sent_by == ""


@pytest.fixture
def fridge_plans(monkeypatch: pytest.MonkeyPatch) -> list[Caller]:
    """The fridge plan's renderer (WeasyPrint, seconds a page) replaced: whom it is read as."""
    readers: list[Caller] = []

    def plan_pdf(caller: Caller, person_id: str, *, kind: str, language: str) -> bytes:
        readers.append(caller)
        return b"%PDF-1.7 " + caller.actor_id.encode()

    monkeypatch.setattr("portal.pdf.plan_pdf", plan_pdf)
    return readers


def letter(app: Flask, recipient: str, language: str = "da") -> int:
    """A changed plan of Emma's (a child), told by Digital Post."""
    return notice(
        app, event_type="plan.changed", person_id="p-emma", resource="plan",
        recipient_id=recipient, channel="digital_post", kind="plan_changed",
        address="0101019999", language=language,
    )  # fmt: skip


def test_the_plan_in_a_letter_is_read_as_its_recipient_would_read_it(
    app: Flask, channels: Channels, fake_planapi: FakePlanAPI, fridge_plans: list[Caller]
) -> None:
    told(
        fake_planapi, "p-emma",
        person("p-emma", age=12), person("p-parent", "custody"),
        person("p-bent", "power_of_attorney"),
    )  # fmt: skip
    for recipient in ("p-parent", "p-bent", "p-gone"):
        assert send(app, letter(app, recipient)) == "sent"
    assert fridge_plans == [Caller.custody("p-parent"), Caller.power_of_attorney("p-bent")]
    # Someone the plan API no longer names gets the letter without the plan.
    assert [[a.filename for a in m.attachments] for m in channels.sent] == [
        ["min-plan.pdf"],
        ["min-plan.pdf"],
        [],
    ]


@pytest.mark.parametrize(
    ("language", "filename"),
    [("en", "my-plan.pdf"), ("kl", "min-plan.pdf")],  # no name in Greenlandic: the Danish
)
def test_the_plan_s_file_is_named_in_the_letter_s_language_else_in_danish(
    app: Flask,
    channels: Channels,
    fake_planapi: FakePlanAPI,
    fridge_plans: list[Caller],
    language: str,
    filename: str,
) -> None:
    told(fake_planapi, "p-emma", person("p-emma", age=12), person("p-parent", "custody"))
    send(app, letter(app, "p-parent", language=language))
    (message,) = channels.sent
    assert [a.filename for a in message.attachments] == [filename]


def test_a_letter_waits_while_the_plan_cannot_be_read(
    app: Flask, channels: Channels, fake_planapi: FakePlanAPI, fridge_plans: list[Caller]
) -> None:
    fake_planapi.down("GET", "/v1/persons/p-emma/notice-recipients")
    waiting = letter(app, "p-parent")
    with pytest.raises(ChannelError, match=r"^plan PDF: plan API unavailable"):
        send(app, waiting)
    assert channels.sent == []
    assert stored(app, waiting)["status"] == "pending"
    assert str(stored(app, waiting)["last_error"]).startswith("plan PDF: plan API unavailable")


# The clock ---------------------------------------------------------------------------------


def test_without_a_fixed_clock_the_service_runs_on_utc_whatever_the_server_s_zone(
    app: Flask, channels: Channels, server_in_new_york: None
) -> None:
    del app.config["NOTICES_NOW"]
    before = datetime.now(UTC)
    due = notice(app, send_after=before - timedelta(minutes=1))
    assert queue(app) == [due]
    assert send(app, due) == "sent"
    sent_at = stored(app, due)["sent_at"]
    assert before <= sent_at <= datetime.now(UTC)
