"""The plan API's own basis checks, per person-scoped read × kind of caller (the portal's
half is tests/unit/test_authorisation_matrix.py), and the day custody ends."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from tests.unit.planapi.conftest import (
    As,
    PlanAPI,
    caseworker,
    citizen,
    guardian,
    ok,
    problem,
    set_today,
)

READS = (
    "",
    "/plan",
    "/cases",
    "/appointments",
    "/contacts",
    "/consents",
    "/questionnaires",
    "/scores",
    "/access-log",
    "/conversations",
    "/letters",
)
# (who, whose data, allowed)
CALLERS: list[tuple[str, As, str, bool]] = [
    ("self", citizen("p-emma"), "p-emma", True),
    ("parent of child", guardian("p-anders"), "p-emma", True),
    ("parent of adult child", guardian("p-anders"), "p-oliver", False),
    ("unrelated citizen as self", As("p-freja"), "p-emma", False),
    ("unrelated citizen claiming custody", guardian("p-freja"), "p-emma", False),
    ("caseworker with caseload", caseworker("cw-lene"), "p-emma", True),
    ("caseworker without caseload", caseworker("cw-peter"), "p-emma", False),
]


@pytest.mark.parametrize(("name", "who", "person", "allowed"), CALLERS, ids=[c[0] for c in CALLERS])
def test_every_read_for_every_caller(
    api: PlanAPI, name: str, who: As, person: str, allowed: bool
) -> None:
    for path in READS:
        response = api.get(f"/v1/persons/{person}{path}", who)
        if allowed:
            ok(response)
        else:
            problem(response, 403)
            assert "Kjær" not in response.get_data(as_text=True), (name, path)
    if not allowed:
        log = ok(api.get(f"/v1/persons/{person}/access-log", citizen(person)))["items"]
        refused = [e for e in log if e["outcome"] == "refused" and e["actor"]["id"] == who.actor_id]
        assert len(refused) == len(READS), (name, [e["resource"] for e in refused])


def test_the_young_person_sees_their_case_the_day_custody_ends(
    api: PlanAPI, api_app: Flask
) -> None:
    set_today(api_app, date(2029, 4, 2))  # Emma turns 18
    problem(api.get("/v1/persons/p-emma/cases", guardian("p-anders")), 403)
    cases = ok(api.get("/v1/persons/p-emma/cases", citizen("p-emma")))["items"]
    assert cases[0]["legal_basis"] == "Barnets Lov § 35, stk. 4"
    reps = ok(api.get("/v1/persons/p-emma/representations", citizen("p-emma")))["items"]
    assert [(r["person"]["id"], r["basis"], r["age"]) for r in reps] == [("p-emma", "self", 18)]
