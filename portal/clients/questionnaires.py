"""Questionnaires (progression measurements): instruments, what is due, responses, scores.

Instruments are data from the plan API (versioned items, answer scales, scoring, Danish
and English wording, source attribution); the portal renders and scores them but never
hard-codes their wording.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from portal.clients.base import APIModel, PlanAPIClient, Write
from portal.i18n import language

Status = Literal["due", "overdue", "answered", "upcoming", "stopped"]

WHO5 = "who-5"
PLAN_GOALS = "plan-goals"
RESPONSE = "questionnaire.response"  # what an answer is, in the outbox


class Text(APIModel):
    """A text in both languages; prints in the current language (Danish as fallback)."""

    da: str
    en: str = ""

    def __str__(self) -> str:
        return self.en if language() == "en" and self.en else self.da


class ScaleOption(APIModel):
    value: int
    label: Text


class Scale(APIModel):
    id: str
    min: int
    max: int
    options: list[ScaleOption]  # every allowed value, in display order
    min_label: Text | None = None
    max_label: Text | None = None

    def allows(self, value: int) -> bool:
        return any(option.value == value for option in self.options)


class Item(APIModel):
    id: str
    position: int
    text: Text
    scale_id: str
    sub_goal_id: str | None = None


class Scoring(APIModel):
    """reported = round((sum or mean of the answers − offset) × factor)."""

    method: Literal["sum", "mean"]
    offset: float
    factor: float
    raw_min: float
    raw_max: float
    reported_min: int
    reported_max: int
    note: Text | None = None


class Source(APIModel):
    name: str
    attribution: Text
    url: str | None = None


class Instrument(APIModel):
    id: str
    version: int
    title: Text
    description: Text
    instructions: Text
    languages: list[str] = []
    source: Source
    scales: list[Scale]
    items: list[Item]
    scoring: Scoring
    generated: bool = False
    estimated_minutes: int = 2

    def scale_of(self, item: Item) -> Scale:
        for scale in self.scales:
            if scale.id == item.scale_id:
                return scale
        raise LookupError(f"item {item.id} names an unknown scale {item.scale_id}")

    @property
    def ordered_items(self) -> list[Item]:
        return sorted(self.items, key=lambda i: i.position)


class DueQuestionnaire(APIModel):
    """One instrument the plan asks the person to answer every `cadence_weeks`."""

    instrument_id: str
    instrument_version: int
    title: Text
    status: Status
    due_on: date
    cadence_weeks: int
    last_answered_at: datetime | None = None
    item_count: int = 0
    estimated_minutes: int = 2


class Answer(APIModel):
    item_id: str
    value: int


class ItemScore(APIModel):
    item_id: str
    value: int
    label: Text | None = None


class Score(APIModel):
    response_id: str
    instrument_id: str
    answered_at: datetime
    raw: float
    reported: int
    reported_min: int
    reported_max: int
    items: list[ItemScore] = []


class PersonRef(APIModel):
    id: str
    name: str


class QuestionnaireResponse(APIModel):
    id: str
    instrument_id: str
    instrument_version: int
    language: str
    answers: list[Answer]
    score: Score
    answered_at: datetime
    answered_by: PersonRef
    basis: str


class _DueList(APIModel):
    items: list[DueQuestionnaire]


class _ScoreList(APIModel):
    items: list[Score]


class _ResponseList(APIModel):
    items: list[QuestionnaireResponse]


class QuestionnairesClient(PlanAPIClient):
    def list_due(self, person_id: str) -> list[DueQuestionnaire]:
        """GET /v1/persons/{person_id}/questionnaires"""
        return self.get(f"/v1/persons/{person_id}/questionnaires", _DueList).items

    def get_person_questionnaire(self, person_id: str, instrument_id: str) -> Instrument:
        """GET /v1/persons/{person_id}/questionnaires/{instrument_id}"""
        return self.get(f"/v1/persons/{person_id}/questionnaires/{instrument_id}", Instrument)

    def list_responses(self, person_id: str, instrument_id: str) -> list[QuestionnaireResponse]:
        """GET /v1/persons/{person_id}/questionnaires/{instrument_id}/responses (oldest first)"""
        path = f"/v1/persons/{person_id}/questionnaires/{instrument_id}/responses"
        return self.get(path, _ResponseList).items

    def list_scores(self, person_id: str, instrument_id: str | None = None) -> list[Score]:
        """GET /v1/persons/{person_id}/scores (oldest first)"""
        params = {"instrument_id": instrument_id} if instrument_id else None
        found: list[Score] = self.get(
            f"/v1/persons/{person_id}/scores", _ScoreList, params=params
        ).items
        return sorted(found, key=lambda s: s.answered_at)


def submit_response(
    person_id: str, instrument: Instrument, answers: dict[str, int], language: str
) -> Write:
    """POST /v1/persons/{person_id}/questionnaires/{instrument_id}/responses (submitResponse,
    a QuestionnaireResponseInput), sent through the outbox."""
    path = f"/v1/persons/{person_id}/questionnaires/{instrument.id}/responses"
    payload = response_input(instrument, answers, language)
    return Write(RESPONSE, person_id, instrument.id, path, payload)


def response_input(
    instrument: Instrument, answers: dict[str, int], language: str
) -> dict[str, Any]:
    """The body of submitResponse (QuestionnaireResponseInput)."""
    return {
        "instrument_version": instrument.version,
        "language": language if language in ("da", "en") else "da",
        "answers": [
            {"item_id": item.id, "value": answers[item.id]} for item in instrument.ordered_items
        ],
    }
