"""A refusal names the real reason, in words for the one refused, and shows no one's data."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.unit import citizen_builders as b
from tests.unit import planapi_paths as paths
from tests.unit.conftest import FakePlanAPI, PageChecker, SignIn, normalize

FORBIDDEN: dict[str, Any] = {"type": "https://x/forbidden", "title": "Forbidden", "status": 403}
SELF_TEXT = "Du kan kun se oplysninger om dig selv"


def refused(pages: PageChecker, url: str, **kwargs: Any) -> tuple[str, str, str]:
    """(h1, reason, whole page) of a 403 page."""
    soup = pages.get(url, status=403, **kwargs)
    return normalize(soup.h1.text), normalize(soup.select_one(".refusal-reason").text), str(soup)


def plan_api_refuses(fake: FakePlanAPI, person: str) -> None:
    for part in ("plan", "cases", "appointments", "contacts"):
        fake.on("GET", f"{paths.person(person)}/{part}", status=403, json=FORBIDDEN)


def test_a_caseworker_previewing_is_told_the_citizen_is_outside_the_caseload(
    sign_in: SignIn, pages: PageChecker, fake_planapi: FakePlanAPI
) -> None:
    sign_in("p-mette", "Mette Lund Sørensen", caseworker=("cw-lene", "Lene Bach"))
    plan_api_refuses(fake_planapi, "p-mette")
    h1, reason, page = refused(pages, "/min-plan")
    assert h1 == "Du kan ikke se denne borgers visning"
    assert reason.startswith("Borgeren er ikke i din sagsstamme")
    assert SELF_TEXT not in page and "Mette" not in page


def test_a_caseworker_previewing_cannot_act_and_is_told_so(
    sign_in: SignIn, pages: PageChecker
) -> None:
    sign_in("p-mette", "Mette Lund Sørensen", caseworker=("cw-lene", "Lene Bach"))
    h1, reason, page = refused(pages, "/samtykke/giv")
    assert h1 == "En forhåndsvisning kan kun læses"
    assert "kan ikke svare, sende eller ændre noget for borgeren" in reason
    assert SELF_TEXT not in page


def test_a_caseworker_without_a_preview_is_sent_to_the_caseload(
    sign_in: SignIn, client: FlaskClient, pages: PageChecker
) -> None:
    sign_in("p-mette", "Mette Lund Sørensen", caseworker=("cw-lene", "Lene Bach"))
    with client.session_transaction() as session:
        session["auth"]["acting"] = None
    soup = pages.get("/overblik", status=403)
    assert normalize(soup.h1.text) == "Siden viser en borgers oplysninger"
    assert "forhåndsvisning af en borger i din sagsstamme" in normalize(soup.text)
    assert soup.find("a", href="/medarbejder/borgere")


def test_a_power_of_attorney_holder_is_told_about_the_power_of_attorney(
    sign_in: SignIn, client: FlaskClient, pages: PageChecker, fake_planapi: FakePlanAPI
) -> None:
    sign_in(
        "p-mette",
        "Mette Lund Sørensen",
        basis="power_of_attorney",
        actor=("p-bent", "Bent Nielsen"),
        age=None,
        scope=["plan:read", "cases:read"],  # covers the plan
    )
    plan_api_refuses(fake_planapi, "p-mette")
    h1, reason, page = refused(pages, "/min-plan")
    assert h1 == "Din fuldmagt dækker ikke dette"
    assert "Den dækker ikke dette, eller den er udløbet" in reason
    assert SELF_TEXT not in page
    assert "Mette" not in page  # the refusal names no one the reader may not see now


def test_a_parent_whose_custody_no_longer_holds_is_told_why(
    sign_in: SignIn, pages: PageChecker, fake_planapi: FakePlanAPI
) -> None:
    sign_in(
        "p-emma",
        "Emma Kjær Poulsen",
        basis="custody",
        actor=("p-anders", "Anders Kjær Poulsen"),
        age=15,
    )
    plan_api_refuses(fake_planapi, "p-emma")
    h1, reason, page = refused(pages, "/min-plan")
    assert h1 == "Du kan ikke se barnets oplysninger"
    assert "så længe forælderen har forældremyndigheden, og barnet er under 18 år" in reason
    assert "Emma" not in page and "Jeg vil" not in page


def test_a_citizen_on_a_staff_page_is_told_it_is_for_staff(
    sign_in: SignIn, pages: PageChecker
) -> None:
    sign_in()
    h1, reason, _page = refused(pages, "/medarbejder/borgere")
    assert h1 == "Siden er for kommunens medarbejdere"
    assert reason.startswith("Du er logget ind som borger")


@pytest.mark.parametrize(
    ("headers", "h1"),
    [
        ({}, "Du har ikke adgang til denne side"),
        ({"Accept-Language": "en"}, "You do not have access to this page"),
    ],
)
def test_a_citizen_as_themself_keeps_the_general_reason(
    sign_in: SignIn, pages: PageChecker, fake_planapi: FakePlanAPI, headers: dict[str, str], h1: str
) -> None:
    sign_in()
    plan_api_refuses(fake_planapi, "p-mette")
    got_h1, reason, page = refused(pages, "/min-plan", headers=headers)
    assert got_h1 == h1
    assert reason.startswith("Du kan kun se" if not headers else "You can only see")
    assert "Jeg vil have et job" not in page


def test_a_session_claiming_another_basis_than_the_plan_api_gave_is_refused(
    sign_in: SignIn, client: FlaskClient, pages: PageChecker, fake_planapi: FakePlanAPI
) -> None:
    """Bent holds a power of attorney for Mette covering her plan. A session that says he
    acts for her with custody (which covers everything) is refused: the basis is compared
    with the one the plan API listed, not only the person."""
    bent = {"id": "p-bent", "name": "Bent Nielsen", "basis": "self", "age": 67, "scope": []}
    mette = {
        "id": "p-mette",
        "name": "Mette Lund Sørensen",
        "basis": "power_of_attorney",
        "age": 41,
        "scope": ["plan:read"],
    }
    sign_in(
        "p-mette",
        "Mette Lund Sørensen",
        basis="power_of_attorney",
        actor=("p-bent", "Bent Nielsen"),
        options=[bent, mette],
        scope=["plan:read"],
    )
    outside = pages.get("/samtykke", status=403)  # outside the scope: refused as such
    assert normalize(outside.h1.text) == "Din fuldmagt dækker ikke dette"
    with client.session_transaction() as session:
        session["auth"]["acting"]["basis"] = "custody"
    fake_planapi.on("GET", paths.consents("p-mette"), json=b.items())
    fake_planapi.on("GET", paths.plan("p-mette"), json=b.plan())
    before = len(fake_planapi.requests)
    h1, _reason, page = refused(pages, "/samtykke")
    assert h1 == "Du kan ikke se barnets oplysninger"  # the basis the session claims
    assert "Mette" not in page
    assert fake_planapi.requests[before:] == [], "nothing read for a basis that does not hold"
