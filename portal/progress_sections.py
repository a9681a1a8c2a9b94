"""My progress over time, as the page shows it: one section per instrument with its chart,
table rows and a plain-language reading. Pure: scores and instruments in, a dict out; no
request, no plan API (the view in `portal/views/progress.py` reads and renders).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _

from portal import cadence, charts, scoring
from portal.clients.questionnaires import WHO5, Instrument, Score
from portal.i18n import format_date, language


def _month(day: date) -> str:
    return format_date(day, "MMMM")


def _date_label(day: date) -> str:
    return format_date(day, "d. MMM" if language() == "da" else "d MMM")


def _meaningful_change(instrument_id: str, low: int, high: int) -> float:
    if instrument_id == WHO5:
        return scoring.WHO5_MEANINGFUL_CHANGE
    return max(1.0, (high - low) / 10)


def _reading(
    instrument_id: str, title: str, points: list[tuple[date, float]], change: float
) -> str:
    trend = scoring.trend(points, change)
    if trend is None:
        return ""
    month = _month(trend.since)
    if instrument_id == WHO5:
        return {
            "up": _("Your well-being has gone up since %(month)s.", month=month),
            "down": _("Your well-being has gone down since %(month)s.", month=month),
            "same": _("Your well-being is about the same as in %(month)s.", month=month),
        }[trend.direction]
    return {
        "up": _("“%(title)s” has gone up since %(month)s.", title=title, month=month),
        "down": _("“%(title)s” has gone down since %(month)s.", title=title, month=month),
        "same": _("“%(title)s” is about the same as in %(month)s.", title=title, month=month),
    }[trend.direction]


def _goal_reading(goal: str, points: list[tuple[date, float]]) -> str:
    trend = scoring.trend(points, 1)
    if trend is None:
        return ""
    month = _month(trend.since)
    return {
        "up": _("You are closer to “%(goal)s” than in %(month)s.", goal=goal, month=month),
        "down": _("You are further from “%(goal)s” than in %(month)s.", goal=goal, month=month),
        "same": _("You are about as close to “%(goal)s” as in %(month)s.", goal=goal, month=month),
    }[trend.direction]


def score_section(
    instrument_id: str, scores: list[Score], instrument: Instrument | None
) -> dict[str, Any]:
    """One instrument's history: chart, table rows and a plain-language reading."""
    title = str(instrument.title) if instrument else instrument_id
    low, high = scores[-1].reported_min, scores[-1].reported_max
    rows = [(cadence.local_day(s.answered_at), float(s.reported)) for s in scores]
    section: dict[str, Any] = {
        "id": instrument_id,
        "title": title,
        "instrument": instrument,
        "low": low,
        "high": high,
        "latest": scores[-1].reported,
        "rows": rows,
        "per_item": False,
    }
    if instrument is not None and instrument.generated:
        # Goals: one line per sub-goal, each the citizen's own 0–10 rating.
        names = {item.id: str(item.text) for item in instrument.ordered_items}
        item_ids: list[str] = []
        for s in scores:
            item_ids.extend(i.item_id for i in s.items if i.item_id not in item_ids)
        item_low, item_high = (
            (instrument.scales[0].min, instrument.scales[0].max) if instrument.scales else (0, 10)
        )
        series, readings = [], []
        for item_id in item_ids:
            points = [
                (cadence.local_day(s.answered_at), float(i.value))
                for s in scores
                for i in s.items
                if i.item_id == item_id
            ]
            name = names.get(item_id, item_id)
            series.append(charts.Series(name, [charts.Point(d, v) for d, v in points]))
            readings.append(_goal_reading(name, points))
        values = {
            cadence.local_day(s.answered_at): {i.item_id: i.value for i in s.items} for s in scores
        }
        section.update(
            per_item=True,
            names=[s.label for s in series],
            table=[(day, [values[day].get(i) for i in item_ids]) for day in sorted(values)],
            readings=[r for r in readings if r],
            chart=charts.line_chart(
                series,
                chart_id=f"chart-{instrument_id}",
                title=title,
                description=_(
                    "Your own rating from %(low)d to %(high)d of how close you are to each "
                    "goal, %(count)d times from %(first)s to %(last)s.",
                    low=item_low,
                    high=item_high,
                    count=len(values),
                    first=_date_label(rows[0][0]),
                    last=_date_label(rows[-1][0]),
                )
                + " "
                + " ".join(r for r in readings if r),
                y_min=item_low,
                y_max=item_high,
                y_ticks=_ticks(item_low, item_high),
                date_label=_date_label,
            ),
        )
        return section
    reading = _reading(instrument_id, title, rows, _meaningful_change(instrument_id, low, high))
    section.update(
        readings=[reading] if reading else [],
        chart=charts.line_chart(
            [charts.Series(title, [charts.Point(d, v) for d, v in rows])],
            chart_id=f"chart-{instrument_id}",
            title=title,
            description=(
                _(
                    "Score from %(low)d to %(high)d, %(count)d times from %(first)s to "
                    "%(last)s. Latest score: %(latest)d.",
                    low=low,
                    high=high,
                    count=len(rows),
                    first=_date_label(rows[0][0]),
                    last=_date_label(rows[-1][0]),
                    latest=scores[-1].reported,
                )
                + " "
                + reading
            ).strip(),
            y_min=low,
            y_max=high,
            y_ticks=_ticks(low, high),
            date_label=_date_label,
        ),
    )
    return section


def _ticks(low: int, high: int) -> tuple[int, ...]:
    step = max(1, (high - low) // 4) if (high - low) % 4 == 0 else max(1, (high - low) // 5)
    return tuple(range(low, high + 1, step))
