"""Scoring and validation of questionnaire answers: pure functions, no Flask.

WHO-5: five items 0–5, raw score 0–25, reported ×4 as 0–100 (a well-being index, not
a diagnosis). Goal items: 0–10 each, one per active sub-goal. Experience items:
five-point agree/disagree. The instrument's `scoring` (sum or mean, offset, factor) says
how the reported score is made; WHO-5 is also spelled out here to test against it.

Validation returns error *codes* per field; the view turns them into Danish/English
messages, so this module needs no request or locale.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from portal.clients.questionnaires import Instrument, Item

WHO5_ITEMS = 5
WHO5_ITEM_MAX = 5
WHO5_MULTIPLIER = 4
# A change of 10 points on the 0–100 scale is the usual threshold for a real change.
WHO5_MEANINGFUL_CHANGE = 10

# Exactly how the form sends a value: no "+3", "03" or non-ASCII digits.
_WHOLE_NUMBER = re.compile(r"-?(0|[1-9][0-9]{0,5})")

ErrorCode = Literal["missing", "not_a_number", "outside_scale"]
Direction = Literal["up", "down", "same"]


def who5_raw(answers: Sequence[int]) -> int:
    """The raw WHO-5 score 0–25: the sum of five answers 0–5."""
    if len(answers) != WHO5_ITEMS:
        raise ValueError(f"WHO-5 has {WHO5_ITEMS} items, got {len(answers)}")
    for value in answers:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"not a whole number: {value!r}")
        if not 0 <= value <= WHO5_ITEM_MAX:
            raise ValueError(f"outside 0–{WHO5_ITEM_MAX}: {value}")
    return sum(answers)


def who5_index(answers: Sequence[int]) -> int:
    """The WHO-5 well-being index 0–100 (raw score ×4)."""
    return who5_raw(answers) * WHO5_MULTIPLIER


@dataclass(frozen=True)
class Result:
    raw: float  # the sum or mean of the answers
    reported: int  # on the instrument's reported scale (WHO-5: 0–100)
    per_item: dict[str, int] = field(default_factory=dict)


def score(instrument: Instrument, answers: Mapping[str, int]) -> Result:
    """Score complete, valid answers the way the instrument says.

    reported = (sum or mean − offset) × factor, rounded half up (as the plan API does).
    """
    items = instrument.ordered_items
    values = [answers[item.id] for item in items]
    rule = instrument.scoring
    raw = float(sum(values)) if rule.method == "sum" else sum(values) / len(values)
    reported = math.floor((raw - rule.offset) * rule.factor + 0.5)
    reported = min(max(reported, rule.reported_min), rule.reported_max)
    return Result(raw=raw, reported=reported, per_item={i.id: answers[i.id] for i in items})


def field_name(item: Item) -> str:
    """The form field of an item (prefixed so it never clashes with csrf_token etc.)."""
    return f"q-{item.id}"


@dataclass(frozen=True)
class Validation:
    answers: dict[str, int]  # item id → value, only the valid ones
    errors: dict[str, ErrorCode]  # item id → what is wrong

    @property
    def ok(self) -> bool:
        return not self.errors


def validate(instrument: Instrument, form: Mapping[str, str]) -> Validation:
    """Check a submitted form against the instrument: every item answered, on its scale."""
    answers: dict[str, int] = {}
    errors: dict[str, ErrorCode] = {}
    for item in instrument.ordered_items:
        raw = (form.get(field_name(item)) or "").strip()
        if not raw:
            errors[item.id] = "missing"
            continue
        if not _WHOLE_NUMBER.fullmatch(raw):
            errors[item.id] = "not_a_number"
            continue
        value = int(raw)
        if not instrument.scale_of(item).allows(value):
            errors[item.id] = "outside_scale"
            continue
        answers[item.id] = value
    return Validation(answers=answers, errors=errors)


def partial_answers(instrument: Instrument, form: Mapping[str, str]) -> dict[str, int]:
    """The valid answers in a half-filled form (for saving a draft)."""
    return validate(instrument, form).answers


@dataclass(frozen=True)
class Trend:
    direction: Direction
    since: date  # when the earlier measurement was
    change: float


def trend(points: Sequence[tuple[date, float]], meaningful_change: float) -> Trend | None:
    """Compare the latest measurement with the one before it.

    A change smaller than `meaningful_change` counts as "about the same", so small
    ups and downs are not read as progress or setback.
    """
    if len(points) < 2:
        return None
    ordered = sorted(points, key=lambda p: p[0])
    (since, before), (_, latest) = ordered[-2], ordered[-1]
    change = latest - before
    if change >= meaningful_change:
        direction: Direction = "up"
    elif change <= -meaningful_change:
        direction = "down"
    else:
        direction = "same"
    return Trend(direction=direction, since=since, change=change)
