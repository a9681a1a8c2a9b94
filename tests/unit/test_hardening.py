"""Findings of probing the demo as an attacker would, each held shut here.

Hostile ids in plan-API paths, a refused caseworker preview carrying the caseworker's
words into a citizen's log, a power of attorney offered a form it does not cover, and
absolute URLs taken from the Host header.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar

from portal.clients.base import PlanAPINotFound, resource_path
from tests.unit import citizen_builders as b
from tests.unit import planapi_paths as paths
from tests.unit.conftest import FakePlanAPI, PageChecker, SignIn, normalize


@pytest.mark.parametrize(
    "hostile",
    [
        "../persons/p-jonas/plan",
        "..%2Fpersons%2Fp-jonas%2Fplan",
        "2025-1/../../persons/p-jonas/plan",
        "2025-1?x=1",
        "2025-1#x",
        ".",
        "a b",
    ],
)
def test_a_hostile_id_in_a_path_is_a_404_and_never_reaches_the_plan_api(
    client: FlaskClient, fake_planapi: FakePlanAPI, hostile: str
) -> None:
    SignIn(client)()
    response = client.get("/samtykke/giv/omfang", query_string={"text_version": hostile})
    assert response.status_code == 404
    assert "Jonas" not in response.get_data(as_text=True)
    reached = [r.url.path for r in fake_planapi.requests]
    assert not any("p-jonas" in p or "consent-texts" in p for p in reached), reached


def test_paths_are_checked_and_encoded_per_segment() -> None:
    assert resource_path("/v1/consent-texts/2025-1") == "/v1/consent-texts/2025-1"
    assert resource_path("/v1/persons/p-mette/plan") == "/v1/persons/p-mette/plan"
    for bad in ("/v1/consent-texts/..", "/v1/persons//plan", "v1/persons", "/v1/x%2e"):
        with pytest.raises(PlanAPINotFound):
            resource_path(bad)


# -- caseworker preview ------------------------------------------------------------------------


@pytest.fixture
def lene(client: FlaskClient, fake_planapi: FakePlanAPI) -> None:
    SignIn(client)("p-mette", "Mette", caseworker=("cw-lene", "Lene Bach"))
    with client.session_transaction() as session:
        session["auth"]["acting"] = None
    fake_planapi.on(
        "GET",
        paths.caseload("cw-lene"),
        json={
            "caseworker": {
                "id": "cw-lene",
                "name": "Lene Bach",
                "title": "Koordinerende sagsbehandler",
                "phone": "70 10 20 30",
                "email": "lene.bach@demo-kommune.example",
            },
            "items": [],
        },
    )
    fake_planapi.on(
        "POST",
        paths.access_log("p-freja"),
        status=403,
        json={"type": "https://x/forbidden", "title": "Forbidden", "status": 403},
    )


@pytest.mark.usefixtures("lene")
def test_a_refused_preview_is_logged_without_the_caseworkers_words(
    pages: PageChecker, fake_planapi: FakePlanAPI
) -> None:
    words = "Nysgerrig på naboens sag, CPR 281196-2990"
    pages.post(
        "/medarbejder/borgere/p-freja",
        {"purpose": words, "csrf_token": pages.csrf_token()},
        status=403,
    )
    logged = [r for r in fake_planapi.requests if r.url.path == paths.access_log("p-freja")]
    assert len(logged) == 1
    sent = logged[0].content.decode() + " ".join(f"{k}: {v}" for k, v in logged[0].headers.items())
    assert "Nysgerrig" not in sent and "281196" not in sent and "naboens" not in sent


@pytest.mark.usefixtures("lene")
def test_opening_a_preview_with_a_get_writes_nothing(
    pages: PageChecker, fake_planapi: FakePlanAPI
) -> None:
    # A link (an image, a prefetch) must not write refused attempts into a citizen's log.
    pages.get("/medarbejder/borgere/p-freja", status=403)
    assert not [r for r in fake_planapi.requests if r.method == "POST"]


# -- power of attorney ---------------------------------------------------------------------------


def test_a_power_of_attorney_is_not_offered_forms_it_does_not_cover(
    client: FlaskClient, fake_planapi: FakePlanAPI, pages: PageChecker
) -> None:
    SignIn(client)(
        "p-mette",
        "Mette Lund Sørensen",
        basis="power_of_attorney",
        actor=("p-bent", "Bent"),
        scope=["plan:read", "appointments:read"],
    )
    fake_planapi.on(
        "GET",
        paths.appointments("p-mette"),
        json=b.items(b.appointment()),
    )
    soup = pages.get("/aftaler")
    assert soup.select(".appointment, article, li"), "the appointments are shown"
    assert not soup.select("a[href$='/flyt']"), "no 'Ask to move' for Bent"
    response = client.get("/aftaler/ap-1/flyt")
    assert response.status_code == 403
    assert "Bed om at flytte" not in response.get_data(as_text=True)
    assert not [r for r in fake_planapi.requests if r.url.path.endswith("/ap-1")]


def test_a_power_of_attorney_whose_scope_shrank_since_the_choice_is_noticed(
    client: FlaskClient, fake_planapi: FakePlanAPI, pages: PageChecker
) -> None:
    """The session copied the scope when Bent chose Mette; since then the plan API (asked
    again at his last switch) gives him less. The copy must not keep the old scope alive."""
    now = {
        "id": "p-mette",
        "name": "Mette Lund Sørensen",
        "basis": "power_of_attorney",
        "age": 41,
        "scope": ["plan:read"],
    }
    SignIn(client)(
        "p-mette",
        "Mette Lund Sørensen",
        basis="power_of_attorney",
        actor=("p-bent", "Bent Nielsen"),
        options=[now],
        scope=["plan:read", "contacts:read"],
    )
    fake_planapi.on("GET", paths.contacts("p-mette"), json=b.contact_list(b.contact()))
    response = client.get("/kontakt")
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert "Mette" not in body, "the refusal names nobody Bent has no basis for"
    assert not fake_planapi.requests, "nothing was read for Mette"
    # The scope the session was given at the choice still holds: nothing to notice.
    with client.session_transaction() as session:
        session["auth"]["acting"]["scope"] = ["plan:read"]
    assert normalize(pages.get("/kontakt", status=403).h1.text) == "Din fuldmagt dækker ikke dette"


# -- Host header -------------------------------------------------------------------------------


def test_calendar_links_and_uids_come_from_the_public_base_url(
    fake_planapi: FakePlanAPI, fake_app_with_base: Flask
) -> None:
    client = fake_app_with_base.test_client()
    SignIn(client)()
    fake_planapi.on("GET", paths.appointment("p-mette", "ap-1"), json=b.appointment())
    # The test client says Host: localhost; none of it may reach an absolute URL or UID.
    headers = {"Host": "localhost"}
    ics = client.get("/aftaler/ap-1/kalender.ics", headers=headers)
    assert ics.status_code == 200, ics.get_data(as_text=True)[-600:]
    event = Calendar.from_ical(ics.data).walk("VEVENT")[0]
    assert str(event["uid"]).endswith("@mitoverblik.demo-kommune.example")
    page = PageChecker(client)
    token = page.csrf_token("/aftaler/kalender")
    made = client.post("/aftaler/kalender", data={"csrf_token": token}, headers=headers)
    url = re.search(r'id="feed-url"[^>]*value="([^"]+)"', made.get_data(as_text=True))
    assert url and url.group(1).startswith("https://mitoverblik.demo-kommune.example/kalender/")
    assert "http://localhost" not in normalize(made.get_data(as_text=True))


@pytest.fixture
def fake_app_with_base(fake_planapi: FakePlanAPI) -> Flask:
    import httpx

    from portal import create_app
    from portal.extensions import db

    app = create_app(
        {
            "PLANAPI_TRANSPORT": httpx.MockTransport(fake_planapi),
            "PUBLIC_BASE_URL": "https://mitoverblik.demo-kommune.example",
            "EXTRA_TRUSTED_HOSTS": "localhost",
        },
        env="test",
    )
    with app.app_context():
        db.create_all()
    return app


@pytest.mark.parametrize("url", ["/mine-data/oplysninger", "/mine-data/oplysninger.json"])
def test_exporting_my_data_is_a_post_and_a_get_reads_nothing(
    client: FlaskClient, fake_planapi: FakePlanAPI, url: str
) -> None:
    """An export reads everything and writes to the person's access log: a link (a prefetch,
    an image on another site) must never do that."""
    SignIn(client)()
    fake_planapi.requests.clear()
    assert client.get(url).status_code == 405
    assert not fake_planapi.requests
