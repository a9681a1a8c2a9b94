"""The overview: goal, next appointment, primary contact, waiting list, empty state, API down."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from portal import waiting
from portal.clients.base import Caller, PlanAPIUnavailable
from tests.unit import citizen_builders as b
from tests.unit import planapi_paths as paths
from tests.unit.conftest import FakePlanAPI, PageChecker, SignIn, normalize

BASE = paths.person("p-mette")


@pytest.fixture(autouse=True)
def mette(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    SignIn(client)()
    # Only this module's source (and those registered by other features at import) run;
    # keep the registry as it was after each test.
    monkeypatch.setattr(waiting, "_sources", [waiting_source_of_overview()])


def waiting_source_of_overview() -> Any:
    from portal.views.overview import missing_statements

    return missing_statements


def serve(fake: FakePlanAPI, **parts: Any) -> None:
    fake.on("GET", f"{BASE}/plan", json=parts.get("plan", b.plan()))
    fake.on("GET", f"{BASE}/appointments", json=parts.get("appointments", b.items(b.appointment())))
    fake.on("GET", f"{BASE}/contacts", json=parts.get("contacts", b.contact_list(b.contact())))
    fake.on("GET", f"{BASE}/cases", json=parts.get("cases", b.items()))
    fake.on("GET", paths.involvements("p-mette"), json=parts.get("involvements", b.items()))


def test_overview_answers_plan_next_and_who_to_call(
    fake_planapi: FakePlanAPI, pages: PageChecker
) -> None:
    serve(fake_planapi)
    soup = pages.get("/overblik")
    assert normalize(soup.h1.text) == "Overblik"
    assert "Jeg vil have et job" in normalize(soup.select_one(".goal-quote").text)
    card = soup.select_one(".appointment")
    assert "Opfølgning på planen" in normalize(card.text)
    assert "om 2 dage" in normalize(card.text)
    assert "kl. 10.00" in normalize(card.text)
    assert "Rådhuspladsen 1" in normalize(card.text)
    call = soup.select_one("a.contact-call")
    assert call["href"] == "tel:+4570102031"
    assert "Lene" in normalize(call.text)
    assert soup.select_one("a[href='/min-plan']")
    assert "Intet venter på dig" in normalize(soup.text) or soup.select(".waiting-item") == []
    sent = fake_planapi.requests[0].headers
    assert sent["X-Actor-Id"] == "p-mette" and sent["X-Basis"] == "self"


def test_missing_statements_are_waiting_with_a_link_to_the_case(
    fake_planapi: FakePlanAPI, pages: PageChecker
) -> None:
    serve(fake_planapi, cases=b.items(b.case()))
    soup = pages.get("/overblik")
    item = soup.select_one(".waiting-item--soon")
    assert item is not None
    assert "2 udtalelser mangler" in normalize(item.text)
    assert "Demo Skole, PPR" in normalize(item.text)
    assert item.a["href"] == "/min-plan#case-case-efterskole"
    # On an English page the case's title and who is to send it are marked as Danish.
    english = pages.get("/overblik", headers={"Accept-Language": "en"})
    item = english.select_one(".waiting-item--soon")
    assert "2 statements are missing in" in normalize(item.text)
    marked = [normalize(span.text) for span in item.select("[lang=da]")]
    assert marked[0] == normalize(b.case()["title"]) and "Demo Skole, PPR" in marked[1], marked
    assert not item.select("[lang=da] [lang=da]") and "&lt;" not in str(item)


def test_a_source_that_cannot_answer_shows_a_notice_not_an_error(
    fake_planapi: FakePlanAPI, pages: PageChecker, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(caller: Caller, person_id: str) -> list[waiting.WaitingItem]:
        raise PlanAPIUnavailable("down")

    monkeypatch.setattr(waiting, "_sources", [broken])
    serve(fake_planapi)
    soup = pages.get("/overblik")
    assert "Vi kunne ikke tjekke alt" in normalize(
        soup.select_one("[aria-labelledby=waiting-heading]").text
    )
    assert soup.select_one(".goal-quote"), "the rest of the page still shows"


def test_person_without_a_plan_gets_a_friendly_empty_state(
    fake_planapi: FakePlanAPI, pages: PageChecker
) -> None:
    fake_planapi.on(
        "GET",
        f"{BASE}/plan",
        status=404,
        json={"type": "no-plan", "title": "No plan", "status": 404},
    )
    serve_rest = {
        "appointments": b.items(),
        "contacts": b.contact_list(),
        "cases": b.items(),
    }
    fake_planapi.on("GET", f"{BASE}/appointments", json=serve_rest["appointments"])
    fake_planapi.on("GET", f"{BASE}/contacts", json=serve_rest["contacts"])
    fake_planapi.on("GET", f"{BASE}/cases", json=serve_rest["cases"])
    fake_planapi.on("GET", paths.involvements("p-mette"), json=b.items())
    soup = pages.get("/overblik")
    text = normalize(soup.text)
    assert "Du har ikke en samlet plan" in text
    assert "frivilligt" in text
    assert soup.select_one("main a[href^='tel:']"), "the empty state says whom to call"
    assert "Du har ingen kommende aftaler" in text


def test_plan_api_down_renders_notices_within_one_timeout(
    fake_planapi: FakePlanAPI, pages: PageChecker
) -> None:
    for path in ("plan", "appointments", "contacts", "cases"):
        fake_planapi.down("GET", f"{BASE}/{path}")
    soup = pages.get("/overblik")
    alerts = normalize(" ".join(a.text for a in soup.select("main .alert-warning")))
    assert "Vi kan ikke vise din plan lige nu" in alerts
    assert "aftaler" in alerts and "kontaktperson" in alerts
    # One composite read for the page (one timeout, not one per part), tried at most
    # twice (a read is retried once); the waiting list does not try again on its own.
    called = [r.url.path for r in fake_planapi.requests]
    assert called in ([paths.overview("p-mette")], [paths.overview("p-mette")] * 2)


def test_optional_fields_missing_still_render(
    fake_planapi: FakePlanAPI, pages: PageChecker
) -> None:
    bare_appointment = b.appointment(
        end=None,
        purpose=None,
        participants=[],
        organiser=None,
        location={"kind": "video", "address": None, "room": None, "video_url": None},
    )
    serve(
        fake_planapi,
        plan=b.plan(overall_goal=None, next_follow_up=None, sub_goals=[], agreements=[]),
        appointments=b.items(bare_appointment),
        contacts=b.contact_list(b.contact(phone=None, email=None, hours=None, helps_with=None)),
    )
    soup = pages.get("/overblik")
    assert "Dit mål er ikke skrevet ned endnu" in normalize(soup.text)
    assert "Videomøde" in normalize(soup.select_one(".appointment").text)
    assert not soup.select("a.contact-call")


def test_english_overview(fake_planapi: FakePlanAPI, pages: PageChecker) -> None:
    serve(fake_planapi)
    soup = pages.get("/overblik", headers={"Accept-Language": "en"})
    assert normalize(soup.h1.text) == "Overview"
    assert "in 2 days" in normalize(soup.select_one(".appointment").text)


def test_a_family_member_sees_his_part_of_someone_elses_plan(
    pages: PageChecker, fake_planapi: FakePlanAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.views.overview import family_tasks

    monkeypatch.setattr(waiting, "_sources", [family_tasks])
    serve(
        fake_planapi,
        involvements=b.items(
            {
                "plan_id": "pl-emma",
                "person": b.person_ref("p-emma", "Emma Kjær Poulsen"),
                "role": "parent",
                "legal_basis": "Barnets Lov § 32",
                "custody": True,
                "shared": True,
                "coordinator": b.caseworker_ref(),
                "tasks": [b.agreement(what="Anders sender oplysninger om økonomi")],
                "invitations": [
                    b.appointment(id="ap-emma-1", title="Møde om efterskoleansøgningen")
                ],
            }
        ),
    )
    soup = pages.get("/overblik")
    part = normalize(soup.select_one("#family-pl-emma").text)
    assert "Du er med i Emma Kjær Poulsens plan" in part
    assert "Anders sender oplysninger om økonomi" in part and "Sådan sender du det" in part
    assert "Møde om efterskoleansøgningen" in part
    assert soup.select_one("#family-pl-emma form input[name=person_id]")["value"] == "p-emma"
    waiting_items = normalize(soup.select_one(".waiting-list").text)
    assert "Anders sender oplysninger om økonomi" in waiting_items
    assert "Aftalt i Emma Kjær Poulsens plan" in waiting_items
    # On an English page the plan's own Danish words are marked as Danish (WCAG 3.1.2).
    english = pages.get("/overblik", headers={"Accept-Language": "en"})
    for where in ("#family-pl-emma .family-task", ".waiting-list .waiting-title"):
        marked = english.select_one(f"{where} [lang=da]")
        assert marked is not None and marked.text == "Anders sender oplysninger om økonomi", where


def _menu(soup: Any) -> list[tuple[str, str | None]]:
    return [(normalize(a.text), a.get("aria-current")) for a in soup.select(".portal-nav__bar a")]


def test_the_menu_kept_between_pages_follows_the_page_and_the_language(
    fake_planapi: FakePlanAPI, pages: PageChecker
) -> None:
    """The menu is rendered once per process and values (portal/__init__.py, `fragment`):
    a kept copy must never show another page as current, nor another language."""
    serve(fake_planapi)
    danish = _menu(pages.get("/overblik"))
    assert danish[0] == ("Overblik", "page") and ("Min plan", None) in danish
    english = _menu(pages.get("/overblik", headers={"Accept-Language": "en"}))
    assert english[0] == ("Overview", "page") and ("My plan", None) in english
    elsewhere = _menu(pages.get("/tilgaengelighedserklaering"))
    assert [label for label, _ in elsewhere] == [label for label, _ in danish]
    assert all(current is None for _, current in elsewhere), elsewhere
    assert _menu(pages.get("/overblik")) == danish
