"""Consent changes are refused for anyone but the person or a parent with custody, and a
consent id of another person is unknown under this person's path (the portal's second
line of defence: it only ever sends the acting person's id)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.planapi.conftest import (
    As,
    PlanAPI,
    attorney,
    caseworker,
    citizen,
    consent_grant,
    guardian,
    ok,
    problem,
)


def history(api: PlanAPI, person_id: str, consent_id: str) -> list[str]:
    consent = ok(api.get(f"/v1/persons/{person_id}/consents/{consent_id}", citizen(person_id)))
    return [e["kind"] for e in consent["history"]]


def refused(api: PlanAPI, person_id: str) -> list[dict[str, Any]]:
    page = ok(api.get(f"/v1/persons/{person_id}/access-log", citizen(person_id)))
    return [e for e in page["items"] if e["outcome"] == "refused"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/persons/p-jonas/consents", consent_grant()),
        ("/v1/persons/p-jonas/consents/c-jonas/withdrawals", {"departments": ["social"]}),
        ("/v1/persons/p-jonas/consents/c-jonas/renewals", {}),
    ],
    ids=["grant", "withdraw", "renew"],
)
@pytest.mark.parametrize(
    "who",
    [
        citizen("p-mette"),
        guardian("p-anders"),
        caseworker("cw-lene"),
        attorney("p-bent"),
    ],
    ids=["another-citizen", "not-their-parent", "caseworker-preview", "power-of-attorney"],
)
def test_only_the_person_or_a_guardian_changes_consent(
    api: PlanAPI, path: str, body: dict[str, Any], who: As
) -> None:
    problem(api.post(path, body, who), 403)
    assert history(api, "p-jonas", "c-jonas") == ["granted"]
    assert refused(api, "p-jonas")


def test_caseworker_preview_of_own_caseload_cannot_withdraw(api: PlanAPI) -> None:
    ok(api.get("/v1/persons/p-mette/consents", caseworker("cw-lene")))  # may see it
    problem(
        api.post("/v1/persons/p-mette/consents/c-mette/withdrawals", {}, caseworker("cw-lene")),
        403,
    )
    assert history(api, "p-mette", "c-mette") == ["granted"]


def test_an_edited_consent_id_is_unknown_under_the_own_path(api: PlanAPI) -> None:
    for consent_id in ("c-jonas", "c-karim", "c-emma"):
        base = f"/v1/persons/p-mette/consents/{consent_id}"
        problem(api.post(f"{base}/withdrawals", {}, citizen("p-mette")), 404)
        problem(api.post(f"{base}/renewals", {}, citizen("p-mette")), 404)
    assert history(api, "p-jonas", "c-jonas") == ["granted"]
    assert history(api, "p-mette", "c-mette") == ["granted"]


def test_parent_withdraws_one_department_for_the_child(api: PlanAPI) -> None:
    path = "/v1/persons/p-emma/consents/c-emma/withdrawals"
    after = ok(api.post(path, {"departments": ["school"]}, guardian("p-anders")), 201)
    last = after["history"][-1]
    assert (last["kind"], last["departments"]) == ("department_withdrawn", ["school"])
    assert (last["actor"]["id"], last["actor"]["kind"]) == ("p-anders", "guardian")
