"""Appointments (aftaler): upcoming and past, .ics per appointment, a personal calendar
feed, and the citizen's request to move an appointment (form → summary → receipt)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from icalendar import Alarm, Calendar, Event
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField

from auth.access import access
from auth.urls import public_host, public_url
from portal import outbox, pages
from portal.clients.appointments import (
    CHANGE_REQUEST,
    Appointment,
    AppointmentsClient,
    TimeWindow,
)
from portal.clients.base import Caller, PlanAPINotFound, PlanAPIRejected
from portal.extensions import db
from portal.forms import PortalForm, choices, form_key_field, strip
from portal.i18n import TZ, date_example, parse_date_input
from portal.models import CalendarFeed, utcnow
from portal.pages import fetch, render_page

bp = Blueprint("appointments", __name__)

APPOINTMENT_STATUS = {
    "planned": _l("Planned"),
    "moved": _l("Moved"),
    "cancelled": _l("Cancelled"),
    "held": _l("Held"),
}
REASON_MAX = 1000
DEFAULT_LENGTH = timedelta(hours=1)


@bp.app_template_global()
def appointment_status(code: str) -> str:
    return str(APPOINTMENT_STATUS.get(code, code))


@bp.app_template_global()
def citizen_can_write() -> bool:
    """Whether to offer asking to move: not in a preview, and within a power of attorney's scope."""
    acting = g.get("acting")
    return bool(acting) and not acting.read_only and acting.covers("appointments:write")


@bp.get("/aftaler")
@access("citizen")
def index() -> ResponseReturnValue:
    caller, person_id = pages.caller(), pages.person_id()
    client = AppointmentsClient(caller)
    show_past = request.args.get("vis") == "tidligere"
    upcoming, upcoming_failed = (
        (None, False) if pages.is_htmx() else fetch(lambda: client.list_appointments(person_id))
    )
    past, past_failed = (
        fetch(lambda: client.list_appointments(person_id, "past")) if show_past else (None, False)
    )
    return render_page(
        "pages/appointments/index.html",
        "past",
        upcoming=upcoming or [],
        upcoming_failed=upcoming_failed,
        show_past=show_past,
        past=past or [],
        past_failed=past_failed,
        can_feed=pages.acting().basis == "self" and not pages.acting().read_only,
    )


# --- iCalendar -------------------------------------------------------------------------


def _event(appointment: Appointment, host: str) -> Event:
    event = Event()
    event.add("uid", f"{appointment.id}@{host}")
    event.add("dtstamp", datetime.now(UTC))
    # As Europe/Copenhagen (not a fixed offset), so calendars keep the time across DST.
    start = appointment.start.astimezone(TZ)
    event.add("dtstart", start)
    event.add("dtend", (appointment.end or appointment.start + DEFAULT_LENGTH).astimezone(TZ))
    event.add("summary", appointment.title)
    description = [appointment.purpose or ""]
    if appointment.participants:
        names = ", ".join(
            f"{p.name} ({p.role})" if p.role else p.name for p in appointment.participants
        )
        description.append(_("With: %(names)s", names=names))
    location = appointment.location
    if location.video_url:
        description.append(_("Video meeting: %(url)s", url=location.video_url))
        event.add("url", location.video_url)
    event.add("description", "\n".join(d for d in description if d))
    if location.text:
        event.add("location", location.text)
    elif location.kind == "video":
        event.add("location", _("Video meeting"))
    elif location.kind == "phone":
        event.add("location", _("By phone"))
    if appointment.cancelled:
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
        event.add_component(_reminder())
    return event


def _reminder() -> Alarm:
    """A reminder the day before (RFC 5545 VALARM), with no more words than a lock screen
    may show: the title, not the purpose."""
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -timedelta(days=1))
    alarm.add("description", _("Reminder: appointment tomorrow"))
    return alarm


def _calendar(appointments: list[Appointment], name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Mit Overblik for HOI//da")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Copenhagen")
    host = public_host()
    for appointment in appointments:
        calendar.add_component(_event(appointment, host))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _ics_response(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/aftaler/<string:appointment_id>/kalender.ics")
@access("citizen")
def ics(appointment_id: str) -> ResponseReturnValue:
    appointment = _appointment_or_404(pages.caller(), appointment_id)
    return _ics_response(_calendar([appointment], appointment.title), "aftale.ics")


def _appointment_or_404(caller: Caller, appointment_id: str) -> Appointment:
    # Unknown (404) and refused (403) reach the error handler.
    return AppointmentsClient(caller).get_appointment(pages.person_id(), appointment_id)


# --- the personal calendar feed ---------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _active_feed(person_id: str) -> CalendarFeed | None:
    return db.session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.person_id == person_id, CalendarFeed.revoked_at.is_(None)
        )
    )


