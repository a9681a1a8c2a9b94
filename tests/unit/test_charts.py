"""The server-side SVG chart: accessible, no inline styles, points where they belong."""

from __future__ import annotations

from datetime import date

import html5lib
import pytest
from bs4 import BeautifulSoup

from portal.charts import Point, Series, line_chart


def chart(*series: Series, title: str = "Trivsel", desc: str = "Stiger fra 40 til 60.") -> str:
    return str(
        line_chart(
            series,
            chart_id="who5-chart",
            title=title,
            description=desc,
            y_min=0,
            y_max=100,
            y_ticks=(0, 25, 50, 75, 100),
            date_label=lambda d: f"{d.day}/{d.month}",
        )
    )


WHO5 = Series("WHO-5", [Point(date(2025, 1, 6), 40), Point(date(2025, 2, 3), 60)])


def test_svg_is_an_image_with_title_and_description() -> None:
    soup = BeautifulSoup(chart(WHO5), "html.parser")
    svg = soup.find("svg")
    assert svg is not None and svg["role"] == "img"
    assert svg["aria-labelledby"] == "who5-chart-title who5-chart-desc"
    assert soup.find("title", id="who5-chart-title").text == "Trivsel"
    assert soup.find("desc", id="who5-chart-desc").text == "Stiger fra 40 til 60."
    assert not soup.find_all(style=True)
    assert "<script" not in str(soup)


def test_valid_inside_an_html_page() -> None:
    head = "<!DOCTYPE html><html lang='da'><head><title>x</title></head>"
    page = f"{head}<body>{chart(WHO5)}</body></html>"
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)


def test_points_sit_on_the_scale() -> None:
    soup = BeautifulSoup(chart(WHO5), "html.parser")
    line = soup.find("polyline")
    (x1, y1), (x2, y2) = [tuple(map(float, p.split(","))) for p in line["points"].split()]
    # y runs downwards: 40 sits lower than 60; the plot spans y 14 (100) to 236 (0)
    assert y1 == pytest.approx(14 + 0.6 * 222, abs=0.05)
    assert y2 == pytest.approx(14 + 0.4 * 222, abs=0.05)
    assert x1 < x2
    assert len(soup.find_all("circle")) == 2


def test_text_is_escaped() -> None:
    out = chart(WHO5, title="<b>&", desc="\"'<script>")
    assert "<b>" not in out and "<script>" not in out
    assert "&lt;b&gt;&amp;" in out


def test_series_differ_by_more_than_colour() -> None:
    other = Series("Mål", [Point(date(2025, 1, 6), 20), Point(date(2025, 2, 3), 30)])
    soup = BeautifulSoup(chart(WHO5, other), "html.parser")
    lines = soup.find_all("polyline")
    assert not lines[0].get("stroke-dasharray") and lines[1]["stroke-dasharray"]
    assert soup.find_all("circle") and soup.find_all("rect")


def test_one_point_and_no_points() -> None:
    single = Series("WHO-5", [Point(date(2025, 1, 6), 100)])
    assert "<circle" in chart(single)
    assert "<svg" in chart(Series("WHO-5", []))


def test_many_dates_get_a_readable_number_of_labels() -> None:
    many = Series("WHO-5", [Point(date(2024, m, 1), 10 * m) for m in range(1, 13)])
    soup = BeautifulSoup(chart(many), "html.parser")
    labels = soup.select(".chart-axis-labels text")
    date_labels = [t.text for t in labels if "/" in t.text]
    assert 2 <= len(date_labels) <= 5
    assert date_labels[-1] == "1/12", "the latest measurement is always labelled"


def test_values_outside_the_range_are_clamped() -> None:
    wild = Series("WHO-5", [Point(date(2025, 1, 6), -5), Point(date(2025, 2, 3), 130)])
    soup = BeautifulSoup(chart(wild), "html.parser")
    ys = [float(p.split(",")[1]) for p in soup.find("polyline")["points"].split()]
    assert ys == [236, 14]
