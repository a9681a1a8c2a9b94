"""Who is told, on which channel, when: the rules over one event, on a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from portal.clients.events import Coordinator, FeedEvent, NoticeRecipients, Recipient
from portal.notices import rules
from portal.notices.models import NoticeSettings

NOON = datetime(2026, 3, 20, 11, 0, tzinfo=UTC)  # 12:00 in Copenhagen, before summer time
ALL = ["person:read", "plan:read", "appointments:read", "consents:read", "questionnaires:read"]


def event(type_: str, person: str = "p-mette", **data: Any) -> FeedEvent:
    return FeedEvent(
        id="ev-1", cursor="7", type=type_, person_id=person, resource="appointments/ap-1",
        at=NOON, data=data,
    )  # fmt: skip


def person(pid: str, basis: str = "self", age: int | None = 41, scope: list[str] | None = None):
    return Recipient(
        person_id=pid, cpr="0101019999", name=pid, basis=basis, age=age,
        scope=ALL if scope is None else scope,
    )  # fmt: skip


def recipients(*people: Recipient, coordinator: bool = True) -> NoticeRecipients:
    worker = Coordinator(id="cw-lene", name="Lene Bach", email="lene@nordby.example")
    return NoticeRecipients(
        person_id=people[0].person_id, recipients=list(people),
        coordinator=worker if coordinator else None,
    )  # fmt: skip


def settings(pid: str, *, email: bool = True, sms: bool = True, muted=(), language="da"):
    return NoticeSettings(
        person_id=pid,
        email=f"{pid}@example.dk" if email else None,
        email_confirmed_at=NOON if email else None,
        mobile="+4520000000" if sms else None,
        mobile_confirmed_at=NOON if sms else None,
        language=language,
        muted=list(muted),
    )


def plan(ev: FeedEvent, rec: NoticeRecipients, saved=None, now=NOON, **kw: Any):
    saved = saved or {}
    return rules.plan(ev, rec, saved.get, now, **kw)


def local(moment: datetime) -> str:
    return moment.astimezone(rules.TZ).isoformat(timespec="minutes")


def test_appointment_reminder_is_the_day_before_at_17_across_summer_time() -> None:
    # Summer time starts on Sunday 29 March 2026 at 02:00.
    spring = event("appointment.created", start_at="2026-03-30T10:00:00+02:00")
    out = plan(spring, recipients(person("p-mette")), {"p-mette": settings("p-mette")})
    reminders = {p.channel: p.send_after for p in out if p.slot == "day-before"}
    assert {c: local(t) for c, t in reminders.items()} == {
        "email": "2026-03-29T17:00+02:00",
        "sms": "2026-03-29T17:00+02:00",
    }
    assert reminders["email"] == datetime(2026, 3, 29, 15, 0, tzinfo=UTC)
    # ... and ends on Sunday 25 October 2026 at 03:00.
    autumn = event("appointment.moved", start_at="2026-10-26T09:00:00+01:00")
    out = plan(autumn, recipients(person("p-mette")), {"p-mette": settings("p-mette")})
    (when,) = {p.send_after for p in out if p.slot == "day-before"}
    assert when == datetime(2026, 10, 25, 16, 0, tzinfo=UTC)
    assert local(when) == "2026-10-25T17:00+01:00"


def test_questionnaire_due_day_and_three_days_later_at_ten() -> None:
    due = event("questionnaire.due", due_on="2026-03-27")
    out = plan(due, recipients(person("p-mette")), {"p-mette": settings("p-mette", sms=False)})
    assert [(p.slot, p.kind, local(p.send_after)) for p in out] == [
        ("due", "questionnaire_due", "2026-03-27T10:00+01:00"),
        ("due+3", "questionnaire_reminder", "2026-03-30T10:00+02:00"),
    ]
    assert all(p.channel == "email" for p in out)  # not official: no Digital Post


def test_consent_warnings_30_and_7_days_before_and_late_news_once() -> None:
    expiring = event("consent.expiring", expires_at="2026-05-20T12:00:00+02:00")
    out = plan(expiring, recipients(person("p-mette")), {"p-mette": settings("p-mette")})
    citizen = sorted({(p.slot, local(p.send_after)) for p in out if p.recipient_kind == "citizen"})
    assert citizen == [("30d", "2026-04-20T10:00+02:00"), ("7d", "2026-05-13T10:00+02:00")]
    # Told only 10 days before: the 30-day warning now, the 7-day one on time.
    late = event("consent.expiring", expires_at="2026-03-30T12:00:00+02:00")
    out = plan(late, recipients(person("p-mette")), {"p-mette": settings("p-mette", sms=False)})
    emails = {(p.slot, p.send_after) for p in out if p.channel == "email"}
    assert sorted(e for e in emails if e[0] != "now") == [
        ("30d", NOON),
        ("7d", datetime(2026, 3, 23, 9, 0, tzinfo=UTC)),
    ]


def test_sms_waits_for_quiet_hours_to_end_email_does_not() -> None:
    evening = datetime(2026, 3, 20, 21, 30, tzinfo=UTC)  # 22:30 in Copenhagen
    out = plan(
        event("appointment.cancelled"), recipients(person("p-mette"), coordinator=False),
        {"p-mette": settings("p-mette")}, now=evening,
    )  # fmt: skip
    when = {p.channel: local(p.send_after) for p in out}
    assert when == {
        "email": "2026-03-20T22:30+01:00",
        "sms": "2026-03-21T08:00+01:00",
        "digital_post": "2026-03-20T22:30+01:00",
    }
    early = datetime(2026, 3, 21, 6, 59, tzinfo=UTC)  # 07:59
    assert local(rules.after_quiet_hours(early)) == "2026-03-21T08:00+01:00"
    assert rules.after_quiet_hours(NOON) == NOON


def test_quiet_hours_are_a_setting_and_can_be_off() -> None:
    evening = datetime(2026, 3, 20, 21, 30, tzinfo=UTC)  # 22:30 in Copenhagen
    assert rules.parse_quiet("21:00-08:00") == (rules.QUIET_FROM, rules.QUIET_UNTIL)
    later = rules.parse_quiet("22:00 - 07:00")
    assert local(rules.after_quiet_hours(evening, later)) == "2026-03-21T07:00+01:00"
    assert rules.parse_quiet("none") is None and rules.parse_quiet("") is None
    out = plan(
        event("appointment.cancelled"), recipients(person("p-mette"), coordinator=False),
        {"p-mette": settings("p-mette")}, now=evening, quiet=None,
    )  # fmt: skip
    assert {p.channel: p.send_after for p in out}["sms"] == evening


def test_without_settings_only_official_notices_go_by_digital_post() -> None:
    rec = recipients(person("p-mette"), coordinator=False)
    moved = plan(event("appointment.moved", start_at="2026-04-02T10:00:00+02:00"), rec)
    assert [(p.channel, p.slot, p.address) for p in moved] == [
        ("digital_post", "now", "0101019999")
    ]
    assert plan(event("questionnaire.due", due_on="2026-03-20"), rec) == []
    assert plan(event("message.received"), rec) == []


def test_opting_out_of_a_kind_stops_email_and_sms_but_not_digital_post() -> None:
    rec = recipients(person("p-mette"), coordinator=False)
    saved = {"p-mette": settings("p-mette", muted=["appointments"], language="en")}
    out = plan(event("appointment.moved", start_at="2026-04-02T10:00:00+02:00"), rec, saved)
    assert [p.channel for p in out] == ["digital_post"]
    asked = plan(event("information.requested"), rec, saved)
    assert sorted(p.channel for p in asked) == ["digital_post", "email", "sms"]
    assert {p.language for p in asked} == {"en"}


def test_custody_holder_is_told_and_the_child_only_from_15_when_turned_on() -> None:
    emma, anders = person("p-emma", age=15), person("p-anders", basis="custody", age=None)
    rec = recipients(emma, anders)
    # A parent chooses for the child: the child's settings hold the parent's addresses.
    saved = {"p-emma": settings("p-emma"), "p-anders": settings("p-anders", email=False)}
    ev = event("plan.changed", person="p-emma")
    told = {(p.recipient_id, p.channel, p.address) for p in plan(ev, rec, saved)}
    assert told == {
        ("p-anders", "email", "p-emma@example.dk"),
        ("p-anders", "sms", "+4520000000"),
        ("p-anders", "digital_post", "0101019999"),
    }
    with_child = {(p.recipient_id, p.channel) for p in plan(ev, rec, saved, child_from_15=True)}
    assert ("p-emma", "digital_post") in with_child
    assert ("p-emma", "email") not in with_child and ("p-emma", "sms") not in with_child
    fourteen = recipients(person("p-emma", age=14), anders)
    assert {p.recipient_id for p in plan(ev, fourteen, saved, child_from_15=True)} == {"p-anders"}


def test_power_of_attorney_holder_only_within_scope() -> None:
    bent = person("p-bent", basis="power_of_attorney", age=None,
                  scope=["plan:read", "appointments:read"])  # fmt: skip
    rec = recipients(person("p-mette"), bent, coordinator=False)
    saved = {"p-bent": settings("p-bent", sms=False)}
    moved = plan(event("appointment.moved", start_at="2026-04-02T10:00:00+02:00"), rec, saved)
    assert ("p-bent", "email", "now") in {(p.recipient_id, p.channel, p.slot) for p in moved}
    expired = plan(event("consent.expired"), rec, saved)
    assert "p-bent" not in {p.recipient_id for p in expired}


def test_caseworker_advisering_on_consent_withdrawn_expiring_expired() -> None:
    rec = recipients(person("p-karim"))
    for type_ in ("consent.withdrawn", "consent.expired"):
        out = plan(event(type_, person="p-karim"), rec)
        out = [p for p in out if p.recipient_kind != "citizen"]
        assert [(p.recipient_id, p.channel, p.kind, p.address) for p in out] == [
            ("cw-lene", "email", "advisering", "lene@nordby.example")
        ]
    assert all(p.recipient_kind == "citizen" for p in plan(event("plan.changed"), rec))


def test_a_message_from_the_caseworker_tells_the_citizen_one_from_the_citizen_the_caseworker():
    bent = person("p-bent", "power_of_attorney", None, ["plan:read"])
    rec = recipients(person("p-mette"), bent)
    saved = {"p-mette": settings("p-mette"), "p-bent": settings("p-bent")}
    staff = event("message.received", **{"from": "staff", "caseworker_id": "cw-lene"})
    assert sorted((p.recipient_id, p.channel, p.kind) for p in plan(staff, rec, saved)) == [
        ("p-mette", "email", "message_received"),
        ("p-mette", "sms", "message_received"),
    ]  # not by Digital Post (not official); Bent's power of attorney does not cover messages
    bent_reads_messages = person("p-bent", "power_of_attorney", None, ["messages:read"])
    with_bent = plan(staff, recipients(person("p-mette"), bent_reads_messages), saved)
    assert {p.recipient_id for p in with_bent} == {"p-mette", "p-bent"}
    mine = event("message.received", **{"from": "citizen", "caseworker_id": "cw-lene"})
    assert [(p.recipient_id, p.recipient_kind, p.channel, p.kind, p.address)
            for p in plan(mine, rec, saved)] == [
        ("cw-lene", "caseworker", "email", "message_for_caseworker", "lene@nordby.example")
    ]  # fmt: skip
    # Written to another caseworker who answers her messages: that one is told, not Lene.
    other = event("message.received", **{"from": "citizen", "caseworker_id": "cw-birgitte"})
    birgitte = Coordinator(id="cw-birgitte", name="Birgitte Holm", email="bh@nordby.example")
    with_birgitte = rec.model_copy(update={"caseworkers": [birgitte]})
    assert [(p.recipient_id, p.kind, p.address) for p in plan(other, with_birgitte, saved)] == [
        ("cw-birgitte", "message_for_caseworker", "bh@nordby.example")
    ]
    # A caseworker the feed does not name as answering her messages: nobody is told.
    assert plan(other, rec, saved) == []
