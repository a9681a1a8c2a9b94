"""Hostile and malformed input: size, types, encodings, unknown fields, other people's ids."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.unit.planapi.conftest import PlanAPI, citizen, consent_grant, problem, who5

WHO5 = "/v1/persons/p-mette/questionnaires/who-5/responses"


def test_body_over_64_kib_is_413(api: PlanAPI) -> None:
    huge = {"reason": "x" * (65 * 1024)}
    path = "/v1/persons/p-mette/appointments/ap-mette-1/change-requests"
    problem(api.post(path, huge, citizen("p-mette")), 413)
    problem(api.post("/v1/persons/resolve", {"cpr": "1" * 70000}, key=None), 413)


def test_body_that_is_not_json(api: PlanAPI) -> None:
    problem(api.post(WHO5, None, citizen("p-mette"), raw=b"{not json"), 400)
    problem(api.post(WHO5, None, citizen("p-mette"), raw=b"[" * 20000), 400)
    problem(api.post(WHO5, None, citizen("p-mette"), raw=b'{"a": NaN}'), 400)
    problem(api.post(WHO5, None, citizen("p-mette"), raw=b"\xff\xfe"), 400)
    problem(api.post(WHO5, None, citizen("p-mette"), raw=b"a=1", content_type="text/plain"), 415)
    problem(api.post(WHO5, None, citizen("p-mette"), raw=b'["a list"]'), 422)


@pytest.mark.parametrize(
    "body",
    [
        {**who5(), "instrument_version": "1"},
        {**who5(), "instrument_version": True},
        {**who5(), "answers": "all fives"},
        {**who5(), "answers": [{"item_id": "who5-1", "value": 2.5}]},
        {**who5(), "answers": [{"item_id": "who5-1", "value": None}]},
        {**who5(), "extra": 1},
        {"answers": who5()["answers"]},
        {**who5(), "answers": []},
        {**who5(), "answers": [{"item_id": "WHO5 1", "value": 1}]},
    ],
)
def test_wrong_types_and_shapes_are_422_with_fields(api: PlanAPI, body: dict[str, Any]) -> None:
    errors = problem(api.post(WHO5, body, citizen("p-mette")), 422)["errors"]
    assert errors and all(e["field"] and e["message"] for e in errors)


def test_nul_characters_and_lone_surrogates_are_refused(api: PlanAPI) -> None:
    grant = consent_grant()
    grant["purpose"] = "ok\x00"
    problem(api.post("/v1/persons/p-freja/consents", grant, citizen("p-freja")), 422)
    raw = json.dumps({**consent_grant(), "purpose": "\ud800"}).encode()
    problem(api.post("/v1/persons/p-freja/consents", None, citizen("p-freja"), raw=raw), 422)


def test_another_persons_ids_are_not_reachable(api: PlanAPI) -> None:
    problem(api.get("/v1/persons/p-mette/cases/case-emma-efterskole", citizen("p-mette")), 404)
    problem(api.get("/v1/persons/p-mette/appointments/ap-jonas-1", citizen("p-mette")), 404)
    problem(api.get("/v1/persons/p-emma/cases/case-emma-efterskole", citizen("p-mette")), 403)


def test_unknown_ids_and_odd_paths(api: PlanAPI) -> None:
    problem(api.get("/v1/persons/p-mette/appointments/ap-nope", citizen("p-mette")), 404)
    problem(api.get("/v1/persons/P-METTE/plan", citizen("p-mette")), 404)
    problem(api.get("/v1/persons/" + "a" * 65 + "/plan", citizen("p-mette")), 404)
    problem(api.get("/v1/persons/p-mette/questionnaires/nope", citizen("p-mette")), 404)
    problem(api.get("/v1/nothing-here"), 404)
    response = api.client.delete("/v1/persons/p-mette", headers={"Authorization": "Bearer x"})
    assert response.status_code in (401, 405)


def test_method_not_allowed_is_a_problem(api: PlanAPI) -> None:
    response = api.client.put("/healthz")
    problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_header_injection_shapes(api: PlanAPI) -> None:
    problem(
        api.get("/v1/persons/p-mette/plan", citizen("p-mette"), headers={"X-Purpose": "%00"}), 422
    )
    problem(
        api.get("/v1/persons/p-mette/plan", citizen("p-mette"), headers={"X-Purpose": "%ff"}), 422
    )
    problem(
        api.get(
            "/v1/persons/p-mette/plan", citizen("p-mette"), headers={"X-Actor-Id": "p-mette x"}
        ),
        400,
    )


@pytest.mark.parametrize(
    "query",
    [
        {"page": "0"},
        {"page": "x"},
        {"page_size": "101"},
        {"since": "2026-13-01"},
        {"actor_kind": "robot"},
    ],
)
def test_bad_access_log_queries_are_400(api: PlanAPI, query: dict[str, str]) -> None:
    errors = problem(
        api.get("/v1/persons/p-mette/access-log", citizen("p-mette"), query=query), 400
    )
    assert errors["errors"][0]["field"] in query
