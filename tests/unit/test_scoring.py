"""Scoring and validation of questionnaire answers, over every answer combination."""

from __future__ import annotations

import itertools
import math
import re
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal import scoring
from tests.unit.progress_builders import experience, goals, instrument, who5

WHO5 = instrument(who5())
GOALS = instrument(goals("Få en fast bolig", "Starte på uddannelse", "Flere venner"))
EXPERIENCE = instrument(experience())


def half_up(exact: Fraction) -> int:
    """Round half up, computed exactly (no floats): the oracle the rounding is held to."""
    return math.floor(exact + Fraction(1, 2))


def form_for(inst, values):  # type: ignore[no-untyped-def]
    return {
        scoring.field_name(item): str(v) for item, v in zip(inst.ordered_items, values, strict=True)
    }


def test_who5_every_one_of_the_7776_combinations() -> None:
    seen = set()
    for combo in itertools.product(range(6), repeat=5):
        index = scoring.who5_index(combo)
        assert index == 4 * sum(combo)
        assert 0 <= index <= 100 and index % 4 == 0
        checked = scoring.validate(WHO5, form_for(WHO5, combo))
        assert checked.ok
        result = scoring.score(WHO5, checked.answers)
        assert result.reported == index and result.raw == sum(combo)
        seen.add(index)
    assert seen == set(range(0, 101, 4)), "every index 0, 4, …, 100 is reachable"


@pytest.mark.parametrize(
    ("answers", "index"),
    [((0, 0, 0, 0, 0), 0), ((5, 5, 5, 5, 5), 100), ((3, 4, 2, 3, 1), 52), ((1, 0, 2, 0, 1), 16)],
)
def test_who5_by_hand(answers: tuple[int, ...], index: int) -> None:
    assert scoring.who5_raw(answers) == index // 4
    assert scoring.who5_index(answers) == index


@given(st.lists(st.integers(0, 5), min_size=5, max_size=5), st.integers(0, 4))
def test_who5_one_more_point_on_any_item_adds_four(answers: list[int], item: int) -> None:
    if answers[item] == 5:
        return
    higher = list(answers)
    higher[item] += 1
    assert scoring.who5_index(higher) == scoring.who5_index(answers) + 4


