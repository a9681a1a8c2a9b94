"""The plan API scores as the portal does: half up, never banker's rounding."""

from __future__ import annotations

from typing import Any

from planapi.instruments import EXPERIENCE, WHO5, score
from portal import scoring
from portal.clients.questionnaires import Instrument


def _answers(instrument: dict[str, Any], values: list[int]) -> dict[str, int]:
    return {item["id"]: value for item, value in zip(instrument["items"], values, strict=True)}


def test_who5_is_raw_times_four() -> None:
    assert score(WHO5, _answers(WHO5, [3, 3, 3, 3, 4])) == (16.0, 64)


def test_a_half_is_rounded_up() -> None:
    # Mean 1.5 on the 1-5 agree scale: (1.5 - 1) x 25 = 12.5, which people read as 13.
    values = [1, 2, 1, 2, 1, 2]
    assert score(EXPERIENCE, _answers(EXPERIENCE, values)) == (1.5, 13)


def test_the_portal_scores_the_same_way() -> None:
    instrument = Instrument.model_validate(EXPERIENCE)
    for values in ([1, 2, 1, 2, 1, 2], [5, 4, 4, 3, 2, 1], [2, 2, 2, 2, 2, 3]):
        answers = _answers(EXPERIENCE, values)
        _raw, reported = score(EXPERIENCE, answers)
        assert scoring.score(instrument, answers).reported == reported
