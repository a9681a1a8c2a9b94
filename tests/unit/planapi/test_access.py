"""The server re-checks every caller's basis; refusals are 403 problems and are logged."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.unit.planapi.conftest import (
    TODAY,
    TOKEN,
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


# -- each check, its exact answer ------------------------------------------------------------

PROBLEMS = "https://mit-overblik.example/problems/"
PROBLEM_KEYS = {"type", "title", "status", "detail"}


def refusal(response: TestResponse, detail: str) -> None:
    """A 403 that names this reason and carries nothing else (no data of the person)."""
    body = problem(response, 403)
    assert (body["type"], body["detail"]) == (PROBLEMS + "forbidden", detail)
    assert set(body) == PROBLEM_KEYS, body


def test_the_service_token_is_a_bearer_token_and_a_refusal_says_how_to_send_it(
    api: PlanAPI,
) -> None:
    api.token = ""
    for header in ({}, {"Authorization": f"Basic {TOKEN}"}, {"Authorization": "Bearer wrong"}):
        response = api.get("/v1/persons/p-mette/plan", citizen("p-mette"), headers=header)
        body = problem(response, 401)
        assert body["type"] == PROBLEMS + "unauthorized"
        assert body["detail"] == "A valid service token is required (Authorization: Bearer ...)."
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="planapi"'
    # The scheme in any case, the token with the spaces around it trimmed.
    lenient = {"Authorization": f"bearer  {TOKEN} "}
    ok(api.get("/v1/persons/p-mette/plan", citizen("p-mette"), headers=lenient))


def test_each_missing_caller_header_is_named_with_what_it_must_be(api: PlanAPI) -> None:
    body = problem(api.get("/v1/persons/p-mette/plan"), 400)
    assert body["type"] == PROBLEMS + "validation"
    assert body["errors"] == [
        {"field": "X-Actor-Id", "message": "required: a plan-API id"},
        {"field": "X-Actor-Role", "message": "must be one of ['citizen', 'caseworker']"},
        {
            "field": "X-Basis",
            "message": "must be one of "
            "['self', 'custody', 'power_of_attorney', 'caseworker_preview']",
        },
    ]
    for purpose in ("", "x" * 301):
        headers = {"X-Purpose": purpose}
        body = problem(
            api.get("/v1/persons/p-mette/plan", caseworker("cw-lene"), headers=headers), 400
        )
        assert body["errors"] == [{"field": "X-Purpose", "message": "1-300 printable characters"}]


@pytest.mark.parametrize(
    "raw",
    ["%FF", "%01Forberedelse", "Forberedelse%7F", "%20%20"],
    ids=["not-utf8", "control", "delete", "blank"],
)
def test_a_purpose_is_percent_encoded_text_without_control_characters(
    api: PlanAPI, raw: str
) -> None:
    response = api.get(
        "/v1/persons/p-mette/plan", caseworker("cw-lene"), headers={"X-Purpose": raw}
    )
    body = problem(response, 422)
    assert body["errors"] == [
        {"field": "X-Purpose", "message": "percent-encoded UTF-8 text, no control characters"}
    ]
    assert "pl-mette" not in response.get_data(as_text=True)


def test_a_staff_read_needs_the_caseworker_role_and_no_basis(api: PlanAPI) -> None:
    no_basis = {"X-Actor-Id": "cw-lene", "X-Actor-Role": "caseworker"}
    assert ok(api.get("/v1/caseworkers/cw-lene/caseload", headers=no_basis))["items"]
    body = problem(api.get("/v1/caseworkers/cw-lene/caseload", citizen("cw-lene")), 400)
    assert body["errors"] == [{"field": "X-Actor-Role", "message": "must be one of ['caseworker']"}]
    refusal(
        api.get("/v1/caseworkers/cw-lene/caseload", staff("cw-peter")),
        "Only the caseworker themself may read this.",
    )


def test_unknown_ids_are_404_and_named(api: PlanAPI) -> None:
    body = problem(api.get("/v1/persons/p-nobody/plan", citizen("p-mette")), 404)
    assert (body["type"], body["detail"]) == (
        PROBLEMS + "not-found",
        "No person with id 'p-nobody'.",
    )
    body = problem(api.get("/v1/caseworkers/cw-nobody/caseload", staff("cw-nobody")), 404)
    assert (body["type"], body["detail"]) == (
        PROBLEMS + "not-found",
        "No caseworker with id 'cw-nobody'.",
    )


REFUSALS: list[tuple[str, As, str, str]] = [
    (
        "citizen-previewing",
        As("p-mette", role="citizen", basis="caseworker_preview", purpose="x"),
        "p-mette/plan",
        "Only a caseworker can preview.",
    ),
    ("unknown-caseworker", caseworker("cw-nobody"), "p-mette/plan", "Unknown caseworker."),
    (
        "preview-without-purpose",
        As("cw-lene", role="caseworker", basis="caseworker_preview"),
        "p-mette/plan",
        "A caseworker preview must state its purpose (X-Purpose).",
    ),
    (
        "outside-caseload",
        caseworker("cw-peter"),
        "p-mette/plan",
        "The person is not in this caseworker's caseload.",
    ),
    (
        "caseworker-on-a-citizens-basis",
        As("cw-lene", role="caseworker", basis="self"),
        "p-mette/plan",
        "This basis is for citizens.",
    ),
    ("unknown-actor", As("p-ghost"), "p-mette/plan", "Unknown actor."),
    (
        "someone-else-as-self",
        citizen("p-mette"),
        "p-jonas/plan",
        "Basis self is only for one's own data.",
    ),
    (
        "custody-of-an-adult",
        guardian("p-anders"),
        "p-oliver/plan",
        "No custody of this person under 18.",
    ),
    (
        "custody-of-a-stranger",
        guardian("p-freja"),
        "p-emma/plan",
        "No custody of this person under 18.",
    ),
    (
        "attorney-of-a-stranger",
        attorney("p-freja"),
        "p-mette/plan",
        "No valid power of attorney for this person.",
    ),
    (
        "attorney-for-another",
        attorney("p-bent"),
        "p-jonas/plan",
        "No valid power of attorney for this person.",
    ),
    (
        "attorney-outside-scope",
        attorney("p-bent"),
        "p-mette/consents",
        "The power of attorney does not cover consents:read.",
    ),
    (
        "involvements-of-a-child",
        guardian("p-anders"),
        "p-emma/involvements",
        "Only the person themself may read his part in others' plans.",
    ),
]


@pytest.mark.parametrize(
    ("who", "path", "reason"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_each_refusal_names_its_reason_and_returns_nothing(
    api: PlanAPI, who: As, path: str, reason: str
) -> None:
    refusal(api.get(f"/v1/persons/{path}", who), reason)


def test_a_preview_refuses_a_change_as_read_only(api: PlanAPI) -> None:
    path = "/v1/persons/p-mette/appointments/ap-mette-1/change-requests"
    refusal(
        api.post(path, {"reason": "Test"}, caseworker("cw-lene")),
        "A caseworker preview is read-only.",
    )
    appointment = ok(api.get("/v1/persons/p-mette/appointments/ap-mette-1", citizen("p-mette")))
    assert not appointment.get("change_requests"), "nothing was asked for Mette"


def test_only_the_person_themself_reads_his_part_in_others_plans(api: PlanAPI) -> None:
    assert isinstance(
        ok(api.get("/v1/persons/p-anders/involvements", citizen("p-anders")))["items"], list
    )


def test_a_power_of_attorney_holds_from_its_first_to_its_last_day(
    api: PlanAPI, api_app: Flask
) -> None:
    first, last = TODAY - timedelta(days=200), TODAY + timedelta(days=165)  # the demo's
    for day, allowed in (
        (first - timedelta(days=1), False),
        (first, True),
        (last, True),
        (last + timedelta(days=1), False),
    ):
        set_today(api_app, day)
        response = api.get("/v1/persons/p-mette/plan", attorney("p-bent"))
        if allowed:
            assert ok(response)["id"] == "pl-mette", day
        else:
            refusal(response, "No valid power of attorney for this person.")


# -- composite reads: one check, one log entry -------------------------------------------------


def overview_log(api: PlanAPI, person_id: str, before: set[str]) -> list[dict[str, object]]:
    page = ok(
        api.get(f"/v1/persons/{person_id}/access-log", citizen(person_id), query={"page_size": 100})
    )
    return [e for e in page["items"] if e["id"] not in before]


def log_ids(api: PlanAPI, person_id: str) -> set[str]:
    return {str(e["id"]) for e in overview_log(api, person_id, set())}


def test_an_overview_reads_only_the_parts_the_basis_covers_and_logs_them_once(
    api: PlanAPI,
) -> None:
    before = log_ids(api, "p-mette")
    body = ok(api.get("/v1/persons/p-mette/overview", attorney("p-bent")))
    assert body["parts"] == ["plan", "appointments"]
    assert (
        body["plan"]["id"] == "pl-mette" and body["contacts"] is None and body["consents"] is None
    )
    [entry] = overview_log(api, "p-mette", before)
    assert entry["actor"] == {"id": "p-bent", "name": "Bent Nielsen", "kind": "representative"}
    assert (entry["action"], entry["resource"], entry["basis"], entry["outcome"]) == (
        "read",
        "plan,appointments",
        "power_of_attorney",
        "allowed",
    )


def test_an_overview_preview_is_logged_as_a_preview_with_its_purpose(api: PlanAPI) -> None:
    before = log_ids(api, "p-mette")
    body = ok(api.get("/v1/persons/p-mette/overview", caseworker("cw-lene", "Opfølgning")))
    parts = ["plan", "cases", "appointments", "contacts", "consents", "questionnaires"]
    assert body["parts"] == parts and body["involvements"] is None
    [entry] = overview_log(api, "p-mette", before)
    assert (entry["action"], entry["resource"], entry["purpose"], entry["outcome"]) == (
        "preview",
        ",".join(parts),
        "Opfølgning",
        "allowed",
    )


def test_an_overview_naming_a_part_outside_the_basis_is_refused_whole(api: PlanAPI) -> None:
    before = log_ids(api, "p-mette")
    query = {"include": "plan,consents,contacts"}
    refusal(
        api.get("/v1/persons/p-mette/overview", attorney("p-bent"), query=query),
        "The power of attorney does not cover contacts:read.",  # the first in the parts' order
    )
    [entry] = overview_log(api, "p-mette", before)
    assert entry["actor"] == {"id": "p-bent", "name": "Bent Nielsen", "kind": "representative"}
    assert (entry["action"], entry["resource"], entry["basis"], entry["outcome"]) == (
        "read",
        "contacts,consents",
        "power_of_attorney",
        "refused",
    )


def test_an_overview_without_any_basis_is_refused_and_logged_with_every_part(
    api: PlanAPI,
) -> None:
    before = log_ids(api, "p-mette")
    response = api.get("/v1/persons/p-mette/overview", citizen("p-freja"))
    refusal(response, "Basis self is only for one's own data.")
    assert "pl-mette" not in response.get_data(as_text=True)
    [entry] = overview_log(api, "p-mette", before)
    assert entry["actor"] == {"id": "p-freja", "name": "Freja Dam", "kind": "citizen"}
    assert (entry["action"], entry["resource"], entry["outcome"]) == (
        "read",
        "plan,cases,appointments,contacts,consents,questionnaires,involvements",
        "refused",
    )
