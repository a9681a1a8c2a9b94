"""The change feed and notice recipients: service-level reads (no caller context)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from portal.clients.base import APIModel, PlanAPIClient


class FeedEvent(APIModel):
    id: str
    cursor: str
    type: str
    person_id: str
    resource: str
    at: datetime
    data: dict[str, Any] = Field(default_factory=dict)


class EventPage(APIModel):
    events: list[FeedEvent]
    next_cursor: str


class Recipient(APIModel):
    person_id: str
    cpr: str
    name: str
    basis: str
    age: int | None
    scope: list[str]


class Coordinator(APIModel):
    id: str
    name: str
    email: str


class NoticeRecipients(APIModel):
    person_id: str
    recipients: list[Recipient]
    coordinator: Coordinator | None
    caseworkers: list[Coordinator] = Field(default_factory=list)  # who answer messages


class EventsClient(PlanAPIClient):
    def list_events(self, after: str, limit: int = 100) -> EventPage:
        return self.get("/v1/events", EventPage, params={"after": after, "limit": limit})

    def list_notice_recipients(self, person_id: str) -> NoticeRecipients:
        return self.get(f"/v1/persons/{person_id}/notice-recipients", NoticeRecipients)
