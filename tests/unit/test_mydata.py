"""Who has seen my data (the access log page) and My data (the export as HTML and JSON)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from flask.testing import FlaskClient

from portal.clients.overview import PARTS
from portal.views.mydata import AREAS
from tests.unit import citizen_builders as b
from tests.unit import planapi_paths as paths
from tests.unit import progress_builders as pb
from tests.unit.conftest import FakePlanAPI, PageChecker, SignIn, normalize
from tests.unit.error_focus import assert_error_focus
from tests.unit.test_consent import consent, event

BASE = paths.person("p-emma")
EMMA = ("p-emma", "Emma Kjær Poulsen")
ANDERS = ("p-anders", "Anders Kjær Poulsen")


def entry(n: int, kind: str = "caseworker", **kw: Any) -> dict[str, Any]:
    actors = {
        "citizen": ("p-emma", "Emma Kjær Poulsen", "self"),
        "guardian": ("p-anders", "Anders Kjær Poulsen", "custody"),
        "caseworker": ("cw-lene", "Lene Bach", "caseworker_preview"),
    }
    actor_id, name, basis = actors[kind]
    return {
        "id": f"log-{n}",
        "at": (datetime(2026, 11, 20, 10, 0, tzinfo=b.TZ) - timedelta(hours=n)).isoformat(),
        "actor": {"id": actor_id, "name": name, "kind": kind},
        "action": "preview" if kind == "caseworker" else "read",
        "resource": "plan",
        "basis": basis,
        "purpose": "Forberede mødet" if kind == "caseworker" else None,
        "outcome": "allowed",
    } | kw


def log_page(entries: list[dict[str, Any]]) -> Any:
    return {"items": entries, "page": 1, "page_size": 100, "total": len(entries)}


@pytest.fixture
def emma(sign_in: SignIn) -> None:
    sign_in(*EMMA, age=15)


@pytest.mark.usefixtures("emma")
def test_log_names_who_in_the_readers_words_newest_first(
    pages: PageChecker, fake_planapi: FakePlanAPI
) -> None:
    fake_planapi.on(
        "GET",
        f"{BASE}/access-log",
        json=log_page([entry(0), entry(1, "guardian"), entry(2, "citizen")]),
    )
    soup = pages.get("/hvem-har-set-mine-oplysninger")
    assert normalize(soup.h1.text) == "Hvem har set mine oplysninger"
    rows = [normalize(li.text) for li in soup.select(".access-log__entry")]
    assert "Lene Bach (din sagsbehandler) så, i sagsbehandlers visning, planen" in rows[0]
    assert "Grundlag: Sagsbehandlers visning" in rows[0] and "Formål: Forberede mødet" in rows[0]
    assert "Anders Kjær Poulsen (din forælder) så planen" in rows[1]
    # Her own reads are behind a link, not in the way of other people's.
    assert len(rows) == 2
    own = soup.select_one(".access-log-own")
    assert "Du har selv kigget 1 gang" in normalize(own.text)
    soup = pages.get(own.a["href"])
    rows = [normalize(li.text) for li in soup.select(".access-log__entry")]
    assert len(rows) == 3 and "Emma Kjær Poulsen (du selv) så planen" in rows[2]


@pytest.mark.usefixtures("emma")
def test_one_page_view_is_one_entry_naming_everything_it_read(
    pages: PageChecker, fake_planapi: FakePlanAPI
) -> None:
    """The overview's composite read is logged once with every part: all of them shown."""
    parts = "plan,cases,appointments,contacts,consents,questionnaires"
    fake_planapi.on("GET", f"{BASE}/access-log", json=log_page([entry(0, resource=parts)]))
    [row] = [
        normalize(li.text)
        for li in pages.get("/hvem-har-set-mine-oplysninger").select(".access-log__entry")
    ]
    assert (
        "så, i sagsbehandlers visning, planen, sager, aftaler, kontakter, samtykker"
        " og spørgeskemaer og svar." in row
    ), row


@pytest.mark.usefixtures("emma")
def test_a_visit_that_changed_something_says_what_it_changed_and_what_it_only_saw(
    pages: PageChecker, fake_planapi: FakePlanAPI
) -> None:
    at = datetime(2026, 11, 20, 10, 0, tzinfo=b.TZ)

    def later(minutes: int) -> str:
        return (at + timedelta(minutes=minutes)).isoformat()

    visit = [
        entry(0, action="read", at=later(0)),
        entry(1, action="change", resource="consents/c-emma", at=later(2)),
        entry(2, action="read", resource="appointments", at=later(3)),
    ]
    fake_planapi.on("GET", f"{BASE}/access-log", json=log_page(visit))
    [row] = [
        normalize(li.text)
        for li in pages.get("/hvem-har-set-mine-oplysninger").select(".access-log__entry")
    ]
    assert "Lene Bach (din sagsbehandler) ændrede samtykker og så planen og aftaler." in row, row


