"""Plans as the page reads use them: Core rows straight into the serialiser.

A plan with its six collections costs the ORM seven queries and, per row, an object in the
identity map; on one overview that was a third of the plan API's CPU. The reads only look
at the plan, never change it, so they take the same seven queries as plain rows (a Row
reads like the model: `row.department`), for any number of plans at once. Writes keep the
ORM models.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Label, Row, Select, Table, bindparam, select

from planapi.extensions import db
from planapi.models import (
    Agreement,
    Benefit,
    Caseworker,
    Intervention,
    Person,
    Plan,
    PlanMember,
    SectorPlan,
    SubGoal,
)


@dataclass(frozen=True)
class PersonRef:
    id: str
    name: str


@dataclass(frozen=True)
class MemberRead:
    person_id: str
    person: PersonRef
    role: str
    legal_basis: str


@dataclass(frozen=True)
class CaseworkerRead:
    id: str
    workforce_id: str
    name: str
    title: str
    department: str
    organisation: str
    phone: str
    email: str


@dataclass(frozen=True)
class PlanHead:
    """A plan's own row and its sub-goals, without the other collections: what the
    overview's goal and the questionnaires (cadence, one item per sub-goal) need; two
    queries, not seven."""

    id: str
    person_id: str
    person: PersonRef
    overall_goal: str
    coordinator: CaseworkerRead
    next_follow_up: date | None
    cadence_weeks: int
    questionnaires_start_on: date
    version: int
    updated_at: datetime
    updated_by: str
    sub_goals: list[Any]


@dataclass(frozen=True)
class PlanRead(PlanHead):
    """A plan as `Plan` reads, for reading only: parts are rows with the models' fields."""

    members: list[MemberRead]
    interventions: list[Any]
    sector_plans: list[Any]
    benefits: list[Any]
    agreements: list[Any]


PLANS: Table = Plan.__table__
PERSONS: Table = Person.__table__
CASEWORKERS: Table = Caseworker.__table__
# The collections read as they are (a row per part, in the plan's order).
PARTS: dict[str, Table] = {
    "sub_goals": SubGoal.__table__,
    "interventions": Intervention.__table__,
    "sector_plans": SectorPlan.__table__,
    "benefits": Benefit.__table__,
    "agreements": Agreement.__table__,
}
MEMBERS: Table = PlanMember.__table__


def prefixed(table: Table, prefix: str) -> list[Label[Any]]:
    """A joined table's columns as `<prefix>_<name>` (its names would clash with the row's)."""
    return [c.label(f"{prefix}_{c.name}") for c in table.c]


def unprefixed(row: Row[Any], table: Table, prefix: str) -> dict[str, Any]:
    """The joined table's part of a row, by the table's own column names."""
    return {c.name: getattr(row, f"{prefix}_{c.name}") for c in table.c}


def _heads(condition: ColumnElement[bool]) -> Select[Any]:
    owner = PERSONS.alias("owner")
    return (
        select(
            PLANS,
            owner.c.name.label("owner_name"),
            *prefixed(CASEWORKERS, "cw"),
        )
        .join(owner, owner.c.id == PLANS.c.person_id)
        .join(CASEWORKERS, CASEWORKERS.c.id == PLANS.c.coordinator_id)
        .where(condition)
        .order_by(PLANS.c.id)
    )


