"""The demo world: personas, plans and their invariants; loading twice gives the same world."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from sqlalchemy import func, select

from planapi.clock import TZ
from planapi.demo import load
from planapi.demo.loader import weekday_offset
from planapi.demo.personas import CASEWORKERS, CITIZENS, citizen_by_cpr
from planapi.extensions import db
from planapi.models import AccessLogEntry, Appointment, Contact, Person, Plan
from tests.unit.planapi.conftest import TODAY, PlanAPI, citizen, ok, problem


def test_personas_are_fictitious_and_unique() -> None:
    def mod11(cpr: str) -> bool:
        weights = [4, 3, 2, 7, 6, 5, 4, 3, 2, 1]
        return sum(int(d) * w for d, w in zip(cpr, weights, strict=True)) % 11 == 0

    cprs = [c["cpr"] for c in CITIZENS]
    assert len(set(cprs)) == len(cprs) and not any(mod11(c) for c in cprs)
    ids = [p["id"] for p in (*CITIZENS, *CASEWORKERS)]
    assert len(set(ids)) == len(ids)
    emma = citizen_by_cpr("020411-9990")
    assert emma is not None and emma["id"] == "p-emma"


def test_loading_twice_gives_the_same_world(api_app: Flask) -> None:
    def counts() -> tuple[int, int, int]:
        return (
            db.session.scalar(select(func.count()).select_from(Person)) or 0,
            db.session.scalar(select(func.count()).select_from(Appointment)) or 0,
            db.session.scalar(select(func.count()).select_from(AccessLogEntry)) or 0,
        )

    with api_app.app_context():
        first = counts()
        load(db.session, TODAY)
        assert counts() == first
        assert first[0] == len(CITIZENS)


def test_load_demo_command(api_app: Flask) -> None:
    result = api_app.test_cli_runner().invoke(args=["load-demo", "--today", "2026-11-23"])
    assert result.exit_code == 0, result.output
    assert "2026-11-23" in result.output


def test_exactly_one_primary_contact_for_everyone_with_contacts(
    api_app: Flask, api: PlanAPI
) -> None:
    with api_app.app_context():
        people = db.session.scalars(select(Contact.person_id).distinct()).all()
    assert set(people) == {"p-jonas", "p-mette", "p-emma", "p-karim"}
    for person in people:
        contacts = ok(api.get(f"/v1/persons/{person}/contacts", citizen(person)))
        assert [c["is_primary"] for c in contacts["items"]].count(True) == 1
        assert contacts["items"][0]["id"] == contacts["primary_contact_id"]
        assert contacts["items"][0]["role"] == "coordinating_caseworker"


def test_freja_has_no_plan(api: PlanAPI) -> None:
    body = problem(api.get("/v1/persons/p-freja/plan", citizen("p-freja")), 404)
    assert body["type"].endswith("/no-plan")
    assert ok(api.get("/v1/persons/p-freja/contacts", citizen("p-freja"))) == {
        "items": [],
        "primary_contact_id": None,
    }


def test_mettes_plan_spans_departments_with_legal_bases(api: PlanAPI) -> None:
    plan = ok(api.get("/v1/persons/p-mette/plan", citizen("p-mette")))
    assert plan["departments"] == ["employment", "social", "health"]
    assert "servicelovens § 85" in {i["legal_basis"] for i in plan["interventions"]}
    assert plan["benefits"][0]["name"] == "Ressourceforløbsydelse"
    min_plan = next(s for s in plan["sector_plans"] if s["title"] == "Min Plan")
    assert min_plan["external_url"].startswith("https://")
    assert plan["coordinator"]["id"] == "cw-lene"
    assert date.fromisoformat(plan["next_follow_up"]) > TODAY


def test_emmas_efterskole_case_has_steps_and_missing_statements(api: PlanAPI) -> None:
    (case,) = ok(api.get("/v1/persons/p-emma/cases", citizen("p-emma")))["items"]
    assert [s["key"] for s in case["steps"]] == [
        "application_received",
        "statements_gathered",
        "meeting",
        "decision",
    ]
    assert [s["status"] for s in case["steps"]] == ["done", "current", "pending", "pending"]
    missing = [d["provided_by"] for d in case["missing_documents"] if d["status"] == "missing"]
    assert len(missing) == 3
    plan = ok(api.get("/v1/persons/p-emma/plan", citizen("p-emma")))
    assert {m["person"]["id"]: m["role"] for m in plan["members"]} == {
        "p-emma": "child",
        "p-anders": "parent",
    }
    assert "Barnets Lov § 35, stk. 4" in {i["legal_basis"] for i in plan["interventions"]}


def test_weekday_offset_moves_weekends_away_from_today() -> None:
    monday = date(2026, 11, 23)
    assert [weekday_offset(monday, n) for n in range(7)] == [0, 1, 2, 3, 4, 7, 7]
    assert [weekday_offset(monday, n) for n in (-1, -2, -3)] == [-3, -3, -3]
    saturday = date(2026, 11, 28)
    assert weekday_offset(saturday, 0) == 2  # today's weekend meeting: the coming Monday


def test_demo_meetings_fall_on_weekdays_in_office_hours(api_app: Flask) -> None:
    """Whatever weekday the demo's today is, no meeting lands on a weekend or after hours."""
    with api_app.app_context():
        for shift in range(7):
            today = TODAY + timedelta(days=shift)
            db.session.expunge_all()
            load(db.session, today)
            meetings = db.session.scalars(select(Appointment)).all()
            assert meetings
            for m in meetings:
                for start in filter(None, (m.start_at, m.previous_start)):
                    local = start.astimezone(TZ)
                    assert local.weekday() < 5, (today, m.id, local)
                    assert local.hour >= 8, (today, m.id, local)
                end = m.end_at.astimezone(TZ)
                assert (end.hour, end.minute) <= (16, 0), (today, m.id, end)
            follow_ups = db.session.scalars(select(Plan.next_follow_up)).all()
            assert all(d.weekday() < 5 for d in follow_ups if d), today
        db.session.expunge_all()
        load(db.session, TODAY)
