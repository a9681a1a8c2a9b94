"""Due dates and states of recurring questionnaires, across month ends and DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal import cadence

CPH = ZoneInfo("Europe/Copenhagen")


def at(y: int, m: int, d: int, hh: int = 12, mm: int = 0) -> datetime:
    """A Danish wall-clock time, given to the code as UTC (as the plan API sends it)."""
    return datetime(y, m, d, hh, mm, tzinfo=CPH).astimezone(UTC)


@pytest.mark.parametrize(
    ("answered_on", "weeks", "expected"),
    [
        (date(2025, 1, 31), 4, date(2025, 2, 28)),  # across a short February
        (date(2024, 1, 31), 4, date(2024, 2, 28)),  # leap year: still 28 days later
        (date(2024, 2, 29), 4, date(2024, 3, 28)),
        (date(2024, 12, 30), 2, date(2025, 1, 13)),  # across new year
        (date(2025, 3, 24), 1, date(2025, 3, 31)),  # across the spring DST change
        (date(2025, 10, 20), 2, date(2025, 11, 3)),  # across the autumn DST change
    ],
)
@pytest.mark.parametrize("clock", [(0, 0), (0, 30), (12, 0), (23, 59)])
def test_next_due_is_whole_weeks_after_the_danish_day_of_the_answer(
    answered_on: date, weeks: int, expected: date, clock: tuple[int, int]
) -> None:
    answered = at(answered_on.year, answered_on.month, answered_on.day, *clock)
    assert cadence.next_due(answered, weeks) == expected
    assert expected.weekday() == answered_on.weekday()


def test_answer_just_after_midnight_danish_time_counts_for_that_danish_day() -> None:
    # 00:30 on 31 March in Copenhagen (summer time) is still 30 March in UTC.
    answered = at(2025, 3, 31, 0, 30)
    assert answered.date() == date(2025, 3, 30)
    assert cadence.local_day(answered) == date(2025, 3, 31)
    assert cadence.next_due(answered, 4) == date(2025, 4, 28)
    # 00:30 on 26 October (the night the clocks go back) is 25 October 22:30 UTC.
    autumn = at(2025, 10, 26, 0, 30)
    assert autumn.date() == date(2025, 10, 25)
    assert cadence.next_due(autumn, 1) == date(2025, 11, 2)


def test_a_cadence_must_be_at_least_a_week() -> None:
    with pytest.raises(ValueError, match=r"^cadence must be at least one week$"):
        cadence.next_due(at(2025, 3, 3), 0)


@pytest.mark.parametrize(
    ("due_on", "last_minute_before", "first_minute_due"),
    [
        # the night the clocks go forward (30 March 2025, 02:00 → 03:00)
        (date(2025, 3, 30), at(2025, 3, 29, 23, 59), at(2025, 3, 30, 0, 0)),
        (date(2025, 3, 31), at(2025, 3, 30, 23, 59), at(2025, 3, 31, 0, 0)),
        # the night the clocks go back (26 October 2025, 03:00 → 02:00)
        (date(2025, 10, 26), at(2025, 10, 25, 23, 59), at(2025, 10, 26, 0, 0)),
        (date(2025, 10, 27), at(2025, 10, 26, 23, 59), at(2025, 10, 27, 0, 0)),
        # month ends
        (date(2025, 3, 1), at(2025, 2, 28, 23, 59), at(2025, 3, 1, 0, 0)),
        (date(2024, 2, 29), at(2024, 2, 28, 23, 59), at(2024, 2, 29, 0, 0)),
    ],
)
def test_due_from_the_first_minute_of_the_danish_due_date(
    due_on: date, last_minute_before: datetime, first_minute_due: datetime
) -> None:
    assert cadence.state(due_on, last_minute_before) == "upcoming"
    assert cadence.state(due_on, first_minute_due) == "due"
    assert cadence.days_late(due_on, first_minute_due) == 0


@pytest.mark.parametrize(
    ("due_on", "overdue_from"),
    [
        (date(2025, 3, 20), at(2025, 4, 3, 0, 0)),  # 14 days spanning the spring change
        (date(2025, 10, 20), at(2025, 11, 3, 0, 0)),  # 14 days spanning the autumn change
        (date(2025, 2, 20), at(2025, 3, 6, 0, 0)),  # across the end of February
        (date(2024, 12, 25), at(2025, 1, 8, 0, 0)),  # across new year
    ],
)
def test_overdue_fourteen_danish_days_after_the_due_date(
    due_on: date, overdue_from: datetime
) -> None:
    assert cadence.state(due_on, overdue_from - timedelta(minutes=1)) == "due"
    assert cadence.state(due_on, overdue_from) == "overdue"
    assert cadence.days_late(due_on, overdue_from) == 14
    assert cadence.days_late(due_on, overdue_from - timedelta(minutes=1)) == 13


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValueError, match=r"^a timestamp without a time zone is ambiguous$"):
        cadence.local_day(datetime(2025, 3, 30, 1, 30))


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31)),
    st.integers(1, 12),
)
def test_after_answering_it_is_done_until_the_next_due_date(moment: datetime, weeks: int) -> None:
    answered = moment.replace(tzinfo=UTC)
    nxt = cadence.next_due(answered, weeks)
    assert (nxt - cadence.local_day(answered)).days == 7 * weeks
    assert cadence.state(nxt, answered) == "upcoming"
    day_before = datetime.combine(nxt - timedelta(days=1), datetime.max.time(), CPH)
    assert cadence.state(nxt, day_before) == "upcoming"
    assert cadence.state(nxt, datetime.combine(nxt, datetime.min.time(), CPH)) == "due"
