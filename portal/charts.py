"""Server-side line charts as accessible SVG: no JavaScript, no inline styles.

The SVG is an image with a `<title>` and a `<desc>` (`role="img"`, labelled by both);
the page shows the same numbers in a table next to it. Colours come from CSS classes
(`chart-series-N`), and every series also differs in marker shape and dash pattern so
the chart does not rely on colour alone. Only presentation attributes are used, which
the Content-Security-Policy allows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

# A small canvas with large text: the SVG is scaled down to ~340 px wide on a phone.
WIDTH, HEIGHT = 480, 280
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 44
FONT_SIZE = 18
DASHES = ("", "8 4", "2 4", "12 4 2 4")
MAX_X_LABELS = 4


@dataclass(frozen=True)
class Point:
    when: date
    value: float


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[Point]


def _fmt(number: float) -> str:
    return f"{number:.1f}".rstrip("0").rstrip(".")


def _marker(index: int, x: float, y: float) -> str:
    shape = index % 3
    if shape == 0:
        return f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="5"/>'
    if shape == 1:
        return f'<rect x="{_fmt(x - 4.5)}" y="{_fmt(y - 4.5)}" width="9" height="9"/>'
    return (
        f'<polygon points="{_fmt(x)},{_fmt(y - 6)} {_fmt(x + 6)},{_fmt(y + 5)} '
        f'{_fmt(x - 6)},{_fmt(y + 5)}"/>'
    )


def line_chart(
    series: Sequence[Series],
    *,
    chart_id: str,
    title: str,
    description: str,
    y_min: float,
    y_max: float,
    y_ticks: Sequence[float],
    date_label: Callable[[date], str],
) -> Markup:
    """An SVG line chart of one or more series over dates, on a fixed y range."""
    if y_max <= y_min:
        raise ValueError("y_max must be above y_min")
    days = sorted({p.when for s in series for p in s.points})
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    first = days[0] if days else date.today()
    span = max((days[-1] - first).days, 1) if days else 1

    def x_of(day: date) -> float:
        if len(days) <= 1:
            return LEFT + plot_w / 2
        return LEFT + (day - first).days / span * plot_w

    def y_of(value: float) -> float:
        clamped = min(max(value, y_min), y_max)
        return TOP + (1 - (clamped - y_min) / (y_max - y_min)) * plot_h

    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" preserveAspectRatio="xMidYMid meet" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
        '<g class="chart-grid" stroke="#bfbfbf" stroke-width="1">',
    ]
    for tick in y_ticks:
        y = _fmt(y_of(tick))
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}"/>')
    parts.append("</g>")
    parts.append(f'<g class="chart-axis-labels" fill="#1a1a1a" font-size="{FONT_SIZE}">')
    for tick in y_ticks:
        parts.append(
            f'<text x="{LEFT - 8}" y="{_fmt(y_of(tick) + 5)}" text-anchor="end">'
            f"{escape(_fmt(tick))}</text>"
        )
    step = max(1, -(-len(days) // MAX_X_LABELS))
    shown = days[::step]
    if days and days[-1] not in shown:
        shown = [*shown[:-1], days[-1]] if len(shown) >= MAX_X_LABELS else [*shown, days[-1]]
    for day in shown:
        # The outermost labels are anchored inwards so they are never cut off.
        anchor = "middle"
        if len(days) > 1 and day == days[0]:
            anchor = "start"
        elif len(days) > 1 and day == days[-1]:
            anchor = "end"
        parts.append(
            f'<text x="{_fmt(x_of(day))}" y="{HEIGHT - BOTTOM + 26}" text-anchor="{anchor}">'
            f"{escape(date_label(day))}</text>"
        )
    parts.append("</g>")
    parts.append(
        f'<line class="chart-axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
        f'y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM}" stroke="#454545" stroke-width="1"/>'
    )
    for index, one in enumerate(series):
        points = sorted(one.points, key=lambda p: p.when)
        if not points:
            continue
        dash = DASHES[index % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        coords = " ".join(f"{_fmt(x_of(p.when))},{_fmt(y_of(p.value))}" for p in points)
        parts.append(f'<g class="chart-series chart-series-{index % 6}">')
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="currentColor" '
            f'stroke-width="3" stroke-linejoin="round"{dash_attr}/>'
        )
        parts.append('<g fill="currentColor">')
        parts.extend(_marker(index, x_of(p.when), y_of(p.value)) for p in points)
        parts.append("</g></g>")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped above


def legend_key(index: int) -> Markup:
    """The line and marker of series `index`, small, for an HTML legend (decorative)."""
    dash = DASHES[index % len(DASHES)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return Markup(  # noqa: S704 - no outside text in here
        f'<svg class="chart-key chart-series-{index % 6}" viewBox="0 0 40 16" width="40" '
        f'height="16" aria-hidden="true" focusable="false">'
        f'<line x1="0" y1="8" x2="40" y2="8" stroke="currentColor" stroke-width="3"{dash_attr}/>'
        f'<g fill="currentColor">{_marker(index, 20, 8)}</g></svg>'
    )
