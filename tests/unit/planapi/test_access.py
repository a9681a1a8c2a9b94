"""The server re-checks every caller's basis; refusals are 403 problems and are logged."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from tests.unit.planapi.conftest import (
    As,
    PlanAPI,
    attorney,
    caseworker,
    citizen,
    guardian,
    ok,
    problem,
    set_today,
    staff,
)


def refused_entries(api: PlanAPI, person_id: str) -> list[dict[str, object]]:
    page = ok(api.get(f"/v1/persons/{person_id}/access-log", citizen(person_id)))
    return [e for e in page["items"] if e["outcome"] == "refused"]


def test_no_service_token_is_401(api: PlanAPI) -> None:
    api.token = ""
    body = problem(api.get("/v1/persons/p-mette/plan", citizen("p-mette")), 401)
    assert "token" in body["detail"]
    api.token = "wrong"
    problem(api.get("/v1/instruments"), 401)
    problem(api.post("/v1/persons/resolve", {"cpr": "0906852990"}, key=None), 401)


def test_health_and_contract_need_no_token(api: PlanAPI) -> None:
    api.token = ""
    assert ok(api.get("/healthz")) == {"status": "ok"}
    assert ok(api.get("/openapi.json"))["openapi"].startswith("3.1")


def test_self_reads_own_plan_but_not_anothers(api: PlanAPI) -> None:
    assert ok(api.get("/v1/persons/p-mette/plan", citizen("p-mette")))["id"] == "pl-mette"
    problem(api.get("/v1/persons/p-jonas/plan", citizen("p-mette")), 403)
    assert refused_entries(api, "p-jonas")[0]["actor"]["id"] == "p-mette"


def test_missing_or_malformed_caller_headers_are_400(api: PlanAPI) -> None:
    body = problem(api.get("/v1/persons/p-mette/plan"), 400)
    assert {e["field"] for e in body["errors"]} == {"X-Actor-Id", "X-Actor-Role", "X-Basis"}
    problem(api.get("/v1/persons/p-mette/plan", As("p-mette", basis="friend")), 400)
    problem(api.get("/v1/persons/p-mette/plan", As("P METTE")), 400)


def test_unknown_person_is_404(api: PlanAPI) -> None:
    problem(api.get("/v1/persons/p-nobody/plan", citizen("p-nobody")), 404)


def test_parent_sees_child_under_18_in_custody(api: PlanAPI) -> None:
    case = ok(api.get("/v1/persons/p-emma/cases", guardian("p-anders")))["items"][0]
    assert case["legal_basis"] == "Barnets Lov § 35, stk. 4"


def test_parent_has_no_basis_for_adult_child(api: PlanAPI) -> None:
    problem(api.get("/v1/persons/p-oliver", guardian("p-anders")), 403)
    problem(api.get("/v1/persons/p-emma", guardian("p-bent")), 403)


def test_custody_ends_the_day_the_child_turns_18(api: PlanAPI, api_app: Flask) -> None:
    set_today(api_app, date(2029, 4, 1))  # Emma was born 2 April 2011
    ok(api.get("/v1/persons/p-emma/plan", guardian("p-anders")))
    reps = ok(api.get("/v1/persons/p-anders/representations", citizen("p-anders")))["items"]
    assert [(r["person"]["id"], r["basis"], r["age"]) for r in reps][1] == ("p-emma", "custody", 17)
    assert reps[1]["valid_until"] == "2029-04-01"

    set_today(api_app, date(2029, 4, 2))
    problem(api.get("/v1/persons/p-emma/plan", guardian("p-anders")), 403)
    reps = ok(api.get("/v1/persons/p-anders/representations", citizen("p-anders")))["items"]
    assert [r["basis"] for r in reps] == ["self"]
    assert refused_entries(api, "p-emma")[0]["basis"] == "custody"


def test_power_of_attorney_only_within_its_scope(api: PlanAPI) -> None:
    ok(api.get("/v1/persons/p-mette/plan", attorney("p-bent")))
    ok(api.get("/v1/persons/p-mette/appointments", attorney("p-bent")))
    ok(api.get("/v1/persons/p-mette", attorney("p-bent")))
    problem(api.get("/v1/persons/p-mette/consents", attorney("p-bent")), 403)
    problem(api.get("/v1/persons/p-mette/access-log", attorney("p-bent")), 403)
    appointment = "/v1/persons/p-mette/appointments/ap-mette-1/change-requests"
    problem(api.post(appointment, {"reason": "Syg"}, attorney("p-bent")), 403)
    problem(api.get("/v1/persons/p-jonas/plan", attorney("p-bent")), 403)


def test_power_of_attorney_ends_with_its_period(api: PlanAPI, api_app: Flask) -> None:
    set_today(api_app, date(2027, 5, 8))  # the demo power of attorney runs to today + 165 days
    problem(api.get("/v1/persons/p-mette/plan", attorney("p-bent")), 403)


def test_representations_list_whom_a_citizen_may_act_for(api: PlanAPI) -> None:
    items = ok(api.get("/v1/persons/p-bent/representations", citizen("p-bent")))["items"]
    assert [(i["person"]["id"], i["basis"]) for i in items] == [
        ("p-bent", "self"),
        ("p-mette", "power_of_attorney"),
    ]
    assert items[1]["scope"] == ["plan:read", "appointments:read"]
    problem(api.get("/v1/persons/p-bent/representations", caseworker("cw-lene")), 403)
    problem(api.get("/v1/persons/p-mette/representations", attorney("p-bent")), 403)


def test_caseworker_previews_only_persons_in_caseload(api: PlanAPI) -> None:
    ok(api.get("/v1/persons/p-mette/plan", caseworker("cw-lene")))
    problem(api.get("/v1/persons/p-mette/plan", caseworker("cw-peter")), 403)
    refused = refused_entries(api, "p-mette")
    assert refused[0]["actor"] == {"id": "cw-peter", "name": "Peter Holm", "kind": "caseworker"}
    assert refused[0]["purpose"] == "Forberedelse af møde"


def test_caseworker_preview_needs_a_purpose_and_is_read_only(api: PlanAPI) -> None:
    problem(
        api.get("/v1/persons/p-mette/plan", As("cw-lene", "caseworker", "caseworker_preview")), 403
    )
    body = {"reason": "Test"}
    path = "/v1/persons/p-mette/appointments/ap-mette-1/change-requests"
    detail = problem(api.post(path, body, caseworker("cw-lene")), 403)["detail"]
    assert "read-only" in detail


@pytest.mark.parametrize(
    "who",
    [
        As("p-mette", role="caseworker", basis="self"),
        As("cw-lene", role="citizen", basis="self"),
        As("p-mette", role="citizen", basis="caseworker_preview", purpose="x"),
        As("p-ghost", basis="self"),
    ],
)
def test_inconsistent_caller_contexts_are_refused(api: PlanAPI, who: As) -> None:
    problem(api.get("/v1/persons/p-mette/plan", who), 403)


def test_caseload_and_notifications_only_for_the_caseworker_themself(api: PlanAPI) -> None:
    caseload = ok(api.get("/v1/caseworkers/cw-lene/caseload", staff("cw-lene")))
    assert [i["person"]["id"] for i in caseload["items"]] == [
        "p-emma",
        "p-jonas",
        "p-karim",
        "p-mette",
    ]
    assert ok(api.get("/v1/caseworkers/cw-peter/caseload", staff("cw-peter")))["items"] == []
    problem(api.get("/v1/caseworkers/cw-lene/caseload", staff("cw-peter")), 403)
    problem(api.get("/v1/caseworkers/cw-lene/notifications", citizen("p-mette")), 400)
    problem(api.get("/v1/caseworkers/cw-nobody/caseload", staff("cw-nobody")), 404)


def test_resolve_person_and_caseworker(api: PlanAPI) -> None:
    person = ok(api.post("/v1/persons/resolve", {"cpr": "090685-2990"}, key=None))
    assert (person["id"], person["age"], person["has_plan"]) == ("p-mette", 41, True)
    assert ok(api.post("/v1/persons/resolve", {"cpr": "2811962990"}, key=None))["has_plan"] is False
    problem(api.post("/v1/persons/resolve", {"cpr": "0101010000"}, key=None), 404)
    problem(api.post("/v1/persons/resolve", {"cpr": "09068529"}, key=None), 422)
    worker = ok(api.post("/v1/caseworkers/resolve", {"workforce_id": "lene.bach"}, key=None))
    assert worker["id"] == "cw-lene"
    assert ok(api.get("/v1/caseworkers/cw-lene"))["workforce_id"] == "lene.bach"
    problem(api.post("/v1/caseworkers/resolve", {"workforce_id": "nobody"}, key=None), 404)


def test_cpr_never_appears_in_answers(api: PlanAPI) -> None:
    for path in (
        "/v1/persons/p-mette",
        "/v1/persons/p-mette/plan",
        "/v1/persons/p-mette/relations",
    ):
        assert "0906852990" not in api.get(path, citizen("p-mette")).get_data(as_text=True)
