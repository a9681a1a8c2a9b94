"""After a failed submit: focus to the error summary and "Fejl:"/"Error:" first in the title,
on a whole page and in an htmx swap; one date-input convention (Danish style, examples
computed from today)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from portal import i18n
from tests.unit import citizen_builders as b
from tests.unit import planapi_paths as paths
from tests.unit.conftest import FakePlanAPI, PageChecker, SignIn, normalize
from tests.unit.error_focus import assert_error_focus

MOVE = "/aftaler/ap-1/flyt"


@pytest.fixture(autouse=True)
def mette(client: FlaskClient, fake_planapi: FakePlanAPI) -> None:
    SignIn(client)()
    fake_planapi.on("GET", paths.appointment("p-mette", "ap-1"), json=b.appointment())


def hidden_fields(pages: PageChecker, **headers: str) -> dict[str, str]:
    form = pages.get(MOVE, headers=headers).select_one(f"form[action='{MOVE}']")
    return {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}


def in_days(days: int) -> date:
    return datetime.now(i18n.TZ).date() + timedelta(days=days)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_move_form_error_focus_and_title_in_both_languages(pages: PageChecker, lang: str) -> None:
    headers = {"Accept-Language": lang}
    data = hidden_fields(pages, **headers) | {"reason": "", "date_1": ""}
    soup = pages.post(MOVE, data, status=400, headers=headers)
    summary = assert_error_focus(soup, lang)
    assert [a["href"] for a in summary.select("a")] == ["#reason", "#date-1"]


def test_move_form_error_in_an_htmx_swap_carries_what_the_script_needs(
    client: FlaskClient, pages: PageChecker
) -> None:
    data = hidden_fields(pages) | {"reason": "", "date_1": ""}
    response = client.post(MOVE, data=data, headers={"HX-Request": "true"})
    assert response.status_code == 200  # htmx swaps only a 2xx answer
    fragment = BeautifulSoup(response.text, "html.parser")
    assert fragment.title is None  # a part of the page: static/js/app.js sets the title
    assert_error_focus(fragment, fragment=True)


def test_move_form_takes_a_danish_date_and_its_example_is_ahead(pages: PageChecker) -> None:
    soup = pages.get(MOVE)
    field = soup.select_one("#date-1")
    assert field["type"] == "text" and field["inputmode"] == "numeric"
    hint = normalize(soup.select_one("#date-1-hint").text)
    example = in_days(14)
    assert hint == f"For eksempel {example.day}.{example.month}.{example.year}"
    day = in_days(10)
    data = hidden_fields(pages) | {
        "reason": "Tandlæge",
        "date_1": f"{day.day}.{day.month}.{day.year}",
        "part_1": "morning",
    }
    summary = pages.post(MOVE, data)
    assert summary.find(string=lambda s: s and "Tandlæge" in s)
    assert not summary.select(".error-summary")


def test_a_wrong_date_is_explained_with_an_example_from_today(pages: PageChecker) -> None:
    data = hidden_fields(pages) | {"reason": "x", "date_1": "24/13/2026"}
    soup = pages.post(MOVE, data, status=400)
    example = in_days(14)
    message = normalize(soup.select_one("#date-1-error").text)
    assert message == f"Fejl: Skriv datoen sådan her: {example.day}.{example.month}.{example.year}."


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("24.12.2026", date(2026, 12, 24)),
        ("3.1.2027", date(2027, 1, 3)),
        ("24-12-2026", date(2026, 12, 24)),
        ("24/12/2026", date(2026, 12, 24)),
        (" 2026-12-24 ", date(2026, 12, 24)),
        ("24.13.2026", None),
        ("1. maj", None),
        ("", None),
    ],
)
def test_date_input_is_read_danish_style(typed: str, day: date | None) -> None:
    assert i18n.parse_date_input(typed) == day


def test_date_example_and_value_are_danish_style_in_both_languages(app: Flask) -> None:
    with app.test_request_context():
        for lang in ("da", "en"):
            with force_locale(lang):
                assert i18n.date_input_value(date(2026, 3, 1)) == "1.3.2026"
                ahead = in_days(14)
                assert i18n.date_example(14) == f"{ahead.day}.{ahead.month}.{ahead.year}"
