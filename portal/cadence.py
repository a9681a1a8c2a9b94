"""Due dates and states of recurring questionnaires, the same rules as the plan API.

The plan API says: a questionnaire is *due* from `due_on`, *overdue* 14 days after
`due_on`, and *upcoming* before it (*answered* when an answer set that `due_on`, which
is the Danish date of the last answer plus the cadence). The portal applies the same rules itself
where the plan API cannot know yet (an answer registered in the outbox, not delivered)
and to say how late something is.

Everything is counted in whole calendar days in Europe/Copenhagen: a timestamp is first
turned into the Danish date it happened on, then weeks are added to dates. So a week is
always seven calendar days, also across the daylight-saving changes (when a day has 23
or 25 hours), and an answer given at 00:30 Danish time counts for that Danish day even
though it is still the day before in UTC.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Copenhagen")
OVERDUE_AFTER_DAYS = 14

State = Literal["due", "overdue", "upcoming"]


def local_day(moment: datetime) -> date:
    """The date in Denmark at `moment`."""
    if moment.tzinfo is None:
        raise ValueError("a timestamp without a time zone is ambiguous")
    return moment.astimezone(TZ).date()


def next_due(answered_at: datetime, cadence_weeks: int) -> date:
    """The next due date after an answer: the Danish date of the answer plus the cadence."""
    if cadence_weeks < 1:
        raise ValueError("cadence must be at least one week")
    return local_day(answered_at) + timedelta(weeks=cadence_weeks)


def state(due_on: date, now: datetime) -> State:
    """The state of a round due on `due_on` that has not been answered, seen at `now`."""
    today = local_day(now)
    if today < due_on:
        return "upcoming"
    if (today - due_on).days >= OVERDUE_AFTER_DAYS:
        return "overdue"
    return "due"


def days_late(due_on: date, now: datetime) -> int:
    """Whole Danish days since the due date (0 on the day itself and before)."""
    return max(0, (local_day(now) - due_on).days)
