"""A family member's own part in someone's plan, and consent that takes effect on reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from planapi.extensions import db
from planapi.models import QuestionnaireResponse
from tests.unit.planapi.conftest import (
    PlanAPI,
    attorney,
    caseworker,
    citizen,
    guardian,
    ok,
    problem,
    staff,
)

INVOLVEMENTS = "/v1/persons/p-anders/involvements"


def test_a_parent_reads_his_task_and_invitation_in_his_childs_plan(api: PlanAPI) -> None:
    items = ok(api.get(INVOLVEMENTS, citizen("p-anders")))["items"]
    assert len(items) == 1
    emma = items[0]
    assert emma["person"]["id"] == "p-emma" and emma["role"] == "parent"
    assert emma["custody"] is True and emma["shared"] is True
    assert [t["what"] for t in emma["tasks"]] == [
        "Anders sender oplysninger om økonomi til ansøgningen."
    ]
    assert emma["tasks"][0]["due_on"] == "2026-11-30"  # one date: the agreed one
    assert [m["title"] for m in emma["invitations"]] == ["Møde om efterskoleansøgningen"]
    # Only his parts: not the caseworker's task, not Emma's talk with her contact person.
    assert all(t["responsible_person_id"] == "p-anders" for t in emma["tasks"])
    # Honest about it: Emma's access log shows that a plan member read his part.
    log = ok(api.get("/v1/persons/p-emma/access-log", guardian("p-anders")))["items"]
    read = next(e for e in log if e["resource"] == "plan/member-part")
    assert read["basis"] == "plan_member" and read["actor"]["kind"] == "family_member"
    assert read["actor"]["id"] == "p-anders"


def test_only_the_person_himself_reads_his_involvements(api: PlanAPI) -> None:
    body = problem(api.get(INVOLVEMENTS, citizen("p-jonas")), 403)
    assert "self" in body["detail"] and "Emma" not in str(body)
    problem(api.get("/v1/persons/p-mette/involvements", attorney("p-bent")), 403)
    assert ok(api.get("/v1/persons/p-jonas/involvements", citizen("p-jonas")))["items"] == []


def test_the_family_plan_shows_each_members_part(api: PlanAPI) -> None:
    plan = ok(api.get("/v1/persons/p-emma/plan", guardian("p-anders")))
    family = next(i for i in plan["interventions"] if i["title"] == "Familiebehandling")
    assert family["member_ids"] == ["p-emma", "p-anders"]
    task = next(a for a in plan["agreements"] if a["responsible_person_id"] == "p-anders")
    assert task["due_on"] == "2026-11-30"


def test_after_withdrawal_the_citizen_sees_what_is_no_longer_shared(api: PlanAPI) -> None:
    plan = ok(api.get("/v1/persons/p-karim/plan", citizen("p-karim")))
    sharing = plan["sharing"]
    assert sharing["status"] == "withdrawn" and sharing["shared_departments"] == []
    assert set(sharing["stopped_departments"]) == {"social", "health", "employment"}
    assert sharing["stopped_at"].startswith("2026-11-13")
    assert plan["sector_plans"] and not any(s["shared"] for s in plan["sector_plans"])
    # The plan was last agreed while he still consented, not after.
    assert plan["updated_at"] < sharing["stopped_at"]


def test_a_caseworker_no_longer_reads_parts_shared_only_by_the_withdrawn_consent(
    api: PlanAPI,
) -> None:
    plan = ok(api.get("/v1/persons/p-karim/plan", caseworker("cw-lene")))
    # Lene is in employment: she keeps her own department's part, nothing from the others.
    assert {s["department"] for s in plan["sector_plans"]} == {"employment"}
    assert all(i["department"] == "employment" for i in plan["interventions"])
    assert all(g["department"] == "employment" for g in plan["sub_goals"])
    assert plan["agreements"] == []
    # With consent in force she reads the whole joint plan.
    jonas = ok(api.get("/v1/persons/p-jonas/plan", caseworker("cw-lene")))
    assert {s["department"] for s in jonas["sector_plans"]} == {
        "employment",
        "social",
        "youth_education",
    }


def test_experience_summary_gives_numbers_only_from_five_respondents(
    api: PlanAPI, api_app: Flask
) -> None:
    path = "/v1/caseworkers/cw-lene/experience-summary"

    def experience() -> dict[str, Any]:
        items = ok(api.get(path, staff("cw-lene")))["items"]
        return next(s for s in items if s["instrument_id"] == "experience")

    assert experience()["respondents"] == 2 and experience()["items"] is None  # Jonas, Mette
    with api_app.app_context():
        now = datetime.now(UTC)
        for n, (person, value) in enumerate(
            (("p-emma", 5), ("p-karim", 2), ("p-oliver", 4), ("p-jonas", 1)), start=1
        ):
            db.session.add(
                QuestionnaireResponse(
                    id=f"qr-test-{n}",
                    person_id=person,
                    instrument_id="experience",
                    instrument_version=2,
                    language="da",
                    answers=[{"item_id": "exp-overview", "value": value}],
                    item_labels={},
                    raw=value,
                    reported=0,
                    answered_at=now - timedelta(minutes=n),
                    answered_by_id=person,
                    answered_by_name=person,
                    basis="self",
                )
            )
        db.session.commit()
    summary = experience()
    # Five people, each once with the newest answer (Jonas's 1 replaces his earlier 4).
    assert summary["respondents"] == 5
    overview = next(i for i in summary["items"] if i["item_id"] == "exp-overview")
    assert overview["text"]["da"] == "Mit forløb med kommunen har været overskueligt"
    assert (overview["answered"], overview["agree"]) == (5, 3)  # Mette 4, Emma 5, Oliver 4
    problem(api.get(path, staff("cw-peter")), 403)
