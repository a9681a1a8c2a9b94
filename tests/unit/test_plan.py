"""My plan and the fridge plan: departments, legal bases, cases with steps, empty and down."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.unit import citizen_builders as b
from tests.unit import planapi_paths as paths
from tests.unit.conftest import FakePlanAPI, PageChecker, SignIn, normalize

BASE = paths.person("p-mette")
SEVEN_DEPARTMENTS = (
    "employment",
    "social",
    "children_family",
    "youth_education",
    "health",
    "school",
    "elderly",
)


@pytest.fixture(autouse=True)
def mette(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    SignIn(client)()


def serve(fake: FakePlanAPI, **parts: Any) -> None:
    fake.on("GET", f"{BASE}/plan", json=parts.get("plan", b.plan()))
    fake.on("GET", f"{BASE}/cases", json=parts.get("cases", b.items()))
    fake.on("GET", f"{BASE}/appointments", json=parts.get("appointments", b.items(b.appointment())))
    fake.on("GET", f"{BASE}/contacts", json=parts.get("contacts", b.contact_list(b.contact())))


def test_plan_shows_goal_subgoals_and_interventions_by_department(
    fake_planapi: FakePlanAPI, pages: PageChecker
) -> None:
    serve(fake_planapi)
    soup = pages.get("/min-plan")
    assert normalize(soup.h1.text) == "Min plan"
    assert "Jeg vil have et job" in normalize(soup.select_one(".goal-quote").text)
    goal = normalize(soup.select_one(".sub-goal").text)
    assert "Få styr på økonomien" in goal and "I gang" in goal and "Måldato" in goal
    departments = [normalize(h.text) for h in soup.select(".department h3")]
    assert departments == ["Beskæftigelse (jobcenter)", "Socialområdet for voksne"]
    bostotte = normalize(soup.select(".department")[1].text)
    assert "servicelovens § 85" in bostotte and "Bostøttteamet" not in bostotte
    assert "Bostøtteteamet, Nordby Kommune" in bostotte and "ingen slutdato" in bostotte
    meta = normalize(soup.select_one(".plan-meta").text)
    assert "Senest opdateret" in meta and "Lene Bach" in meta and "Næste opfølgning" in meta
    agreement = normalize(soup.select_one(".agreement").text)
    assert "Mette søger om ressourceforløb" in agreement and "Lene Bach" in agreement
    link = soup.select_one(".sector-plan a")
    assert link["href"] == "https://jobcenter.nordby.example/min-plan"


def test_seven_departments_each_get_a_section(
    fake_planapi: FakePlanAPI, pages: PageChecker
) -> None:
    interventions = [
        b.intervention(id=f"i-{n}", title=f"Indsats {n}", department=d)
        for n, d in enumerate(SEVEN_DEPARTMENTS)
    ]
    serve(
        fake_planapi, plan=b.plan(departments=list(SEVEN_DEPARTMENTS), interventions=interventions)
    )
    soup = pages.get("/min-plan")
    assert len(soup.select(".department")) == 7
    assert "7 afdelinger i kommunen" in normalize(soup.select_one("#interventions").parent.text)


def test_family_plan_and_case_steps_show_what_is_missing_from_whom(
    fake_planapi: FakePlanAPI, pages: PageChecker
) -> None:
    members = [
        {"person": b.person_ref(), "role": "parent", "legal_basis": "servicelovens § 85"},
        {
            "person": b.person_ref("p-emma", "Emma Kjær Poulsen"),
            "role": "child",
            "legal_basis": "Barnets Lov § 35, stk. 4",
        },
    ]
    serve(fake_planapi, plan=b.plan(members=members), cases=b.items(b.case()))
    soup = pages.get("/min-plan")
    covered = normalize(soup.select_one("#members").parent.text)
    assert "Emma Kjær Poulsen" in covered and "Barnets Lov § 35, stk. 4" in covered
    case = soup.select_one("#case-case-efterskole")
    steps = case.select(".step-indicator li")
    assert len(steps) == 4
    assert "current" in steps[1]["class"]
    assert steps[1].select_one("[aria-current=step]")
    missing = normalize(case.select_one(".missing-list").text)
    assert "Udtalelse fra skolen – fra Demo Skole" in missing
    assert "Udtalelse fra PPR – fra PPR" in missing


def test_no_plan_gives_the_empty_state(fake_planapi: FakePlanAPI, pages: PageChecker) -> None:
    fake_planapi.on("GET", f"{BASE}/plan", status=404, json={"title": "no plan", "status": 404})
    fake_planapi.on("GET", f"{BASE}/cases", json=b.items())
    soup = pages.get("/min-plan")
    assert "Du har ikke en samlet plan" in normalize(soup.text)
    assert [r.url.path for r in fake_planapi.requests] == [f"{BASE}/overview"]


def test_plan_api_down_shows_a_notice(fake_planapi: FakePlanAPI, pages: PageChecker) -> None:
    fake_planapi.down("GET", f"{BASE}/plan")
    soup = pages.get("/min-plan")
    assert "Vi kan ikke vise din plan lige nu" in normalize(soup.select_one(".alert-warning").text)


def test_fridge_plan_has_the_essentials(fake_planapi: FakePlanAPI, pages: PageChecker) -> None:
    serve(fake_planapi)
    soup = pages.get("/min-plan/koeleskabsplan")
    text = normalize(soup.select_one(".fridge-plan").text)
    assert "Jeg vil have et job" in text
    assert "Få styr på økonomien" in text
    assert "Opfølgning på planen" in text
    assert soup.select_one(".fridge-contact a[href='tel:+4570102031']")
    assert soup.select_one("button[data-print][hidden]"), "the print button needs JavaScript"
