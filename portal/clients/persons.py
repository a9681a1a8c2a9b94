"""Persons and caseworkers: who is logged in, whom they may act for, a caseworker's caseload.

Method names mirror the plan API's operations (resolvePerson, getPerson,
listRepresentations, listRelations, resolveCaseworker, getCaseworker, getCaseload).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from portal.clients.base import APIModel, PlanAPIClient

Scope = str  # e.g. "plan:read"; the plan API's Scope enum


class PersonRef(APIModel):
    id: str
    name: str


class Person(APIModel):
    id: str
    name: str
    given_name: str
    family_name: str
    birth_date: date
    age: int
    kind: Literal["citizen"] = "citizen"
    has_plan: bool


class Representation(APIModel):
    """Someone the citizen may act for, and on what basis (self is always first)."""

    person: PersonRef
    basis: Literal["self", "custody", "power_of_attorney"]
    age: int
    scope: list[Scope]
    valid_until: date | None = None


class Relation(APIModel):
    id: str
    kind: Literal["custody", "power_of_attorney"]
    holder: PersonRef
    subject: PersonRef
    scope: list[Scope]
    valid_from: date
    valid_until: date | None = None
    active: bool


class Caseworker(APIModel):
    id: str
    name: str
    workforce_id: str
    title: str
    department: str
    organisation: str
    phone: str
    email: str


class CaseworkerRef(APIModel):
    id: str
    name: str
    title: str
    phone: str
    email: str


class CaseloadEntry(APIModel):
    person: PersonRef
    age: int
    has_plan: bool
    next_follow_up: date | None = None


class Caseload(APIModel):
    caseworker: CaseworkerRef
    items: list[CaseloadEntry]

    def includes(self, person_id: str) -> bool:
        return any(entry.person.id == person_id for entry in self.items)


class _Representations(APIModel):
    items: list[Representation]


class _Relations(APIModel):
    items: list[Relation]


class PersonsClient(PlanAPIClient):
    def resolve_person(self, cpr: str) -> Person:
        """POST /v1/persons/resolve: the CPR travels in the body, never in a URL."""
        return self.post("/v1/persons/resolve", Person, json={"cpr": cpr})

    def get_person(self, person_id: str) -> Person:
        return self.get(f"/v1/persons/{person_id}", Person)

    def list_representations(self, person_id: str) -> list[Representation]:
        return self.get(f"/v1/persons/{person_id}/representations", _Representations).items

    def list_relations(self, person_id: str) -> list[Relation]:
        return self.get(f"/v1/persons/{person_id}/relations", _Relations).items

    def resolve_caseworker(self, workforce_id: str) -> Caseworker:
        return self.post("/v1/caseworkers/resolve", Caseworker, json={"workforce_id": workforce_id})

    def get_caseworker(self, caseworker_id: str) -> Caseworker:
        return self.get(f"/v1/caseworkers/{caseworker_id}", Caseworker)

    def get_caseload(self, caseworker_id: str) -> Caseload:
        return self.get(f"/v1/caseworkers/{caseworker_id}/caseload", Caseload)
