"""One page view, one plan-API call: the overview and the plan page read everything they
show, the waiting list included, in one composite read (portal/pages.py load_overview)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.unit import citizen_builders as b
from tests.unit import progress_builders as pb
from tests.unit.conftest import FakePlanAPI, PageChecker, SignIn, normalize

MOST_CALLS = {"/overblik": 1, "/min-plan": 1}
BENT = ("p-bent", "Bent Nielsen")


def serve(fake: FakePlanAPI, person_id: str) -> None:
    base = f"/v1/persons/{person_id}"
    parts: dict[str, Any] = {
        "plan": b.plan(),
        "cases": b.items(b.case()),
        "appointments": b.items(b.appointment()),
        "contacts": b.contact_list(b.contact()),
        "consents": b.items(),
        "questionnaires": b.items(pb.due()),
        "involvements": b.items(),
    }
    for part, body in parts.items():
        fake.on("GET", f"{base}/{part}", json=body)


@pytest.mark.parametrize(
    "who",
    [
        {},
        {
            "person_id": "p-emma",
            "name": "Emma Kjær Poulsen",
            "basis": "custody",
            "actor": ("p-anders", "Anders Kjær Poulsen"),
            "age": 13,
        },
        {"caseworker": ("cw-lene", "Lene Bach")},
    ],
    ids=["self", "custody", "preview"],
)
@pytest.mark.parametrize("path", MOST_CALLS)
def test_a_page_makes_at_most_one_plan_api_call(
    path: str,
    who: dict[str, Any],
    sign_in: SignIn,
    fake_planapi: FakePlanAPI,
    pages: PageChecker,
) -> None:
    sign_in(**who)
    person_id = who.get("person_id", "p-mette")
    serve(fake_planapi, person_id)
    soup = pages.get(path)
    calls = [f"{r.method} {r.url.path}" for r in fake_planapi.requests]
    assert len(calls) <= MOST_CALLS[path], calls
    assert calls == [f"GET /v1/persons/{person_id}/overview"]
    assert "Jeg vil have et job" in normalize(soup.text)  # the plan came through it


def test_the_overview_waiting_list_comes_from_the_one_read(
    sign_in: SignIn, fake_planapi: FakePlanAPI, pages: PageChecker
) -> None:
    sign_in()
    serve(fake_planapi, "p-mette")
    waiting = normalize(" ".join(li.text for li in pages.get("/overblik").select(".waiting-item")))
    assert "udtalelser mangler" in waiting and "Trivsel (WHO-5)" in waiting
    [read] = fake_planapi.requests
    parts = read.url.params["include"].split(",")
    # As herself she also asks for her own part in others' plans (a family member's tasks);
    # of her plan only the goal, all the overview shows of it.
    assert parts == [
        "goal",
        "cases",
        "appointments",
        "contacts",
        "consents",
        "questionnaires",
        "involvements",
    ]


def test_a_power_of_attorney_asks_only_for_what_it_covers(
    sign_in: SignIn, client: FlaskClient, fake_planapi: FakePlanAPI, pages: PageChecker
) -> None:
    sign_in(
        "p-mette",
        "Mette Lund Sørensen",
        basis="power_of_attorney",
        actor=BENT,
        scope=["plan:read", "appointments:read"],
    )
    serve(fake_planapi, "p-mette")
    pages.get("/overblik")
    [read] = fake_planapi.requests
    assert read.url.params["include"] == "goal,appointments"  # the goal needs plan:read


def test_a_family_members_own_part_comes_in_the_same_one_read(
    sign_in: SignIn, fake_planapi: FakePlanAPI, pages: PageChecker
) -> None:
    """Anders as himself: his task and invitation in Emma's plan, and no second call."""
    sign_in("p-anders", "Anders Kjær Poulsen")
    serve(fake_planapi, "p-anders")
    fake_planapi.on(
        "GET",
        "/v1/persons/p-anders/involvements",
        json=b.items(
            {
                "plan_id": "pl-emma",
                "person": b.person_ref("p-emma", "Emma Kjær Poulsen"),
                "role": "parent",
                "custody": True,
                "coordinator": b.caseworker_ref(),
                "tasks": [b.agreement(what="Anders sender oplysninger om økonomi")],
                "invitations": [b.appointment(id="ap-emma-1", title="Møde om efterskolen")],
            }
        ),
    )
    soup = pages.get("/overblik")
    [read] = fake_planapi.requests
    assert read.url.path == "/v1/persons/p-anders/overview"
    assert read.url.params["include"].split(",")[-1] == "involvements"
    part = normalize(soup.select_one("#family-pl-emma").text)
    assert "Anders sender oplysninger om økonomi" in part and "Møde om efterskolen" in part
    assert "Anders sender oplysninger om økonomi" in normalize(
        soup.select_one(".waiting-list").text
    )


def test_acting_for_the_child_does_not_ask_for_involvements(
    sign_in: SignIn, fake_planapi: FakePlanAPI, pages: PageChecker
) -> None:
    sign_in(
        "p-emma",
        "Emma Kjær Poulsen",
        basis="custody",
        actor=("p-anders", "Anders Kjær Poulsen"),
        age=15,
    )
    serve(fake_planapi, "p-emma")
    pages.get("/overblik")
    [read] = fake_planapi.requests
    assert "involvements" not in read.url.params["include"].split(",")