@pytest.mark.usefixtures("emma")
def test_log_filters_and_pages_through_the_plan_api(
    pages: PageChecker, fake_planapi: FakePlanAPI
) -> None:
    # 45 visits by the caseworker, one an hour apart: 3 pages of 20 visits.
    fake_planapi.on("GET", f"{BASE}/access-log", json=log_page([entry(n) for n in range(45)]))
    soup = pages.get("/hvem-har-set-mine-oplysninger?hvem=caseworker&fra=2026-11-01&side=2")
    sent = parse_qs(fake_planapi.requests[-1].url.query.decode())
    assert sent == {
        "actor_kind": ["caseworker"],
        "since": ["2026-11-01"],
        "page": ["1"],
        "page_size": ["100"],
    }
    assert len(soup.select(".access-log__entry")) == 20
    assert soup.select_one("#hvem option[selected]")["value"] == "caseworker"
    current = soup.select_one(".pagination [aria-current=page]")
    assert normalize(current.text) == "2"
    nxt = soup.select_one(".pagination-next")["href"]
    assert "side=3" in nxt and "hvem=caseworker" in nxt and "fra=2026-11-01" in nxt
    assert "side=1" not in soup.select_one(".pagination-previous")["href"]


@pytest.mark.usefixtures("emma")
def test_log_refuses_a_bad_date_with_an_error_summary(
    pages: PageChecker, fake_planapi: FakePlanAPI
) -> None:
    fake_planapi.on("GET", f"{BASE}/access-log", json=log_page([]))
    soup = pages.get("/hvem-har-set-mine-oplysninger?fra=1.%20maj", status=400)
    assert assert_error_focus(soup).select_one("a")["href"] == "#fra"
    assert "since" not in fake_planapi.requests[-1].url.query.decode()


@pytest.mark.usefixtures("emma")
def test_refused_attempts_are_marked(pages: PageChecker, fake_planapi: FakePlanAPI) -> None:
    refused = entry(
        0, outcome="refused", actor={"id": "cw-peter", "name": "Peter Holm", "kind": "caseworker"}
    )
    fake_planapi.on("GET", f"{BASE}/access-log", json=log_page([refused]))
    row = normalize(
        pages.get("/hvem-har-set-mine-oplysninger").select_one(".access-log__entry").text
    )
    assert "Afvist" in row and "Peter Holm (din sagsbehandler) forsøgte at se planen" in row


def test_parent_sees_neutral_roles(
    sign_in: SignIn, pages: PageChecker, fake_planapi: FakePlanAPI
) -> None:
    sign_in(*EMMA, basis="custody", actor=ANDERS, age=15)
    fake_planapi.on(
        "GET",
        f"{BASE}/access-log",
        json=log_page([entry(0), entry(1, "guardian"), entry(2, "citizen")]),
    )
    rows = [
        normalize(li.text)
        for li in pages.get("/hvem-har-set-mine-oplysninger").select(".access-log__entry")
    ]
    # Anders's own reads are his own visits, apart; Emma's are someone else's to him.
    assert "(sagsbehandler)" in rows[0]
    assert "Emma Kjær Poulsen (personen selv)" in rows[1] and len(rows) == 2


def serve_everything(
    fake: FakePlanAPI, base: str = BASE, consents: list[dict[str, Any]] | None = None
) -> None:
    at = datetime(2026, 10, 1, 9, 30, tzinfo=b.TZ)
    fake.on("GET", f"{base}/plan", json=b.plan(overall_goal="Jeg vil på efterskole"))
    fake.on("GET", f"{base}/cases", json=b.items(b.case()))
    fake.on(
        "GET",
        f"{base}/appointments",
        handler=lambda r: httpx.Response(
            200,
            json=b.items(
                b.appointment(
                    title="Møde om efterskolen"
                    if r.url.params["when"] == "upcoming"
                    else "Første samtale"
                )
            ),
        ),
    )
    fake.on("GET", f"{base}/contacts", json=b.contact_list(b.contact()))
    fake.on("GET", f"{base}/consents", json={"items": consents or []})
    fake.on("GET", f"{base}/scores", json={"items": [pb.score(at=at, reported=64)]})
    fake.on("GET", f"{base}/questionnaires", json={"items": [pb.due()]})
    fake.on("GET", f"{base}/questionnaires/who-5", json=pb.who5())
    fake.on(
        "GET",
        f"{base}/questionnaires/who-5/responses",
        json={"items": [pb.stored_response("who-5", {"who5-1": 3}, 64, at)]},
    )
    fake.on("GET", f"{base}/access-log", json=log_page([entry(0)]))
    fake.on("POST", f"{base}/access-log", status=201, json=entry(9, "citizen", action="export"))


@pytest.mark.usefixtures("emma")
def test_export_html_has_every_part_and_is_logged(
    pages: PageChecker, fake_planapi: FakePlanAPI
) -> None:
    serve_everything(fake_planapi)
    soup = pages.post("/mine-data/oplysninger", {"csrf_token": pages.csrf_token("/mine-data")})
    text = normalize(soup.text)
    for expected in (
        "Jeg vil på efterskole",
        "Økonomisk støtte til efterskole",
        "Udtalelse fra PPR",
        "Møde om efterskolen",
        "Første samtale",
        "Lene Bach",
        "score 64 af 100",
        "Forberede mødet",
    ):
        assert expected in text, expected
    # Words, as on the pages, not codes.
    assert "Jeg har været glad og i godt humør: Lidt mere end halvdelen af tiden" in text
    assert "who5-1" not in text and "who-5" not in text
    posted = [r for r in fake_planapi.requests if r.method == "POST"]
    assert len(posted) == 1 and json.loads(posted[0].content)["action"] == "export"


