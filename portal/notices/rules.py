"""Who is told, on which channel, and when: pure functions over one event (no I/O).

- The person the event is about, if an adult; a child only from 15 and only if the
  municipality turns that on (`NOTICES_CHILD_FROM_15`), and then by Digital Post only.
- A custody holder for a child under 18 (the plan API only names custody that holds), on
  the channels the parent chose for the child.
- A power-of-attorney holder only if the scope covers what the event is about.
- The coordinating caseworker, by e-mail, when consent is withdrawn, expiring or expired
  (advisering), and when the citizen writes to them (a message "from" the citizen; one from
  a caseworker goes to the citizen's side like the other events).
Official notices (appointments, plan, consent, information asked for) also go by Digital
Post; without any settings that is the only channel. SMS waits out quiet hours
(21:00-08:00 Copenhagen time). Reminders are planned at local wall-clock times, so they are
right across the change to and from summer time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.clients.events import FeedEvent, NoticeRecipients, Recipient
from portal.notices.models import NoticeSettings
from portal.notices.texts import group_of

TZ = ZoneInfo("Europe/Copenhagen")
QUIET_FROM, QUIET_UNTIL = time(21, 0), time(8, 0)
REMINDER_AT = time(17, 0)  # the day before an appointment
MORNING = time(10, 0)  # questionnaires and consent
SECOND_QUESTIONNAIRE_AFTER = timedelta(days=3)
CONSENT_WARNINGS = (("30d", 30), ("7d", 7))

# event type → (kind of the immediate notice or None, scope a power of attorney needs, official)
CITIZEN_EVENTS: dict[str, tuple[str | None, str | None, bool]] = {
    "appointment.created": ("appointment_new", "appointments:read", True),
    "appointment.moved": ("appointment_moved", "appointments:read", True),
    "appointment.cancelled": ("appointment_cancelled", "appointments:read", True),
    "plan.changed": ("plan_changed", "plan:read", True),
    "questionnaire.due": (None, "questionnaires:read", False),
    "consent.expiring": (None, "consents:read", True),
    "consent.expired": ("consent_expired", "consents:read", True),
    "information.requested": ("information_requested", "cases:read", True),
    "message.received": ("message_received", "messages:read", False),
}
ADVISERING_EVENTS = ("consent.withdrawn", "consent.expiring", "consent.expired")

# A notice is stale once a later event of one of these types names the same resource.
SUPERSEDED_BY: dict[str, frozenset[str]] = {
    "appointment.created": frozenset({"appointment.moved", "appointment.cancelled"}),
    "appointment.moved": frozenset({"appointment.moved", "appointment.cancelled"}),
    "plan.changed": frozenset({"plan.changed"}),
    "questionnaire.due": frozenset({"questionnaire.answered", "questionnaire.due"}),
    "consent.expiring": frozenset(
        {"consent.renewed", "consent.withdrawn", "consent.expired", "consent.expiring"}
    ),
}


@dataclass(frozen=True)
class Planned:
    recipient_id: str
    recipient_kind: str
    channel: str
    slot: str
    kind: str
    address: str
    language: str
    send_after: datetime


def local_at(day: date, at: time) -> datetime:
    """A wall-clock time in Copenhagen on a day, as an aware UTC moment (UTC because SQLite
    keeps a time's digits and drops its offset)."""
    return datetime.combine(day, at, tzinfo=TZ).astimezone(UTC)


Quiet = tuple[time, time] | None  # (from, until) in Copenhagen time; None: no quiet hours


def parse_quiet(setting: str) -> Quiet:
    """ "21:00-08:00" (the default) → (21:00, 08:00); "" or "none" → no quiet hours."""
    if setting.strip().lower() in ("", "none"):
        return None
    start, _, end = setting.partition("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def after_quiet_hours(moment: datetime, quiet: Quiet = (QUIET_FROM, QUIET_UNTIL)) -> datetime:
    """The same moment, or the end of the quiet hours (08:00 Copenhagen time) if it falls
    in them."""
    if quiet is None:
        return moment.astimezone(UTC)
    start, end = quiet
    here = moment.astimezone(TZ)
    if here.time() >= start:
        return local_at(here.date() + timedelta(days=1), end)
    if here.time() < end:
        return local_at(here.date(), end)
    return moment.astimezone(UTC)


def _moment(raw: object) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


def _day(raw: object) -> date | None:
    if not isinstance(raw, str):
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


def slots(event: FeedEvent, now: datetime) -> list[tuple[str, str, datetime, bool]]:
    """(slot, kind, when, official) for the citizen side of an event; past reminders are
    dropped, except that a due date already reached is told now."""
    immediate, _scope, official = CITIZEN_EVENTS[event.type]
    planned: list[tuple[str, str, datetime, bool]] = []
    if immediate:
        planned.append(("now", immediate, now, official))
    if event.type in ("appointment.created", "appointment.moved"):
        start = _moment(event.data.get("start_at"))
        if start is not None:
            when = local_at(start.astimezone(TZ).date() - timedelta(days=1), REMINDER_AT)
            # equivalent: `when <= start`: `when` is 17:00 the day before, always hours before start
            if now < when < start:  # equivalent: above
                planned.append(("day-before", "appointment_reminder", when, False))
    elif event.type == "questionnaire.due":
        due = _day(event.data.get("due_on"))
        if due is not None:
            first = local_at(due, MORNING)
            planned.append(("due", "questionnaire_due", max(first, now), False))
            second = local_at(due + SECOND_QUESTIONNAIRE_AFTER, MORNING)
            if second > now:
                planned.append(("due+3", "questionnaire_reminder", second, False))
    elif event.type == "consent.expiring":
        expires = _moment(event.data.get("expires_at"))
        if expires is not None and expires > now:
            due_warnings = [
                (slot, local_at(expires.astimezone(TZ).date() - timedelta(days=days), MORNING))
                for slot, days in CONSENT_WARNINGS
            ]
            past = [s for s in due_warnings if s[1] <= now]
            future = [s for s in due_warnings if s[1] > now]
            if past:  # told late: the latest warning now, the earlier ones not at all
                planned.append((past[-1][0], "consent_expiring", now, True))
            planned += [(slot, "consent_expiring", when, True) for slot, when in future]
    return planned


def _receives(recipient: Recipient, scope: str | None, child_from_15: bool) -> bool:
    if recipient.basis == "self":
        # equivalent: `else 19`: an unknown age counts as adult, and 18 and 19 both are
        age = recipient.age if recipient.age is not None else 18  # equivalent: above
        return age >= 18 or (child_from_15 and age >= 15)
    if recipient.basis == "custody":
        return True
    return scope is not None and scope in recipient.scope  # power of attorney


def plan(
    event: FeedEvent,
    recipients: NoticeRecipients,
    settings_for: Callable[[str], NoticeSettings | None],
    now: datetime,
    *,
    child_from_15: bool = False,
    quiet: Quiet = (QUIET_FROM, QUIET_UNTIL),
) -> list[Planned]:
    """Every notice one event gives. `settings_for(person_id)` returns saved settings."""
    out: list[Planned] = []
    if event.type in ADVISERING_EVENTS and recipients.coordinator is not None:
        worker = recipients.coordinator
        out.append(
            Planned(worker.id, "caseworker", "email", "now", "advisering", worker.email, "da", now)
        )
    if event.type == "message.received" and event.data.get("from") == "citizen":
        # From the citizen: the caseworker it is addressed to is told (the coordinator or
        # any other caseworker who answers the person's messages); the writer is not.
        workers = [*recipients.caseworkers, *filter(None, [recipients.coordinator])]
        addressed = next((w for w in workers if w.id == event.data.get("caseworker_id")), None)
        if addressed is not None:
            out.append(
                Planned(
                    addressed.id, "caseworker", "email", "now", "message_for_caseworker",
                    addressed.email, "da", now,
                )
            )  # fmt: skip
        return out
    if event.type not in CITIZEN_EVENTS:
        return out
    scope = CITIZEN_EVENTS[event.type][1]
    for recipient in recipients.recipients:
        if not _receives(recipient, scope, child_from_15):
            continue
        # equivalent: `or 19`: only an age of None or 0 takes it, and neither gives a child
        # here (0 is not told at all, see _receives)
        child = recipient.basis == "self" and (recipient.age or 18) < 18  # equivalent: above
        # A parent chooses for the child: the child's settings hold the parent's addresses.
        key = event.person_id if recipient.basis == "custody" else recipient.person_id
        settings = None if child else settings_for(key)
        language = settings.language if settings else "da"
        for slot, kind, when, official in slots(event, now):
            muted = settings is not None and group_of(kind) in (settings.muted or [])
            channels: list[tuple[str, str]] = []
            if settings and not muted:
                if settings.email and settings.email_confirmed_at:
                    channels.append(("email", settings.email))
                if settings.mobile and settings.mobile_confirmed_at:
                    channels.append(("sms", settings.mobile))
            if official and (slot == "now" or slot in dict(CONSENT_WARNINGS)):
                channels.append(("digital_post", recipient.cpr))
            for channel, address in channels:
                at = after_quiet_hours(when, quiet) if channel == "sms" else when
                out.append(
                    Planned(
                        recipient.person_id, "citizen", channel, slot, kind, address, language, at
                    )
                )
    return out
