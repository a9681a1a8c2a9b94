"""The server's notion of today and now, overridable with PLANAPI_TODAY."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

TZ = ZoneInfo("Europe/Copenhagen")


def today() -> date:
    fixed = current_app.config.get("PLANAPI_TODAY")
    if fixed:
        return fixed if isinstance(fixed, date) else date.fromisoformat(str(fixed))
    return datetime.now(TZ).date()


def now() -> datetime:
    """Aware local time. With a fixed today, today's date at the real time of day, so that
    consecutive writes still get increasing timestamps."""
    real = datetime.now(TZ)
    fixed = today()
    if fixed == real.date():
        return real
    return datetime.combine(fixed, real.timetz()).astimezone(TZ)


def local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(TZ)


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else local(moment).isoformat(timespec="seconds")


def iso_date(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def add_months(moment: datetime, months: int) -> datetime:
    month = moment.month - 1 + months
    year = moment.year + month // 12
    month = month % 12 + 1
    days_in_month = [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return moment.replace(year=year, month=month, day=min(moment.day, days_in_month[month - 1]))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def eighteenth_birthday(birth: date) -> date:
    try:
        return birth.replace(year=birth.year + 18)
    except ValueError:  # born 29 February: of age on 1 March
        return date(birth.year + 18, 3, 1)


def complaint_deadline(sent_on: date, weeks: int) -> date:
    """The last day to complain: `weeks` after the decision was received (sent as Digital
    Post, it counts as received the day it is sent); a deadline on a Saturday or Sunday
    moves to the Monday after (forvaltningsrettens almindelige fristregel)."""
    deadline = sent_on + timedelta(weeks=weeks)
    while deadline.weekday() >= 5:
        deadline += timedelta(days=1)
    return deadline
