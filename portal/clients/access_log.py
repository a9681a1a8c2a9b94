"""The person's access log ("Hvem har set mine oplysninger"): read it, and record what the
portal itself did on the stated basis (a preview, an export)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from portal.clients.base import APIModel, PlanAPIClient

ActorKind = Literal[
    "citizen", "guardian", "representative", "caseworker", "family_member", "system"
]
ACTOR_KINDS: tuple[ActorKind, ...] = (
    "citizen",
    "guardian",
    "representative",
    "caseworker",
    "family_member",
    "system",
)
MAX_PAGE_SIZE = 100


class Actor(APIModel):
    id: str
    name: str
    kind: ActorKind | str


class AccessLogEntry(APIModel):
    id: str
    at: datetime
    actor: Actor
    action: Literal["read", "change", "preview", "export"] | str
    resource: str
    basis: str | None = None
    purpose: str | None = None
    outcome: Literal["allowed", "refused"] | str = "allowed"

    @property
    def refused(self) -> bool:
        return self.outcome == "refused"

    @property
    def area(self) -> str:
        """The kind of data, without an id: 'consents/c-1' → 'consents'."""
        return self.resource.split("/", 1)[0]

    @property
    def areas(self) -> list[str]:
        """Every kind of data one page view read: 'plan,cases' → ['plan', 'cases']."""
        return [part.split("/", 1)[0] for part in self.resource.split(",") if part]


class AccessLogPage(APIModel):
    items: list[AccessLogEntry]
    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


class AccessLogClient(PlanAPIClient):
    def list_access_log(
        self,
        person_id: str,
        *,
        actor_kind: ActorKind | None = None,
        since: date | None = None,
        until: date | None = None,
        page: int = 1,
        page_size: int = 20,
    ) -> AccessLogPage:
        """GET /v1/persons/{person_id}/access-log, newest first (reading it is not logged)."""
        params: dict[str, Any] = {"page": page, "page_size": page_size}
        if actor_kind:
            params["actor_kind"] = actor_kind
        if since:
            params["since"] = since.isoformat()
        if until:
            params["until"] = until.isoformat()
        return self.get(f"/v1/persons/{person_id}/access-log", AccessLogPage, params=params)

    def list_all(
        self,
        person_id: str,
        limit: int = 2000,
        *,
        actor_kind: ActorKind | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> list[AccessLogEntry]:
        """Every entry (filtered as list_access_log), newest first, up to `limit`."""
        entries: list[AccessLogEntry] = []
        page = 1
        while len(entries) < limit:
            batch = self.list_access_log(
                person_id,
                actor_kind=actor_kind,
                since=since,
                until=until,
                page=page,
                page_size=MAX_PAGE_SIZE,
            )
            entries.extend(batch.items)
            if page >= batch.pages or not batch.items:
                break
            page += 1
        return entries[:limit]

    def write_access_log(
        self,
        person_id: str,
        action: Literal["read", "preview", "export"],
        resource: str,
        purpose: str | None = None,
    ) -> AccessLogEntry:
        """POST /v1/persons/{person_id}/access-log. A caller without a basis for the person
        is refused with 403, and the plan API writes the refused attempt to the log."""
        body: dict[str, Any] = {"action": action, "resource": resource}
        if purpose:
            body["purpose"] = purpose[:300]
        return self.post(f"/v1/persons/{person_id}/access-log", AccessLogEntry, json=body)
