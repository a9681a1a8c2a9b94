"""The composite read: everything one page shows in one plan-API call, logged once.

`GET /v1/persons/{person_id}/overview?include=plan,cases,...` answers each part as its own
read would (the plan, the cases, the upcoming appointments, the contacts, the consents,
what questionnaires are due, the person's own part in others' plans), and `goal`, the
plan's overall goal alone (what the overview shows of the plan); a part not asked for is
None.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args

from portal.clients.appointments import Appointment
from portal.clients.base import APIModel, PlanAPIClient
from portal.clients.consents import Consent
from portal.clients.contacts import Contact, ContactList
from portal.clients.involvements import Involvement
from portal.clients.plan import Case, PersonRef, Plan
from portal.clients.questionnaires import DueQuestionnaire

Part = Literal[
    "plan",
    "goal",
    "cases",
    "appointments",
    "contacts",
    "consents",
    "questionnaires",
    "involvements",
]
PARTS: tuple[Part, ...] = get_args(Part)
# What the plan API requires of the caller's basis for each part (the goal is the plan's).
SCOPES: dict[Part, str] = {part: f"{part}:read" for part in PARTS} | {"goal": "plan:read"}


class PlanGoal(APIModel):
    """The plan's overall goal without the rest of the plan: all the overview shows of it."""

    plan_id: str
    overall_goal: str | None = None


class Overview(APIModel):
    person: PersonRef
    parts: list[str]
    plan: Plan | None = None
    goal: PlanGoal | None = None  # null without a plan
    cases: list[Case] | None = None
    appointments: list[Appointment] | None = None  # upcoming only, soonest first
    contacts: ContactList | None = None
    consents: list[Consent] | None = None
    questionnaires: list[DueQuestionnaire] | None = None
    involvements: list[Involvement] | None = None  # basis self only

    @property
    def contact_list(self) -> list[Contact] | None:
        return None if self.contacts is None else self.contacts.ordered()


class OverviewClient(PlanAPIClient):
    def get_overview(self, person_id: str, include: Iterable[Part]) -> Overview:
        """GET /v1/persons/{person_id}/overview?include=… (the parts in the contract's order)."""
        wanted = set(include)
        parts = ",".join(p for p in PARTS if p in wanted)
        return self.get(f"/v1/persons/{person_id}/overview", Overview, params={"include": parts})