def _revoke_feeds(person_id: str) -> None:
    for feed in db.session.scalars(
        select(CalendarFeed).where(
            CalendarFeed.person_id == person_id, CalendarFeed.revoked_at.is_(None)
        )
    ):
        feed.revoked_at = utcnow()


def _require_own_data() -> None:
    """The feed is read later without a login, as the person themself; so only for 'self'."""
    if pages.acting().basis != "self" or pages.acting().read_only:
        abort(403)


@bp.get("/aftaler/kalender")
@access("citizen")
def feed() -> ResponseReturnValue:
    _require_own_data()
    return render_template(
        "pages/appointments/feed.html", active=_active_feed(pages.person_id()), new_url=None
    )


@bp.post("/aftaler/kalender")
@access("citizen_write")
def feed_create() -> ResponseReturnValue:
    """A new secret URL; any older one stops working. Only its hash is stored."""
    _require_own_data()
    person_id = pages.person_id()
    _revoke_feeds(person_id)
    token = secrets.token_urlsafe(32)
    db.session.add(CalendarFeed(person_id=person_id, token_hash=_hash(token)))
    db.session.commit()
    return render_template(
        "pages/appointments/feed.html",
        active=_active_feed(person_id),
        new_url=public_url("appointments.feed_ics", token=token),
    )


@bp.post("/aftaler/kalender/stop")
@access("citizen_write")
def feed_revoke() -> ResponseReturnValue:
    _require_own_data()
    _revoke_feeds(pages.person_id())
    db.session.commit()
    return redirect(url_for("appointments.feed", stoppet=1), 303)


@bp.get("/kalender/<string:token>.ics")
@access("public")
def feed_ics(token: str) -> ResponseReturnValue:
    """The feed a calendar app polls: the token is the credential."""
    feed = db.session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == _hash(token), CalendarFeed.revoked_at.is_(None)
        )
    )
    if feed is None:
        abort(404)
    caller = Caller.as_self(feed.person_id)
    client = AppointmentsClient(caller)
    appointments = client.list_appointments(feed.person_id, "all")
    return _ics_response(_calendar(appointments, "Mit Overblik"), "mit-overblik.ics")


# --- asking to move an appointment ------------------------------------------------------


PARTS_OF_DAY = {
    "morning": (_l("Before noon (8–12)"), time(8), time(12)),
    "afternoon": (_l("After noon (12–16)"), time(12), time(16)),
    "day": (_l("Any time of the day (8–16)"), time(8), time(16)),
}
WINDOWS = 3  # preferred times a citizen can give


def _part_of_day(value: object) -> str:
    return value if isinstance(value, str) and value in PARTS_OF_DAY else "day"


_PART = {
    "choices": choices((code, label) for code, (label, _s, _e) in PARTS_OF_DAY.items()),
    "default": "day",
    "validate_choice": False,
    "filters": [_part_of_day],
}


