"""The joint plan (goal, sub-goals, interventions across departments, agreements) and the
cases with steps (e.g. an efterskole-support application) that sit beside it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from portal.clients.base import APIModel, PlanAPIClient, PlanAPINotFound

Department = str  # employment | social | children_family | youth_education | health | ...


class PersonRef(APIModel):
    id: str
    name: str


class CaseworkerRef(APIModel):
    id: str
    name: str
    title: str
    phone: str | None = None
    email: str | None = None


class PlanMember(APIModel):
    person: PersonRef
    role: str  # citizen | child | parent | sibling | partner
    legal_basis: str | None = None


class SubGoal(APIModel):
    id: str
    title: str
    description: str | None = None
    status: str  # not_started | in_progress | achieved | paused | cancelled
    target_date: date | None = None
    department: Department | None = None
    shared: bool = True


class Intervention(APIModel):
    id: str
    title: str
    description: str | None = None
    department: Department
    legal_basis: str | None = None
    provider: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    status: str = "active"  # planned | active | paused | ended
    sector_plan_id: str | None = None
    member_ids: list[str] = []  # in a family plan: the members it is for (empty: all)
    shared: bool = True  # False: its department no longer shares it (consent withdrawn)


class SectorPlan(APIModel):
    id: str
    title: str
    law_area: str | None = None
    legal_basis: str | None = None
    department: Department
    goals: list[str] = []
    responsible: str | None = None
    updated_on: date | None = None
    external_url: str | None = None
    shared: bool = True


class Benefit(APIModel):
    name: str
    department: Department
    legal_basis: str | None = None


class Agreement(APIModel):
    id: str
    what: str
    responsible: str | None = None
    agreed_on: date | None = None
    due_on: date | None = None
    status: Literal["open", "done"] | str = "open"
    responsible_person_id: str | None = None

    @property
    def done(self) -> bool:
        return self.status == "done"


class Sharing(APIModel):
    """What the person's consent lets the departments share now."""

    status: Literal["active", "partial", "withdrawn", "expired", "none"] | str = "none"
    shared_departments: list[Department] = []
    stopped_departments: list[Department] = []
    stopped_at: datetime | None = None

    @property
    def stopped(self) -> bool:
        """Some department no longer shares (withdrawn or expired consent)."""
        return bool(self.stopped_departments)

    @property
    def joint(self) -> bool:
        return self.status in ("active", "partial", "none")


class Plan(APIModel):
    id: str
    person: PersonRef
    overall_goal: str | None = None
    members: list[PlanMember] = []
    departments: list[Department] = []
    sub_goals: list[SubGoal] = []
    interventions: list[Intervention] = []
    sector_plans: list[SectorPlan] = []
    benefits: list[Benefit] = []
    agreements: list[Agreement] = []
    next_follow_up: date | None = None
    coordinator: CaseworkerRef | None = None
    questionnaire_cadence_weeks: int | None = None
    version: int | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None
    sharing: Sharing = Sharing()

    def member_part(self, person_id: str) -> list[Intervention]:
        """The interventions of a family plan that are for this member."""
        return [i for i in self.interventions if person_id in i.member_ids]

    def tasks_of(self, person_id: str) -> list[Agreement]:
        return [a for a in self.agreements if a.responsible_person_id == person_id]

    def held_alone(self) -> list[tuple[Department, list[SectorPlan], list[Intervention]]]:
        """Per department that stopped sharing: what of the plan it still holds on its own."""
        return [
            (
                d,
                [s for s in self.sector_plans if s.department == d],
                [i for i in self.interventions if i.department == d],
            )
            for d in self.sharing.stopped_departments
        ]

    def by_department(self) -> list[tuple[Department, list[Intervention]]]:
        """Interventions grouped by department, in the plan's department order."""
        order = list(self.departments)
        order += [i.department for i in self.interventions if i.department not in order]
        groups = [(d, [i for i in self.interventions if i.department == d]) for d in order]
        return [(d, items) for d, items in groups if items]

    def sector_plan(self, sector_plan_id: str | None) -> SectorPlan | None:
        return next((s for s in self.sector_plans if s.id == sector_plan_id), None)


class CaseStep(APIModel):
    id: str
    position: int
    key: str | None = None
    title: str
    status: str  # done | current | pending
    completed_on: date | None = None


class MissingDocument(APIModel):
    id: str
    title: str
    provided_by: str
    requested_on: date | None = None
    due_on: date | None = None
    status: str = "missing"  # missing | received
    received_on: date | None = None
    uploadable: bool = False  # the citizen or parent can send it in the portal
    document_id: str | None = None


class Case(APIModel):
    id: str
    person: PersonRef
    title: str
    department: Department | None = None
    legal_basis: str | None = None
    status: str = "received"  # received | in_progress | decided | closed
    received_on: date | None = None
    decision_due: date | None = None
    caseworker: CaseworkerRef | None = None
    steps: list[CaseStep] = []
    missing_documents: list[MissingDocument] = []

    @property
    def ordered_steps(self) -> list[CaseStep]:
        return sorted(self.steps, key=lambda s: s.position)

    @property
    def missing(self) -> list[MissingDocument]:
        return [d for d in self.missing_documents if d.status == "missing"]

    @property
    def sent_in(self) -> list[MissingDocument]:
        """What was asked for and has been sent through the portal."""
        return [d for d in self.missing_documents if d.status == "received" and d.document_id]


class _CaseList(APIModel):
    items: list[Case]


class PlanClient(PlanAPIClient):
    def get_plan(self, person_id: str) -> Plan | None:
        """GET /v1/persons/{person_id}/plan; None when the person has no HOI plan."""
        try:
            return self.get(f"/v1/persons/{person_id}/plan", Plan)
        except PlanAPINotFound:
            return None

    def list_cases(self, person_id: str) -> list[Case]:
        """GET /v1/persons/{person_id}/cases."""
        return self.get(f"/v1/persons/{person_id}/cases", _CaseList).items

    def get_case(self, person_id: str, case_id: str) -> Case:
        """GET /v1/persons/{person_id}/cases/{case_id}."""
        return self.get(f"/v1/persons/{person_id}/cases/{case_id}", Case)
