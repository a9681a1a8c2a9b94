"""The experience items summed up over all citizens, for the municipality (caseworker area)."""

from __future__ import annotations

from datetime import date

from portal.clients.base import APIModel, PlanAPIClient
from portal.clients.questionnaires import Text


class OptionCount(APIModel):
    value: int
    count: int


class ItemSummary(APIModel):
    item_id: str
    text: Text
    answered: int
    agree: int  # Enig or Meget enig
    counts: list[OptionCount] = []


class ExperienceSummary(APIModel):
    instrument_id: str
    title: Text
    respondents: int
    min_respondents: int
    since: date
    items: list[ItemSummary] | None = None  # None: too few answered to show numbers


class _SummaryList(APIModel):
    items: list[ExperienceSummary]


class ExperienceClient(PlanAPIClient):
    def get_summary(self, caseworker_id: str) -> list[ExperienceSummary]:
        """GET /v1/caseworkers/{caseworker_id}/experience-summary"""
        path = f"/v1/caseworkers/{caseworker_id}/experience-summary"
        return self.get(path, _SummaryList).items
