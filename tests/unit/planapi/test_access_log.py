"""The access log: every read is logged, filterable, paged, newest first; the portal writes too."""

from __future__ import annotations

from typing import Any

from tests.unit.planapi.conftest import (
    PlanAPI,
    attorney,
    caseworker,
    citizen,
    guardian,
    ok,
    problem,
)

LOG = "/v1/persons/p-mette/access-log"


def page(api: PlanAPI, query: dict[str, Any] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = ok(api.get(LOG, citizen("p-mette"), query=query))
    return result


def test_reads_are_logged_newest_first(api: PlanAPI) -> None:
    ok(api.get("/v1/persons/p-mette/plan", attorney("p-bent")))
    ok(api.get("/v1/persons/p-mette/contacts", caseworker("cw-lene", "Forbered møde")))
    items = page(api)["items"]
    assert (items[0]["actor"]["kind"], items[0]["action"], items[0]["resource"]) == (
        "caseworker",
        "preview",
        "contacts",
    )
    assert items[0]["purpose"] == "Forbered møde"
    assert (items[1]["actor"]["kind"], items[1]["basis"]) == ("representative", "power_of_attorney")
    times = [e["at"] for e in items]
    assert times == sorted(times, reverse=True)


def test_reading_the_log_is_not_itself_logged(api: PlanAPI) -> None:
    assert page(api)["total"] == page(api)["total"]


def test_filter_by_actor_kind_and_dates(api: PlanAPI) -> None:
    caseworkers = page(api, {"actor_kind": "caseworker"})["items"]
    assert caseworkers and {e["actor"]["kind"] for e in caseworkers} == {"caseworker"}
    systems = page(api, {"actor_kind": "system"})["items"]
    assert [e["resource"] for e in systems] == ["consents"]
    window = page(api, {"since": "2026-11-18", "until": "2026-11-20"})["items"]
    assert [e["at"][:10] for e in window] == ["2026-11-20", "2026-11-18"]


def test_paging(api: PlanAPI) -> None:
    for _ in range(5):
        ok(api.get("/v1/persons/p-mette/plan", citizen("p-mette")))
    first, second = page(api, {"page_size": 3}), page(api, {"page_size": 3, "page": 2})
    assert first["total"] == second["total"] >= 9
    assert len(first["items"]) == len(second["items"]) == 3
    assert not {e["id"] for e in first["items"]} & {e["id"] for e in second["items"]}
    assert page(api, {"page": 999})["items"] == []


def test_readable_by_the_person_and_a_guardian_only(api: PlanAPI) -> None:
    ok(api.get("/v1/persons/p-emma/access-log", guardian("p-anders")))
    problem(api.get(LOG, citizen("p-jonas")), 403)
    problem(api.get(LOG, attorney("p-bent")), 403)


def test_portal_logs_a_preview_with_purpose(api: PlanAPI) -> None:
    entry = ok(
        api.post(
            LOG,
            {"action": "preview", "resource": "overview", "purpose": "Opfølgning"},
            caseworker("cw-lene"),
            key=None,
        ),
        201,
    )
    assert (entry["action"], entry["basis"], entry["purpose"]) == (
        "preview",
        "caseworker_preview",
        "Opfølgning",
    )
    assert page(api)["items"][0]["id"] == entry["id"]


def test_portal_logs_an_export_on_a_valid_basis_only(api: PlanAPI) -> None:
    ok(api.post(LOG, {"action": "export", "resource": "all"}, citizen("p-mette"), key=None), 201)
    problem(
        api.post(LOG, {"action": "preview", "resource": "all"}, citizen("p-mette"), key=None), 403
    )
    problem(
        api.post(LOG, {"action": "export", "resource": "all"}, citizen("p-jonas"), key=None), 403
    )
    problem(
        api.post(LOG, {"action": "delete", "resource": "all"}, citizen("p-mette"), key=None), 422
    )
    problem(
        api.post(LOG, {"action": "read", "resource": "Plan!"}, citizen("p-mette"), key=None), 422
    )