@given(st.lists(st.integers(-20, 20), min_size=5, max_size=5))
def test_who5_rejects_values_outside_0_to_5(answers: list[int]) -> None:
    if all(0 <= a <= 5 for a in answers):
        assert scoring.who5_index(answers) == 4 * sum(answers)
    else:
        with pytest.raises(ValueError):
            scoring.who5_index(answers)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ((1, 2, 3, 4), "WHO-5 has 5 items, got 4"),
        ((1, 2, 3, 4, 5, 0), "WHO-5 has 5 items, got 6"),
        ((1, 2, 3, 4, True), "not a whole number: True"),
        ((1, 2, 3, 4, 2.0), "not a whole number: 2.0"),
        ((1, 2, 3, 4, 6), "outside 0–5: 6"),
        ((-1, 2, 3, 4, 5), "outside 0–5: -1"),
    ],
)
def test_who5_needs_five_whole_numbers(answers: tuple[int, ...], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        scoring.who5_raw(answers)


@given(st.lists(st.integers(0, 10), min_size=3, max_size=3))
def test_goals_are_scored_one_by_one_on_0_to_10(values: list[int]) -> None:
    checked = scoring.validate(GOALS, form_for(GOALS, values))
    assert checked.ok
    result = scoring.score(GOALS, checked.answers)
    assert result.per_item == {"g-1": values[0], "g-2": values[1], "g-3": values[2]}
    assert result.raw == sum(values) / 3
    assert result.reported == half_up(Fraction(sum(values), 3))


@given(st.lists(st.integers(1, 5), min_size=6, max_size=6))
def test_experience_mean_is_reported_on_0_to_100(values: list[int]) -> None:
    checked = scoring.validate(EXPERIENCE, form_for(EXPERIENCE, values))
    result = scoring.score(EXPERIENCE, checked.answers)
    assert result.raw == sum(values) / 6
    assert result.reported == half_up((Fraction(sum(values), 6) - 1) * 25)


@given(
    st.lists(
        st.one_of(
            st.integers(-100, 100).map(str),
            st.sampled_from(["", " ", "x", "3.5", "٣", "+3", "03", "1e1", "0x1"]),
        ),
        min_size=5,
        max_size=5,
    )
)
def test_validation_accepts_exactly_the_scale(raw: list[str]) -> None:
    checked = scoring.validate(WHO5, form_for(WHO5, raw))
    for item, value in zip(WHO5.ordered_items, raw, strict=True):
        if value.strip() in {"0", "1", "2", "3", "4", "5"}:
            assert checked.answers[item.id] == int(value)
        else:
            assert item.id in checked.errors
            assert item.id not in checked.answers


def test_validation_codes() -> None:
    form = {"q-who5-1": "", "q-who5-2": "6", "q-who5-3": "tre", "q-who5-4": "-1", "q-who5-5": "5"}
    checked = scoring.validate(WHO5, form)
    assert checked.errors == {
        "who5-1": "missing",
        "who5-2": "outside_scale",
        "who5-3": "not_a_number",
        "who5-4": "outside_scale",
    }
    assert checked.answers == {"who5-5": 5}
    assert not checked.ok


def test_a_half_filled_form_keeps_only_its_valid_answers_for_the_draft() -> None:
    form = {"q-who5-1": "4", "q-who5-2": "", "q-who5-3": "9", "q-who5-4": "x", "q-who5-5": "0"}
    assert scoring.partial_answers(WHO5, form) == {"who5-1": 4, "who5-5": 0}
    assert scoring.partial_answers(WHO5, {}) == {}


def test_validation_ignores_unknown_fields() -> None:
    form = {**form_for(WHO5, (1, 2, 3, 4, 5)), "q-who5-6": "5", "csrf_token": "x"}
    assert scoring.validate(WHO5, form).answers == {
        "who5-1": 1,
        "who5-2": 2,
        "who5-3": 3,
        "who5-4": 4,
        "who5-5": 5,
    }


@pytest.mark.parametrize(
    ("values", "reported"),
    [
        # sum 9 → mean 1.5 → (0.5) × 25 = 12.5 → 13; and so on at every .5 of the 0–100 scale
        ((1, 1, 1, 2, 2, 2), 13),
        ((1, 1, 2, 2, 4, 5), 38),
        ((3, 3, 3, 3, 3, 3), 50),
        ((3, 3, 3, 4, 4, 4), 63),
        ((4, 4, 4, 5, 5, 5), 88),
        ((5, 5, 5, 5, 5, 5), 100),
        ((1, 1, 1, 1, 1, 1), 0),
    ],
)
def test_experience_half_points_round_up_exactly(values: tuple[int, ...], reported: int) -> None:
    answers = scoring.validate(EXPERIENCE, form_for(EXPERIENCE, values)).answers
    assert scoring.score(EXPERIENCE, answers).reported == reported


@pytest.mark.parametrize(
    ("values", "reported"),
    [((0, 0, 1), 0), ((0, 1, 1), 1), ((1, 1, 2), 1), ((0, 0, 2), 1), ((10, 10, 9), 10)],
)
def test_goal_means_by_thirds_round_to_the_nearest(values: tuple[int, ...], reported: int) -> None:
    result = scoring.score(GOALS, dict(zip(("g-1", "g-2", "g-3"), values, strict=True)))
    assert result.reported == reported


def test_trend_reads_meaningful_changes_only() -> None:
    march, may = date(2025, 3, 3), date(2025, 5, 5)
    assert scoring.trend([(march, 40), (may, 52)], 10) == scoring.Trend("up", march, 12)
    assert scoring.trend([(may, 40), (march, 52)], 10) == scoring.Trend("down", march, -12)
    assert scoring.trend([(march, 48), (may, 52)], 10) == scoring.Trend("same", march, 4)
    assert scoring.trend([(may, 52)], 10) is None
    assert scoring.trend([], 10) is None


def test_a_trend_of_exactly_the_meaningful_change_counts() -> None:
    """A change of exactly 10 points on WHO-5 is a real change, up or down; 9 is not."""
    march, may, june = date(2025, 3, 3), date(2025, 5, 5), date(2025, 6, 2)
    meaningful = scoring.WHO5_MEANINGFUL_CHANGE
    assert meaningful == 10
    assert scoring.trend([(march, 40), (may, 50)], meaningful) == scoring.Trend("up", march, 10)
    assert scoring.trend([(march, 50), (may, 40)], meaningful) == scoring.Trend("down", march, -10)
    assert scoring.trend([(march, 40), (may, 49)], meaningful) == scoring.Trend("same", march, 9)
    assert scoring.trend([(march, 49), (may, 40)], meaningful) == scoring.Trend("same", march, -9)
    # Only the last two measurements count, whatever order they come in.
    points = [(june, 60), (march, 20), (may, 52)]
    assert scoring.trend(points, meaningful) == scoring.Trend("same", may, 8)
    # Two answers on one day: the one given last (listed last) is the latest.
    assert scoring.trend([(may, 60), (may, 40)], meaningful) == scoring.Trend("down", may, -20)


def test_half_points_round_up_like_the_plan_api() -> None:
    # mean 2.5 of a 0–10 goal scale → 3, not banker's rounding to 2
    two = instrument(goals("A", "B"))
    assert scoring.score(two, {"g-1": 2, "g-2": 3}).reported == 3
    assert scoring.score(two, {"g-1": 3, "g-2": 4}).reported == 4