@pytest.mark.usefixtures("emma")
def test_export_says_consent_states_in_words(pages: PageChecker, fake_planapi: FakePlanAPI) -> None:
    withdrawn = consent(status="withdrawn", withdrawn=("employment", "social", "health"))
    withdrawn["history"].append(event("withdrawn", 10, ["employment", "social", "health"]))
    serve_everything(fake_planapi, consents=[withdrawn])
    section = normalize(
        pages.post("/mine-data/oplysninger", {"csrf_token": pages.csrf_token("/mine-data")})
        .select_one("#export-consents")
        .parent.text
    )
    assert "Status: trukket tilbage" in section and "(deles ikke længere)" in section
    assert "Samtykke givet" in section and "Samtykke trukket tilbage" in section
    for code in ("withdrawn", "granted", "active"):
        assert code not in section, code


@pytest.mark.usefixtures("emma")
def test_export_json_downloads_every_section(
    client: FlaskClient, fake_planapi: FakePlanAPI
) -> None:
    serve_everything(fake_planapi)
    token = PageChecker(client).csrf_token("/mine-data")
    response = client.post("/mine-data/oplysninger.json", data={"csrf_token": token})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = response.get_json()
    assert data["person"]["id"] == "p-emma"
    assert data["plan"]["overall_goal"] == "Jeg vil på efterskole"
    assert data["cases"][0]["legal_basis"] == "Barnets Lov § 35, stk. 4"
    assert data["appointments_upcoming"][0]["title"] == "Møde om efterskolen"
    assert data["consents"] == [] and data["contacts"][0]["name"] == "Lene Bach"
    assert data["questionnaire_responses"][0]["score"]["reported"] == 64
    assert data["access_log"][0]["purpose"] == "Forberede mødet"


def test_preview_cannot_export(
    sign_in: SignIn, client: FlaskClient, pages: PageChecker, fake_planapi: FakePlanAPI
) -> None:
    sign_in(*EMMA, caseworker=("cw-lene", "Lene Bach"), age=15)
    token = pages.csrf_token("/mine-data")
    for url in ("/mine-data/oplysninger.json", "/mine-data/oplysninger"):
        assert client.post(url, data={"csrf_token": token}).status_code == 403
    soup = pages.get("/mine-data")
    assert not soup.find("form", action="/mine-data/oplysninger.json")
    assert not soup.find("form", action="/mine-data/oplysninger")
    assert not fake_planapi.requests


def test_power_of_attorney_outside_scope_gets_a_clear_page(
    sign_in: SignIn, pages: PageChecker, fake_planapi: FakePlanAPI
) -> None:
    option = {
        "id": "p-mette",
        "name": "Mette Lund Sørensen",
        "basis": "power_of_attorney",
        "age": 41,
        "scope": ["plan:read", "appointments:read"],
    }
    sign_in(
        "p-mette",
        "Mette Lund Sørensen",
        basis="power_of_attorney",
        actor=("p-bent", "Bent Nielsen"),
        options=[option],
        scope=option["scope"],
    )
    for url in ("/kontakt", "/hvem-har-set-mine-oplysninger"):
        soup = pages.get(url, status=403)
        assert normalize(soup.h1.text) == "Din fuldmagt dækker ikke dette", url
    token = str(soup.find("input", attrs={"name": "csrf_token"})["value"])
    soup = pages.post("/mine-data/oplysninger.json", {"csrf_token": token}, status=403)
    assert normalize(soup.h1.text) == "Din fuldmagt dækker ikke dette"
    assert not fake_planapi.requests
    # Within scope the plan shows, without cases or contacts the scope does not cover.
    fake_planapi.on("GET", paths.plan("p-mette"), json=b.plan())
    fake_planapi.on("GET", paths.appointments("p-mette"), json=b.items(b.appointment()))
    soup = pages.get("/min-plan")
    menu = [a["href"] for a in soup.select(".portal-nav__bar a")]
    assert "/min-plan" in menu and "/aftaler" in menu and "/kontakt" not in menu
    [read] = fake_planapi.requests  # one composite read, of the plan only
    assert (read.url.path, read.url.params["include"]) == (paths.overview("p-mette"), "plan")
    pages.get("/overblik")  # of the plan the overview shows only the goal
    assert fake_planapi.requests[-1].url.params["include"] == "goal,appointments"


def test_every_part_a_page_reads_has_words_in_who_has_seen_my_data() -> None:
    """The access log names the parts of a composite read ("goal,appointments"): each is
    shown in words, never as the plan API's name."""
    assert set(PARTS) <= set(AREAS), sorted(set(PARTS) - set(AREAS))
