"""Caseworker preview: the caseload, a required purpose, read-only citizen pages with a
banner, refusal (logged at the plan API) outside the caseload, and ending the preview."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import pytest
from flask.testing import FlaskClient

from tests.unit import citizen_builders as b
from tests.unit import planapi_paths as paths
from tests.unit.conftest import FakePlanAPI, PageChecker, SignIn, normalize
from tests.unit.error_focus import assert_error_focus


def caseload(*people: tuple[str, str]) -> dict[str, Any]:
    return {
        "caseworker": b.caseworker_ref(),
        "items": [
            {"person": b.person_ref(pid, name), "age": 41, "has_plan": True, "next_follow_up": None}
            for pid, name in people
        ],
    }


def person(pid: str = "p-mette", name: str = "Mette Lund Sørensen") -> dict[str, Any]:
    given, _, family = name.partition(" ")
    return {
        "id": pid,
        "name": name,
        "given_name": given,
        "family_name": family,
        "birth_date": "1985-06-09",
        "age": 41,
        "kind": "citizen",
        "has_plan": True,
    }


@pytest.fixture
def lene(client: FlaskClient, sign_in: SignIn, fake_planapi: FakePlanAPI) -> None:
    """Lene logged in as caseworker, not yet previewing anyone."""
    sign_in(caseworker=("cw-lene", "Lene Bach"))
    with client.session_transaction() as session:
        session["auth"]["acting"] = None
    fake_planapi.on(
        "GET",
        paths.caseload("cw-lene"),
        json=caseload(("p-jonas", "Jonas Holm Nielsen"), ("p-mette", "Mette Lund Sørensen")),
    )
    fake_planapi.on("GET", SUMMARY, json={"items": [summary(respondents=2)]})


SUMMARY = "/v1/caseworkers/cw-lene/experience-summary"


def summary(respondents: int, agree: int = 0) -> dict[str, Any]:
    items = None
    if respondents >= 5:
        items = [
            {
                "item_id": "exp-overview",
                "text": {"da": "Mit forløb med kommunen har været overskueligt", "en": "x"},
                "answered": respondents,
                "agree": agree,
                "counts": [],
            }
        ]
    return {
        "instrument_id": "experience",
        "title": {"da": "Sådan oplever du forløbet", "en": "Your experience"},
        "respondents": respondents,
        "min_respondents": 5,
        "since": "2025-11-23",
        "items": items,
    }


@pytest.mark.usefixtures("lene")
def test_experience_over_all_citizens_only_in_numbers_from_five(
    pages: PageChecker, fake_planapi: FakePlanAPI
) -> None:
    text = normalize(pages.get("/medarbejder/borgere").select_one(".experience-summary").text)
    assert "2 personer har svaret siden 23. november 2025" in text
    assert "mindst 5" in text and not pages.get("/medarbejder/borgere").select(
        ".experience-summary table"
    )
    fake_planapi.on("GET", SUMMARY, json={"items": [summary(respondents=7, agree=3)]})
    soup = pages.get("/medarbejder/borgere")
    row = [normalize(c.text) for c in soup.select(".experience-summary tbody tr > *")]
    assert row == ["Mit forløb med kommunen har været overskueligt", "3 af 7"]


@pytest.mark.usefixtures("lene")
def test_caseload_lists_the_citizens_with_a_link_each(pages: PageChecker) -> None:
    soup = pages.get("/medarbejder/borgere")
    assert normalize(soup.h1.text) == "Dine borgere"
    names = [normalize(h.text) for h in soup.select(".caseload h2")]
    assert names == ["Jonas Holm Nielsen", "Mette Lund Sørensen"]
    links = [a["href"] for a in soup.select(".caseload a")]
    assert links == ["/medarbejder/borgere/p-jonas", "/medarbejder/borgere/p-mette"]
    assert not soup.select(".acting-banner"), "no banner before a preview starts"


@pytest.mark.usefixtures("lene")
def test_purpose_is_required_and_shown_in_an_error_summary(
    pages: PageChecker, fake_planapi: FakePlanAPI
) -> None:
    soup = pages.post(
        "/medarbejder/borgere/p-mette",
        {"purpose": "   ", "csrf_token": pages.csrf_token()},
        status=400,
    )
    summary = soup.select_one(".error-summary")
    assert summary and summary.select_one("a")["href"] == "#purpose"
    assert soup.select_one("#purpose")["aria-invalid"] == "true"
    assert_error_focus(soup)
    assert not [r for r in fake_planapi.requests if r.url.path == paths.person("p-mette")]


@pytest.mark.usefixtures("lene")
def test_preview_starts_with_purpose_and_shows_banner_and_read_only_pages(
    client: FlaskClient, pages: PageChecker, fake_planapi: FakePlanAPI
) -> None:
    fake_planapi.on("GET", paths.person("p-mette"), json=person())
    location = pages.redirect(
        "/medarbejder/borgere/p-mette",
        method="POST",
        data={"purpose": "Forberede opfølgning", "csrf_token": pages.csrf_token()},
    )
    assert location == "/overblik"
    sent = next(r for r in fake_planapi.requests if r.url.path == paths.person("p-mette"))
    assert sent.headers["X-Basis"] == "caseworker_preview"
    assert unquote(sent.headers["X-Purpose"]) == "Forberede opfølgning"

    fake_planapi.on("GET", paths.appointments("p-mette"), json=b.items(b.appointment()))
    soup = pages.get("/aftaler")
    banner = normalize(soup.select_one(".acting-banner--preview").text)
    assert "Du ser borgerens visning som sagsbehandler" in banner and "Mette" in banner
    # Every POST form on a preview page is the banner's end or logging out, never an action.
    actions = {f["action"] for f in soup.find_all("form", method="post")}
    assert actions <= {"/medarbejder/afslut-visning", "/log-af"}, actions
    assert not soup.find("a", href="/aftaler/ap-1/flyt")


@pytest.mark.usefixtures("lene")
def test_outside_caseload_is_refused_and_the_attempt_goes_to_the_plan_api(
    pages: PageChecker, fake_planapi: FakePlanAPI
) -> None:
    fake_planapi.on(
        "POST",
        paths.access_log("p-freja"),
        status=403,
        json={"type": "https://x/forbidden", "title": "Forbidden", "status": 403},
    )
    soup = pages.post(
        "/medarbejder/borgere/p-freja",
        {"purpose": "Nysgerrig", "csrf_token": pages.csrf_token()},
        status=403,
    )
    assert normalize(soup.h1.text) == "Du kan ikke se denne borgers visning"
    logged = [r for r in fake_planapi.requests if r.url.path == paths.access_log("p-freja")]
    assert len(logged) == 1
    assert logged[0].headers["X-Basis"] == "caseworker_preview"
    assert fake_planapi.sent_json(-1)["action"] == "preview"
    # Nor can a GET reach the form for someone outside the caseload.
    pages.get("/medarbejder/borgere/p-freja", status=403)
    assert "Freja" not in str(soup)


@pytest.mark.usefixtures("lene")
def test_end_preview_returns_to_the_caseload(
    client: FlaskClient, pages: PageChecker, fake_planapi: FakePlanAPI
) -> None:
    fake_planapi.on("GET", paths.person("p-mette"), json=person())
    token = pages.csrf_token()
    data = {"purpose": "Opfølgning", "csrf_token": token}
    pages.redirect("/medarbejder/borgere/p-mette", method="POST", data=data)
    ended = pages.redirect("/medarbejder/afslut-visning", method="POST", data={"csrf_token": token})
    assert ended.endswith("/medarbejder/borgere")
    pages.get("/overblik", status=403)


def test_citizen_cannot_open_the_caseload(
    sign_in: SignIn, client: FlaskClient, pages: PageChecker
) -> None:
    sign_in()
    assert client.get("/medarbejder/borgere").status_code == 403
    data = {"purpose": "x", "csrf_token": pages.csrf_token()}
    assert client.post("/medarbejder/borgere/p-mette", data=data).status_code == 403


def test_nobody_logged_in_goes_to_caseworker_login(client: FlaskClient) -> None:
    response = client.get("/medarbejder/borgere")
    assert response.status_code == 302
    assert response.location.startswith("/medarbejder/log-ind")


def test_plan_api_down_on_caseload_shows_notice(
    lene: None, fake_planapi: FakePlanAPI, client: FlaskClient
) -> None:
    fake_planapi.down("GET", paths.caseload("cw-lene"))
    response = client.get("/medarbejder/borgere")
    assert response.status_code == 503