class MoveForm(PortalForm):
    """The move request; kept as text so nothing the citizen wrote is lost. Its `form_key`
    is made here, on the server; the outbox binds it to the person, the actor and the
    appointment, so a key copied from someone else's form cannot touch their request."""

    form_key = form_key_field()
    reason = TextAreaField(
        _l("Why do you want to move the appointment?"), filters=[strip(REASON_MAX * 2)]
    )
    date_1 = StringField(_l("Day %(num)d", num=1), filters=[strip(20)])
    part_1 = SelectField(_l("Time of day, day %(num)d", num=1), **_PART)
    date_2 = StringField(_l("Day %(num)d", num=2), filters=[strip(20)])
    part_2 = SelectField(_l("Time of day, day %(num)d", num=2), **_PART)
    date_3 = StringField(_l("Day %(num)d", num=3), filters=[strip(20)])
    part_3 = SelectField(_l("Time of day, day %(num)d", num=3), **_PART)

    windows: list[TimeWindow]

    def days(self) -> list[tuple[Any, Any]]:
        """(date field, time-of-day field) for each preferred time."""
        return [(self[f"date_{n}"], self[f"part_{n}"]) for n in range(1, WINDOWS + 1)]

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        reason = self.reason.data or ""
        if not reason:
            self.add_error("reason", _("Write why you want to move the appointment."))
        elif len(reason) > REASON_MAX:
            self.add_error("reason", _("Write at most %(num)d characters.", num=REASON_MAX))
        today = datetime.now(TZ).date()
        self.windows = []
        for date_field, part_field in self.days():
            if not date_field.data:
                continue
            day = parse_date_input(date_field.data)
            if day is None:
                self.add_error(
                    date_field.name,
                    _("Write the date like this: %(example)s.", example=date_example(14)),
                )
            elif day <= today:
                self.add_error(date_field.name, _("Choose a day after today."))
            elif day > today + timedelta(days=365):
                self.add_error(date_field.name, _("Choose a day within the next year."))
            else:
                _label, start, end = PARTS_OF_DAY[part_field.data]
                self.windows.append(
                    TimeWindow(
                        start=datetime.combine(day, start, TZ), end=datetime.combine(day, end, TZ)
                    )
                )
        if not any(date_field.data for date_field, _part in self.days()):
            self.add_error("date_1", _("Give at least one day when you can come."))
        return not self.errors


def _require_write() -> None:
    if pages.acting().read_only:
        abort(403)


def _move_page(appointment: Appointment | None, form: MoveForm, step: str) -> Response:
    return render_page(
        "pages/appointments/move.html",
        "move_step",
        appointment=appointment,
        form=form,
        step=step,
        reason_max=REASON_MAX,
        today=datetime.now(TZ).date(),
    )


@bp.route("/aftaler/<string:appointment_id>/flyt", methods=["GET", "POST"])
@access("citizen_write")
def move(appointment_id: str) -> ResponseReturnValue:
    """GET: the form. POST: check it, then the summary (or the form again with errors)."""
    _require_write()
    appointment = _appointment_or_404(pages.caller(), appointment_id)
    form = MoveForm()
    if request.method == "GET" or "edit" in request.form:
        return _move_page(appointment, form, "form")
    if not form.validate():
        response = _move_page(appointment, form, "form")
        response.status_code = 200 if pages.is_htmx() else 400
        return response
    return _move_page(appointment, form, "summary")


@bp.post("/aftaler/<string:appointment_id>/flyt/send")
@access("citizen_write")
def move_send(appointment_id: str) -> ResponseReturnValue:
    """Send through the outbox. Reads nothing first: a down plan API must not lose it."""
    _require_write()
    caller, person_id = pages.caller(), pages.person_id()
    form = MoveForm()
    if form.validate():
        write = AppointmentsClient.request_change(
            person_id, appointment_id, form.reason.data, form.windows
        )
        try:
            outbox.submit(write, caller, form.form_key.data)
        except (PlanAPIRejected, PlanAPINotFound):
            form.add_error("reason", _("We could not send your request. Check what you wrote."))
    if form.errors:
        appointment, _failed = fetch(
            lambda: AppointmentsClient(caller).get_appointment(person_id, appointment_id)
        )
        response = _move_page(appointment, form, "form")
        response.status_code = 400
        return response
    target = url_for(
        "appointments.move_receipt", appointment_id=appointment_id, form_key=form.form_key.data
    )
    return redirect(target, 303)


@bp.get("/aftaler/<string:appointment_id>/flyt/kvittering/<string:form_key>")
@access("citizen")
def move_receipt(appointment_id: str, form_key: str) -> ResponseReturnValue:
    """The receipt, from the outbox's stored request (sent by this actor, for this person)."""
    message = outbox.receipt([CHANGE_REQUEST], pages.person_id(), pages.caller(), form_key)
    if message is None or message.resource_id != appointment_id or message.status == "rejected":
        abort(404)
    try:
        appointment, _failed = fetch(
            lambda: AppointmentsClient(pages.caller()).get_appointment(
                pages.person_id(), appointment_id
            )
        )
    except PlanAPINotFound:
        appointment = None
    created = message.created_at
    return render_template(
        "pages/appointments/receipt.html",
        appointment=appointment,
        reason=message.payload.get("reason", ""),
        sent_at=created if created.tzinfo else created.replace(tzinfo=UTC),
        windows=[TimeWindow.model_validate(w) for w in message.payload.get("preferred_times", [])],
        delivered=message.status == "delivered",
    )
