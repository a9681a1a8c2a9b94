"""A person's own part in other people's plans (a parent named in his child's plan)."""

from __future__ import annotations

from portal.clients.appointments import Appointment
from portal.clients.base import APIModel, PlanAPIClient
from portal.clients.plan import Agreement, CaseworkerRef, PersonRef


class Involvement(APIModel):
    plan_id: str
    person: PersonRef  # whose plan it is
    role: str  # parent | sibling | partner | ...
    legal_basis: str | None = None
    custody: bool = False  # the reader may open the whole plan, acting for the person
    shared: bool = True
    coordinator: CaseworkerRef | None = None
    tasks: list[Agreement] = []
    invitations: list[Appointment] = []


class _InvolvementList(APIModel):
    items: list[Involvement]


class InvolvementsClient(PlanAPIClient):
    def list_involvements(self, person_id: str) -> list[Involvement]:
        """GET /v1/persons/{person_id}/involvements (the person himself only)"""
        return self.get(f"/v1/persons/{person_id}/involvements", _InvolvementList).items
