"""Composite reads: one page, one read, one access-log entry naming every part; few queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select

from planapi.extensions import db
from planapi.models import Consent, ConsentScope
from tests.unit.planapi.conftest import (
    PlanAPI,
    attorney,
    caseworker,
    citizen,
    consent_grant,
    guardian,
    ok,
)

ALL_PARTS = [
    "plan",
    "cases",
    "appointments",
    "contacts",
    "consents",
    "questionnaires",
    "involvements",  # the person's own part in others' plans: basis self only
]
FOR_ANOTHER = ALL_PARTS[:-1]


def log_of(api: PlanAPI, person_id: str) -> list[dict[str, Any]]:
    body = ok(api.get(f"/v1/persons/{person_id}/access-log", citizen(person_id)))
    return list(body["items"])


def new_entries(api: PlanAPI, person_id: str, before: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen = {e["id"] for e in before}
    return [e for e in log_of(api, person_id) if e["id"] not in seen]


def test_the_overview_is_every_part_as_its_own_read_gives_it(api: PlanAPI) -> None:
    me = citizen("p-mette")
    body = ok(api.get("/v1/persons/p-mette/overview", me))
    assert body["parts"] == ALL_PARTS
    assert body["person"] == {"id": "p-mette", "name": body["person"]["name"]}
    assert body["plan"] == ok(api.get("/v1/persons/p-mette/plan", me))
    assert body["cases"] == ok(api.get("/v1/persons/p-mette/cases", me))["items"]
    upcoming = api.get("/v1/persons/p-mette/appointments", me, query={"when": "upcoming"})
    assert body["appointments"] == ok(upcoming)["items"] and body["appointments"]
    assert body["contacts"] == ok(api.get("/v1/persons/p-mette/contacts", me))
    assert body["consents"] == ok(api.get("/v1/persons/p-mette/consents", me))["items"]
    due = ok(api.get("/v1/persons/p-mette/questionnaires", me))["items"]
    assert body["questionnaires"] == due and due


@pytest.mark.parametrize("person", ["p-mette", "p-karim", "p-jonas"])
def test_what_the_consent_shares_is_the_same_worked_out_from_the_consents_read(
    api: PlanAPI, person: str
) -> None:
    """With the consents part, the overview works out what is shared from the consents it
    read (no query of its own); Karim withdrew his: the plan and the questionnaires must
    say so exactly as their own reads, which ask the database, do."""
    me = citizen(person)
    body = ok(api.get(f"/v1/persons/{person}/overview", me))
    assert body["plan"] == ok(api.get(f"/v1/persons/{person}/plan", me))
    due = ok(api.get(f"/v1/persons/{person}/questionnaires", me))["items"]
    assert body["questionnaires"] == due
    if person == "p-karim":
        assert body["plan"]["sharing"]["status"] == "withdrawn"
        assert {q["status"] for q in due} == {"stopped"}


def test_one_read_writes_one_log_entry_naming_every_part(api: PlanAPI) -> None:
    before = log_of(api, "p-mette")
    ok(api.get("/v1/persons/p-mette/overview", citizen("p-mette")))
    [entry] = new_entries(api, "p-mette", before)
    assert entry["resource"] == ",".join(ALL_PARTS)
    assert (entry["action"], entry["outcome"], entry["actor"]["id"]) == (
        "read",
        "allowed",
        "p-mette",
    )


def test_include_reads_and_logs_only_the_named_parts(api: PlanAPI) -> None:
    before = log_of(api, "p-mette")
    body = ok(
        api.get("/v1/persons/p-mette/overview", citizen("p-mette"), query={"include": "cases,plan"})
    )
    assert body["parts"] == ["plan", "cases"]
    assert body["plan"]["id"] and body["cases"] is not None
    assert [body[p] for p in ALL_PARTS[2:]] == [None] * 5
    [entry] = new_entries(api, "p-mette", before)
    assert entry["resource"] == "plan,cases"


def test_the_goal_is_the_plans_goal_alone_and_is_logged_as_the_goal(api: PlanAPI) -> None:
    me = citizen("p-mette")
    before = log_of(api, "p-mette")
    body = ok(api.get("/v1/persons/p-mette/overview", me, query={"include": "goal"}))
    [entry] = new_entries(api, "p-mette", before)
    assert entry["resource"] == "goal"
    plan = ok(api.get("/v1/persons/p-mette/plan", me))
    assert body["goal"] == {"plan_id": plan["id"], "overall_goal": plan["overall_goal"]}
    assert body["parts"] == ["goal"] and body["plan"] is None
    # Left to the default, the plan holds the goal: it is not read twice.
    assert ok(api.get("/v1/persons/p-mette/overview", me))["goal"] is None


def test_the_goal_is_null_without_a_plan(api: PlanAPI) -> None:
    body = ok(
        api.get("/v1/persons/p-freja/overview", citizen("p-freja"), query={"include": "goal"})
    )
    assert (body["parts"], body["goal"]) == (["goal"], None)


@pytest.mark.parametrize("person_id", ["p-mette", "p-jonas", "p-anders"])
def test_what_is_due_is_the_same_read_with_the_goal_or_the_whole_plan(
    api: PlanAPI, person_id: str
) -> None:
    """With the goal the questionnaires read the plan's head and sub-goals only (not its
    other parts): the same items, counts and dates as beside the whole plan."""
    me = citizen(person_id)
    include = ",".join(ALL_PARTS).replace("plan", "goal", 1)
    lean = ok(api.get(f"/v1/persons/{person_id}/overview", me, query={"include": include}))
    whole = ok(api.get(f"/v1/persons/{person_id}/overview", me))
    assert lean["questionnaires"] == whole["questionnaires"]
    assert [lean[p] for p in ALL_PARTS[1:]] == [whole[p] for p in ALL_PARTS[1:]]


def test_a_preview_is_logged_once_as_a_preview_with_its_purpose(api: PlanAPI) -> None:
    before = log_of(api, "p-mette")
    ok(api.get("/v1/persons/p-mette/overview", caseworker("cw-lene"), query={"include": "plan"}))
    [entry] = new_entries(api, "p-mette", before)
    assert (entry["action"], entry["resource"], entry["purpose"]) == (
        "preview",
        "plan",
        "Forberedelse af møde",
    )


def test_a_power_of_attorney_gets_only_the_parts_it_covers(api: PlanAPI) -> None:
    body = ok(api.get("/v1/persons/p-mette/overview", attorney("p-bent")))
    assert body["parts"] == ["plan", "appointments"]
    assert body["consents"] is None and body["contacts"] is None and body["cases"] is None


def test_a_named_part_outside_the_basis_refuses_the_whole_read_and_is_logged(
    api: PlanAPI,
) -> None:
    before = log_of(api, "p-mette")
    response = api.get(
        "/v1/persons/p-mette/overview", attorney("p-bent"), query={"include": "plan,consents"}
    )
    assert response.status_code == 403
    assert "consents:read" in response.get_json()["detail"]
    assert "items" not in response.get_data(
        as_text=True
    ) and "overall_goal" not in response.get_data(as_text=True)
    [entry] = new_entries(api, "p-mette", before)
    assert (entry["outcome"], entry["resource"], entry["actor"]["id"]) == (
        "refused",
        "consents",
        "p-bent",
    )


def test_no_basis_at_all_is_refused_without_data(api: PlanAPI) -> None:
    response = api.get("/v1/persons/p-mette/overview", citizen("p-jonas"))
    assert response.status_code == 403
    assert response.get_json()["detail"] == "Basis self is only for one's own data."
    assert "overall_goal" not in response.get_data(as_text=True)


def test_a_person_without_a_plan_gets_null_not_404(api: PlanAPI) -> None:
    body = ok(api.get("/v1/persons/p-freja/overview", citizen("p-freja")))
    assert body["plan"] is None and body["questionnaires"] == []


def test_a_parent_reads_the_childs_overview(api: PlanAPI) -> None:
    body = ok(api.get("/v1/persons/p-emma/overview", guardian("p-anders")))
    assert body["parts"] == FOR_ANOTHER and body["cases"]
    assert body["involvements"] is None


def test_a_family_members_own_part_comes_in_his_overview_and_is_logged_for_the_child(
    api: PlanAPI,
) -> None:
    anders = citizen("p-anders")
    emma_before = log_of(api, "p-emma")
    body = ok(api.get("/v1/persons/p-anders/overview", anders, query={"include": "involvements"}))
    assert body["parts"] == ["involvements"]
    [part] = body["involvements"]
    assert part["person"]["id"] == "p-emma" and part["custody"] is True
    assert [t["responsible_person_id"] for t in part["tasks"]] == ["p-anders"]
    assert part["invitations"] and "overall_goal" not in str(part)
    [entry] = new_entries(api, "p-emma", emma_before)
    assert (entry["resource"], entry["basis"], entry["actor"]["id"]) == (
        "plan/member-part",
        "plan_member",
        "p-anders",
    )
    assert body["involvements"] == ok(api.get("/v1/persons/p-anders/involvements", anders))["items"]


def test_a_parent_acting_for_the_child_may_not_read_the_childs_involvements(api: PlanAPI) -> None:
    response = api.get(
        "/v1/persons/p-emma/overview", guardian("p-anders"), query={"include": "plan,involvements"}
    )
    assert response.status_code == 403
    assert response.get_json()["detail"] == (
        "Only the person themself may read his part in others' plans."
    )
    assert "overall_goal" not in response.get_data(as_text=True)


@pytest.mark.parametrize("include", ["", "plan,nonsense", ",", "PLAN"])
def test_an_unknown_part_is_a_bad_request(api: PlanAPI, include: str) -> None:
    response = api.get(
        "/v1/persons/p-mette/overview", citizen("p-mette"), query={"include": include}
    )
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["field"] == "include"


# Query counts ---------------------------------------------------------------------------


@contextmanager
def counted(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


# The most statements each read may send (SELECTs, the log INSERT). Each part is a fixed
# number of queries however many rows it has (eager loading, no N+1): raising a number
# here needs a reason. Plan and questionnaires ask once per request what the consent
# shares now (one query, none when the read includes the consents: worked out from their
# rows), and the questionnaires whether a family plan names the person
# (one query, shared with the involvements part). Anders, named in Emma's plan, reads his
# part of it: that plan's parts in one batch each, all its meetings in one query, his
# custody, what her consent shares and the entry in her access log.
# A composite read asks for the data version (its ETag: planapi/freshness.py) in the
# statement that reads the person.
MAX_QUERIES = {
    "/v1/persons/p-mette/overview": 18,
    # As the portal's overview asks: the goal (plan row and sub-goals) instead of the plan.
    "/v1/persons/p-mette/overview?include=goal,cases,appointments,contacts,consents,"
    "questionnaires,involvements": 13,
    "/v1/persons/p-mette/overview?include=goal": 4,
    "/v1/persons/p-anders/overview": 20,
    "/v1/persons/p-emma/overview?include=plan,cases": 15,
    "/v1/persons/p-mette/plan": 11,
    "/v1/persons/p-mette/appointments": 5,
    "/v1/persons/p-mette/consents": 6,
}
CALLERS = {
    "p-mette": citizen("p-mette"),
    "p-emma": guardian("p-anders"),
    "p-anders": citizen("p-anders"),
}


@pytest.mark.parametrize(("path", "most"), MAX_QUERIES.items())
def test_a_read_sends_a_fixed_small_number_of_queries(
    api: PlanAPI, api_app: Flask, path: str, most: int
) -> None:
    who = CALLERS[path.split("/")[3]]
    ok(api.get(path, who))  # warm: the first request of a process loads more
    with counted(api_app) as statements:
        ok(api.get(path, who))
    assert len(statements) <= most, "\n".join(statements)


def test_the_overview_costs_the_same_queries_with_more_rows(api: PlanAPI, api_app: Flask) -> None:
    """No N+1: another consent, appointment and case step add rows, not queries."""
    me = citizen("p-mette")
    with counted(api_app) as first:
        ok(api.get("/v1/persons/p-mette/overview", me))
    ok(api.post("/v1/persons/p-mette/consents", consent_grant(("health",)), me), 201)
    with counted(api_app) as second:
        ok(api.get("/v1/persons/p-mette/overview", me))
    assert len(second) == len(first)


def test_the_overview_reads_when_each_questionnaire_was_last_answered_not_every_answer(
    api: PlanAPI, api_app: Flask
) -> None:
    """What is due needs only the last moment per questionnaire: the overview reads no
    stored answers (they grow with every round, and were read in full per page view)."""
    me = citizen("p-mette")
    with counted(api_app) as statements:
        body = ok(api.get("/v1/persons/p-mette/overview", me))
    responses = [s for s in statements if "questionnaire_responses" in s]
    assert responses, "the overview no longer asks when questionnaires were answered"
    assert not [s for s in responses if "answers" in s.replace("answered", "")], responses
    answered = [q for q in body["questionnaires"] if q["last_answered_at"]]
    assert answered, "Mette's seeded answers no longer show"


def test_what_is_shared_lists_the_departments_alike_whichever_read_works_it_out(
    api: PlanAPI, api_app: Flask
) -> None:
    """A consent given before Mette's but stored after it: the plan's own read asks the
    database, the overview works it out from the consents it read, and both list the
    departments in the order the consents were given (the stored order is no order)."""
    with api_app.app_context():
        first = db.session.scalars(select(Consent).where(Consent.person_id == "p-mette")).one()
        given = {scope.department for scope in first.scopes}
        other = next(d for d in ("youth", "children_family", "health", "social") if d not in given)
        db.session.add(
            Consent(
                id="c-given-before", person_id="p-mette", purpose=first.purpose,
                legal_basis=first.legal_basis, text_version=first.text_version,
                granted_by_id="p-mette", granted_by_name=first.granted_by_name,
                granted_by_kind="citizen", granted_at=first.granted_at - timedelta(days=30),
                expires_at=first.expires_at,
                scopes=[ConsentScope(id="cs-given-before", position=0, department=other,
                                     information="Oplysninger")],
            )
        )  # fmt: skip
        db.session.commit()
    me = citizen("p-mette")
    sharing = ok(api.get("/v1/persons/p-mette/plan", me))["sharing"]
    assert sharing["shared_departments"][0] == other
    overview = ok(api.get("/v1/persons/p-mette/overview", me))
    assert overview["plan"]["sharing"] == sharing
