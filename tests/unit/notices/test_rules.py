"""Who is told, on which channel, when: the rules over one event, on a fixed clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from portal.clients.events import Coordinator, FeedEvent, NoticeRecipients, Recipient
from portal.notices import rules
from portal.notices.models import NoticeSettings
from tests.unit.notices.conftest import person

NOON = datetime(2026, 3, 20, 11, 0, tzinfo=UTC)  # 12:00 in Copenhagen, before summer time


def event(type_: str, person: str = "p-mette", **data: Any) -> FeedEvent:
    return FeedEvent(
        id="ev-1", cursor="7", type=type_, person_id=person, resource="appointments/ap-1",
        at=NOON, data=data,
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


def test_someone_of_exactly_18_or_of_unknown_age_is_told_as_an_adult() -> None:
    for age in (18, None):
        rec = recipients(person("p-mette", age=age), coordinator=False)
        out = plan(event("plan.changed"), rec, {"p-mette": settings("p-mette")})
        assert sorted((p.recipient_id, p.channel) for p in out) == [
            ("p-mette", "digital_post"),
            ("p-mette", "email"),
            ("p-mette", "sms"),
        ]
    seventeen = recipients(person("p-emma", age=17), coordinator=False)
    assert plan(event("plan.changed", person="p-emma"), seventeen) == []


def test_a_custody_holder_is_told_whatever_power_of_attorney_scope_they_have() -> None:
    anders = person("p-anders", basis="custody", age=None, scope=[])
    rec = recipients(person("p-emma", age=10), anders, coordinator=False)
    out = plan(event("plan.changed", person="p-emma"), rec)
    assert [(p.recipient_id, p.channel) for p in out] == [("p-anders", "digital_post")]


def test_advisering_is_one_danish_email_to_the_coordinator_now() -> None:
    rec = recipients(person("p-karim", age=17))  # a child: the citizen side is not told
    assert plan(event("consent.expired", person="p-karim"), rec) == [
        rules.Planned(
            "cw-lene", "caseworker", "email", "now", "advisering", "lene@nordby.example", "da",
            NOON,
        )
    ]  # fmt: skip


def test_a_message_from_the_citizen_is_one_danish_email_to_the_caseworker_now() -> None:
    mine = event("message.received", **{"from": "citizen", "caseworker_id": "cw-lene"})
    assert plan(mine, recipients(person("p-mette"))) == [
        rules.Planned(
            "cw-lene", "caseworker", "email", "now", "message_for_caseworker",
            "lene@nordby.example", "da", NOON,
        )
    ]  # fmt: skip


def test_without_settings_digital_post_is_in_danish() -> None:
    rec = recipients(person("p-mette"), coordinator=False)
    out = plan(event("appointment.cancelled"), rec)
    assert [(p.channel, p.language) for p in out] == [("digital_post", "da")]


def test_an_unconfirmed_email_or_mobile_is_not_used() -> None:
    rec = recipients(person("p-mette"), coordinator=False)
    unconfirmed = settings("p-mette")
    unconfirmed.email_confirmed_at = None
    unconfirmed.mobile_confirmed_at = None
    out = plan(event("plan.changed"), rec, {"p-mette": unconfirmed})
    assert [p.channel for p in out] == ["digital_post"]


def test_consent_warnings_also_go_by_digital_post_on_time_and_when_told_late() -> None:
    rec = recipients(person("p-mette"), coordinator=False)
    expiring = event("consent.expiring", expires_at="2026-05-20T12:00:00+02:00")
    assert [(p.channel, p.slot, local(p.send_after)) for p in plan(expiring, rec)] == [
        ("digital_post", "30d", "2026-04-20T10:00+02:00"),
        ("digital_post", "7d", "2026-05-13T10:00+02:00"),
    ]
    late = event("consent.expiring", expires_at="2026-03-30T12:00:00+02:00")
    assert [(p.channel, p.slot, p.send_after) for p in plan(late, rec)] == [
        ("digital_post", "30d", NOON),
        ("digital_post", "7d", datetime(2026, 3, 23, 9, 0, tzinfo=UTC)),
    ]


def test_reminders_and_questionnaires_are_not_official_the_news_itself_is() -> None:
    created = event("appointment.created", start_at="2026-03-30T10:00:00+02:00")
    assert rules.slots(created, NOON) == [
        ("now", "appointment_new", NOON, True),
        ("day-before", "appointment_reminder", datetime(2026, 3, 29, 15, 0, tzinfo=UTC), False),
    ]
    due = event("questionnaire.due", due_on="2026-03-27")
    assert rules.slots(due, NOON) == [
        ("due", "questionnaire_due", datetime(2026, 3, 27, 9, 0, tzinfo=UTC), False),
        ("due+3", "questionnaire_reminder", datetime(2026, 3, 30, 8, 0, tzinfo=UTC), False),
    ]


def test_a_reminder_whose_time_is_now_is_not_planned() -> None:
    created = event("appointment.created", start_at="2026-03-30T10:00:00+02:00")
    reminder_at = datetime(2026, 3, 29, 15, 0, tzinfo=UTC)
    assert [s[0] for s in rules.slots(created, reminder_at - timedelta(microseconds=1))] == [
        "now",
        "day-before",
    ]
    assert rules.slots(created, reminder_at) == [("now", "appointment_new", reminder_at, True)]
    due = event("questionnaire.due", due_on="2026-03-27")
    second = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert rules.slots(due, second) == [("due", "questionnaire_due", second, False)]


def test_a_due_date_given_with_a_time_of_day_counts_as_that_day() -> None:
    due = event("questionnaire.due", due_on="2026-03-27T23:30:00+01:00")
    assert [(s[0], local(s[2])) for s in rules.slots(due, NOON)] == [
        ("due", "2026-03-27T10:00+01:00"),
        ("due+3", "2026-03-30T10:00+02:00"),
    ]


def test_no_consent_warnings_without_a_future_expiry() -> None:
    assert rules.slots(event("consent.expiring"), NOON) == []
    assert rules.slots(event("consent.expiring", expires_at="not a time"), NOON) == []
    for expires in (NOON, NOON - timedelta(days=1)):
        gone = event("consent.expiring", expires_at=expires.isoformat())
        assert rules.slots(gone, NOON) == []
    just = event("consent.expiring", expires_at=(NOON + timedelta(seconds=1)).isoformat())
    assert rules.slots(just, NOON) == [("7d", "consent_expiring", NOON, True)]


def test_told_exactly_at_the_30_day_warning_it_goes_now_once() -> None:
    expiring = event("consent.expiring", expires_at="2026-05-20T12:00:00+02:00")
    at_warning = datetime(2026, 4, 20, 8, 0, tzinfo=UTC)  # 10:00 in Copenhagen
    assert rules.slots(expiring, at_warning) == [
        ("30d", "consent_expiring", at_warning, True),
        ("7d", "consent_expiring", datetime(2026, 5, 13, 8, 0, tzinfo=UTC), True),
    ]


def test_days_are_copenhagen_days_and_times_utc_whatever_the_servers_zone(
    server_in_new_york: None,
) -> None:
    assert rules.local_at(date(2026, 3, 29), time(17, 0)).isoformat() == (
        "2026-03-29T15:00:00+00:00"
    )
    assert rules.after_quiet_hours(NOON).isoformat() == "2026-03-20T11:00:00+00:00"
    evening = datetime(2026, 3, 20, 22, 30, tzinfo=rules.TZ)
    assert rules.after_quiet_hours(evening, None).isoformat() == "2026-03-20T21:30:00+00:00"
    # Just after midnight in Copenhagen is still the day before in New York (and in UTC).
    created = event("appointment.created", start_at="2026-03-30T00:30:00+02:00")
    (reminder,) = [s[2] for s in rules.slots(created, NOON) if s[0] == "day-before"]
    assert local(reminder) == "2026-03-29T17:00+02:00"
    expiring = event("consent.expiring", expires_at="2026-05-20T00:30:00+02:00")
    assert [(s[0], local(s[2])) for s in rules.slots(expiring, NOON)] == [
        ("30d", "2026-04-20T10:00+02:00"),
        ("7d", "2026-05-13T10:00+02:00"),
    ]


def test_quiet_hours_start_exactly_at_21_and_end_exactly_at_8() -> None:
    nine = datetime(2026, 3, 20, 20, 0, tzinfo=UTC)  # 21:00 in Copenhagen
    assert local(rules.after_quiet_hours(nine)) == "2026-03-21T08:00+01:00"
    before_nine = nine - timedelta(microseconds=1)
    assert rules.after_quiet_hours(before_nine) == before_nine
    eight = datetime(2026, 3, 21, 7, 0, tzinfo=UTC)  # 08:00 in Copenhagen
    assert rules.after_quiet_hours(eight) == eight


def test_quiet_hours_ending_in_the_hour_repeated_when_clocks_go_back() -> None:
    # 25 October 2026: 02:00-03:00 comes twice. At the second 02:30 the quiet hours are
    # over; the moment is kept, not moved back to the first 02:30.
    quiet = (time(21, 0), time(2, 30))
    second_half_past_two = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert local(second_half_past_two) == "2026-10-25T02:30+01:00"
    assert rules.after_quiet_hours(second_half_past_two, quiet) == second_half_past_two


def test_the_quiet_hours_setting_is_split_at_its_first_dash() -> None:
    # A dash after the end time belongs to the end time (an offset), not to the start.
    minus_one = timezone(timedelta(hours=-1))
    assert rules.parse_quiet("21:00-08:00-01:00") == (time(21, 0), time(8, 0, tzinfo=minus_one))