# Built once: building a statement costs about as much as running it (0.3 of 0.55 ms here).
PERSON: BindParameter[str] = bindparam("person_id")
IDS: BindParameter[list[str]] = bindparam("ids", expanding=True)
OWN_PLAN = _heads(PLANS.c.person_id == PERSON)
_NAMING = PLANS.c.id.in_(select(MEMBERS.c.plan_id).where(MEMBERS.c.person_id == PERSON)) & (
    PLANS.c.person_id != PERSON
)
NAMED_IN = _heads(_NAMING)
# Whose plans those are, in the same order, without reading them (a repeat read's log),
# and whether there are any (asked with the data version: planapi/freshness.py).
OWNERS_NAMING = select(PLANS.c.person_id).where(_NAMING).order_by(PLANS.c.id)
NAMED = select(PLANS.c.id).where(_NAMING).exists()
PART_ROWS = {
    name: select(table).where(table.c.plan_id.in_(IDS)).order_by(table.c.plan_id, table.c.position)
    for name, table in PARTS.items()
}
MEMBER_ROWS = (
    select(MEMBERS, PERSONS.c.name.label("person_name"))
    .join(PERSONS, PERSONS.c.id == MEMBERS.c.person_id)
    .where(MEMBERS.c.plan_id.in_(IDS))
    .order_by(MEMBERS.c.plan_id, MEMBERS.c.position)
)


def own_plan(person_id: str) -> PlanRead | None:
    """The person's own plan, whole; None without one."""
    return next(iter(_whole(OWN_PLAN, person_id)), None)


def own_plan_head(person_id: str) -> PlanHead | None:
    """The person's own plan with its sub-goals only; None without one."""
    head = next(iter(rows_of(OWN_PLAN, person_id=person_id)), None)
    if head is None:
        return None
    goals = grouped_by(PART_ROWS["sub_goals"], "plan_id", [head.id])
    return PlanHead(**_head_fields(head), sub_goals=goals[head.id])


def plans_naming(person_id: str) -> list[PlanRead]:
    """The plans of others that name the person as a member, ordered by id, each whole."""
    return _whole(NAMED_IN, person_id)


def owners_naming(person_id: str) -> list[str]:
    """The owners of the plans `plans_naming` reads, in its order."""
    return [row.person_id for row in rows_of(OWNERS_NAMING, person_id=person_id)]


def rows_of(statement: Select[Any], **params: Any) -> Sequence[Row[Any]]:
    """The rows of a statement built once, in the request's transaction."""
    return db.session.connection().execute(statement, params).all()


def grouped_by(statement: Select[Any], key: str, ids: list[str]) -> dict[str, list[Row[Any]]]:
    """The rows of `statement` for these parents (`ids`), grouped by the parent's id (`key`)."""
    grouped: dict[str, list[Row[Any]]] = defaultdict(list)
    if ids:
        for row in rows_of(statement, ids=ids):
            grouped[getattr(row, key)].append(row)
    return grouped


def _whole(heads_of: Select[Any], person_id: str) -> list[PlanRead]:
    heads = rows_of(heads_of, person_id=person_id)
    ids = [h.id for h in heads]
    parts = {name: grouped_by(statement, "plan_id", ids) for name, statement in PART_ROWS.items()}
    members = grouped_by(MEMBER_ROWS, "plan_id", ids)
    return [
        _plan(
            h,
            [
                MemberRead(
                    m.person_id, PersonRef(m.person_id, m.person_name), m.role, m.legal_basis
                )
                for m in members[h.id]
            ],
            {name: rows[h.id] for name, rows in parts.items()},
        )
        for h in heads
    ]


def _head_fields(head: Row[Any]) -> dict[str, Any]:
    return {
        "id": head.id,
        "person_id": head.person_id,
        "person": PersonRef(head.person_id, head.owner_name),
        "overall_goal": head.overall_goal,
        "coordinator": CaseworkerRead(**unprefixed(head, CASEWORKERS, "cw")),
        "next_follow_up": head.next_follow_up,
        "cadence_weeks": head.cadence_weeks,
        "questionnaires_start_on": head.questionnaires_start_on,
        "version": head.version,
        "updated_at": head.updated_at,
        "updated_by": head.updated_by,
    }


def _plan(head: Row[Any], members: list[MemberRead], parts: dict[str, list[Any]]) -> PlanRead:
    return PlanRead(
        **_head_fields(head),
        members=members,
        sub_goals=parts["sub_goals"],
        interventions=parts["interventions"],
        sector_plans=parts["sector_plans"],
        benefits=parts["benefits"],
        agreements=parts["agreements"],
    )
