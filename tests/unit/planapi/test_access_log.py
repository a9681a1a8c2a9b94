"""The access log: every read is logged, filterable, paged, newest first; the portal writes too."""

from __future__ import annotations

from typing import Any

from flask import Flask

from planapi import serialize
from planapi.access import log_access
from planapi.extensions import db
from tests.unit.planapi.conftest import (
    TODAY,
    As,
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


# -- every field of an entry, exactly --------------------------------------------------------------


def entries_since(api: PlanAPI, person_id: str, before: set[str]) -> list[dict[str, Any]]:
    """The entries written since `before` (ids), newest first; reading the log writes none."""
    query = {"page_size": 100}
    log = ok(api.get(f"/v1/persons/{person_id}/access-log", citizen(person_id), query=query))
    return [e for e in log["items"] if e["id"] not in before]


def ids(api: PlanAPI, person_id: str) -> set[str]:
    return {e["id"] for e in entries_since(api, person_id, set())}


def fields(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry without its generated id and time, which are checked on their own."""
    assert entry["id"].startswith("log-") and len(entry["id"]) == len("log-") + 16, entry["id"]
    assert entry["at"].startswith(TODAY.isoformat()), entry["at"]
    return {k: v for k, v in entry.items() if k not in ("id", "at")}


def test_an_allowed_read_is_logged_with_who_on_what_basis_and_what(api: PlanAPI) -> None:
    before = ids(api, "p-mette")
    ok(api.get("/v1/persons/p-mette/plan", attorney("p-bent")))
    [entry] = entries_since(api, "p-mette", before)
    assert fields(entry) == {
        "actor": {"id": "p-bent", "name": "Bent Nielsen", "kind": "representative"},
        "action": "read",
        "resource": "plan",
        "basis": "power_of_attorney",
        "purpose": None,
        "outcome": "allowed",
    }


def test_a_childs_data_read_by_a_parent_is_logged_as_the_guardian(api: PlanAPI) -> None:
    before = ids(api, "p-emma")
    ok(api.get("/v1/persons/p-emma/cases", guardian("p-anders")))
    [entry] = entries_since(api, "p-emma", before)
    assert fields(entry) == {
        "actor": {"id": "p-anders", "name": "Anders Kjær Poulsen", "kind": "guardian"},
        "action": "read",
        "resource": "cases",
        "basis": "custody",
        "purpose": None,
        "outcome": "allowed",
    }


def test_a_preview_is_logged_with_the_caseworker_and_the_purpose(api: PlanAPI) -> None:
    before = ids(api, "p-mette")
    ok(api.get("/v1/persons/p-mette/appointments", caseworker("cw-lene", "Forbered møde")))
    [entry] = entries_since(api, "p-mette", before)
    assert fields(entry) == {
        "actor": {"id": "cw-lene", "name": "Lene Bach", "kind": "caseworker"},
        "action": "preview",
        "resource": "appointments",
        "basis": "caseworker_preview",
        "purpose": "Forbered møde",
        "outcome": "allowed",
    }


def test_a_refused_read_is_logged_for_the_person_it_was_about(api: PlanAPI) -> None:
    before = ids(api, "p-jonas")
    problem(api.get("/v1/persons/p-jonas/plan", citizen("p-mette")), 403)
    [entry] = entries_since(api, "p-jonas", before)
    assert fields(entry) == {
        "actor": {"id": "p-mette", "name": "Mette Lund Sørensen", "kind": "citizen"},
        "action": "read",
        "resource": "plan",
        "basis": "self",
        "purpose": None,
        "outcome": "refused",
    }


def test_a_refused_change_is_logged_as_a_change(api: PlanAPI) -> None:
    before = ids(api, "p-mette")
    path = "/v1/persons/p-mette/appointments/ap-mette-1/change-requests"
    problem(api.post(path, {"reason": "Syg"}, caseworker("cw-lene", "Opfølgning")), 403)
    [entry] = entries_since(api, "p-mette", before)
    assert fields(entry) == {
        "actor": {"id": "cw-lene", "name": "Lene Bach", "kind": "caseworker"},
        "action": "change",
        "resource": "appointments",
        "basis": "caseworker_preview",
        "purpose": "Opfølgning",
        "outcome": "refused",
    }


def test_an_allowed_change_is_logged_once_as_the_change_not_as_a_read(api: PlanAPI) -> None:
    before = ids(api, "p-mette")
    path = "/v1/persons/p-mette/appointments/ap-mette-1/change-requests"
    ok(api.post(path, {"reason": "Jeg er syg"}, citizen("p-mette")), 201)
    [entry] = entries_since(api, "p-mette", before)
    assert (entry["action"], entry["resource"], entry["outcome"]) == (
        "change",
        "appointments/ap-mette-1",
        "allowed",
    )


def test_callers_the_plan_api_does_not_know_are_logged_by_id_as_unknown(api: PlanAPI) -> None:
    before = ids(api, "p-mette")
    for who in (
        As("p-ghost"),
        caseworker("cw-nobody", "Nysgerrig"),
        As("p-jonas", role="caseworker", basis="self"),  # the role decides the kind
    ):
        problem(api.get("/v1/persons/p-mette/contacts", who), 403)
    logged = sorted(
        (fields(e) for e in entries_since(api, "p-mette", before)), key=lambda e: e["actor"]["id"]
    )
    common = {"action": "read", "resource": "contacts", "outcome": "refused"}
    assert logged == [
        {
            "actor": {"id": "cw-nobody", "name": "Ukendt medarbejder", "kind": "caseworker"},
            "basis": "caseworker_preview",
            "purpose": "Nysgerrig",
            **common,
        },
        {
            "actor": {"id": "p-ghost", "name": "Ukendt person", "kind": "citizen"},
            "basis": "self",
            "purpose": None,
            **common,
        },
        {
            "actor": {"id": "p-jonas", "name": "Ukendt medarbejder", "kind": "caseworker"},
            "basis": "self",
            "purpose": None,
            **common,
        },
    ]


def test_an_entry_without_a_caller_is_the_systems(api_app: Flask) -> None:
    """What the plan API does on its own (e.g. a consent running out) is logged as the
    system's; a resource longer than the column is cut to its 200 characters."""
    with api_app.app_context():
        entry = log_access("p-mette", None, action="read", resource="r" * 250)
        row = serialize.access_log_entry(entry)
        db.session.rollback()
    assert fields(row) == {
        "actor": {"id": "system", "name": "System", "kind": "system"},
        "action": "read",
        "resource": "r" * 200,
        "basis": "system",
        "purpose": None,
        "outcome": "allowed",
    }
