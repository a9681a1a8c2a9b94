"""Plain words first, the law behind "Lovgrundlag", the child named, Danish parts marked as
Danish on an English page (WCAG 3.1.2)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from portal import i18n, waiting
from tests.unit import citizen_builders as b
from tests.unit import planapi_paths as paths
from tests.unit.conftest import FakePlanAPI, PageChecker, SignIn, normalize

ENGLISH = {"Accept-Language": "en"}


def serve(fake: FakePlanAPI, person: str = "p-mette", **parts: Any) -> None:
    base = paths.person(person)
    fake.on("GET", f"{base}/plan", json=parts.get("plan", b.plan()))
    fake.on("GET", f"{base}/cases", json=parts.get("cases", b.items()))
    fake.on("GET", f"{base}/appointments", json=parts.get("appointments", b.items(b.appointment())))
    fake.on("GET", f"{base}/contacts", json=parts.get("contacts", b.contact_list(b.contact())))
    fake.on("GET", f"{base}/consents", json=b.items())  # a waiting-list source may ask
    fake.on("GET", f"{base}/involvements", json=b.items())  # a person acting as himself


@pytest.fixture(autouse=True)
def only_overview_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(waiting, "_sources", [])


# --- the filters -----------------------------------------------------------------------


def test_danish_text_is_marked_only_on_a_page_in_another_language(app: Flask) -> None:
    with app.test_request_context():
        with force_locale("en"):
            assert str(i18n.danish("Bostøtte")) == '<span lang="da">Bostøtte</span>'
            # Escaped: the plan API's text is never markup.
            assert (
                str(i18n.danish("<b>§ 85</b>")) == '<span lang="da">&lt;b&gt;§ 85&lt;/b&gt;</span>'
            )
            assert str(i18n.danish(None)) == "" and str(i18n.danish("")) == ""
        with force_locale("da"):
            assert str(i18n.danish("Bostøtte")) == "Bostøtte"
            assert str(i18n.danish("<b>")) == "&lt;b&gt;"


@pytest.mark.parametrize(
    ("name", "da", "en"),
    [
        ("Emma Kjær Poulsen", "Emmas", "Emma's"),
        ("Jonas Holm Nielsen", "Jonas'", "Jonas's"),
        ("Felix", "Felix'", "Felix's"),
        ("Mette", "Mettes", "Mette's"),
    ],
)
def test_possessive_of_a_first_name(app: Flask, name: str, da: str, en: str) -> None:
    with app.test_request_context():
        with force_locale("da"):
            assert i18n.possessive(name) == da
        with force_locale("en"):
            assert i18n.possessive(name) == en


# --- the plan page ---------------------------------------------------------------------


def test_english_plan_marks_every_danish_part_and_says_once_that_it_is_danish(
    fake_planapi: FakePlanAPI, pages: PageChecker, sign_in: SignIn
) -> None:
    sign_in()
    serve(fake_planapi)
    soup = pages.get("/min-plan", headers=ENGLISH)
    assert soup.html["lang"] == "en"
    danish = [normalize(e.text) for e in soup.select("main [lang=da]")]
    for part in (
        "Jeg vil have et job, hvor jeg kan bruge mine hænder.",  # the goal
        "Få styr på økonomien",  # a sub-goal
        "Bostøtte",  # a plan item
        "servicelovens § 85",  # a law
        "Mette søger om ressourceforløb",  # an agreement
    ):
        assert any(part in text for text in danish), part
    # English words of the interface are not marked Danish.
    assert not any("Legal basis" in text or "Status" in text for text in danish)
    notes = soup.find_all(string=lambda s: s and "The plan is written in Danish" in s)
    assert len(notes) == 1


def test_danish_plan_has_no_language_marks_and_no_note(
    fake_planapi: FakePlanAPI, pages: PageChecker, sign_in: SignIn
) -> None:
    sign_in()
    serve(fake_planapi)
    soup = pages.get("/min-plan")
    assert soup.select("main [lang=da]") == []
    assert "skrevet på dansk" not in normalize(soup.text)


def test_plan_items_lead_with_what_not_with_the_law(
    fake_planapi: FakePlanAPI, pages: PageChecker, sign_in: SignIn
) -> None:
    sign_in()
    serve(fake_planapi, cases=b.items(b.case()))
    soup = pages.get("/min-plan")
    item = soup.select(".intervention")[-1]
    assert "servicelovens § 85" not in normalize(item.select_one("dl.facts").text)
    legal = item.select_one("details.legal-basis")
    assert normalize(legal.summary.text) == "Lovgrundlag"
    facts = {normalize(dt.text): normalize(dt.find_next("dd").text) for dt in legal.select("dt")}
    assert facts == {"Lov": "servicelovens § 85", "Udføres af": "Bostøtteteamet, Nordby Kommune"}
    case = soup.select_one(".case")
    assert "Barnets Lov" not in normalize(case.select_one("p.muted").text)
    assert "Barnets Lov § 35, stk. 4" in normalize(case.select_one("details.legal-basis").text)
    intro = normalize(soup.select_one("#interventions").find_next("p").text)
    assert intro.startswith("2 afdelinger i kommunen hjælper dig.")


def test_the_jobcentres_min_plan_is_named_apart_from_this_page(
    fake_planapi: FakePlanAPI, pages: PageChecker, sign_in: SignIn
) -> None:
    sign_in()
    serve(fake_planapi)
    soup = pages.get("/min-plan")
    link = soup.select_one(".sector-plan a")
    assert normalize(link.text) == "Åbn Jobcentrets plan (Min Plan på Jobnet)"
    english = pages.get("/min-plan", headers=ENGLISH)
    assert "The jobcentre's plan (Min Plan on Jobnet)" in normalize(
        english.select_one(".sector-plan h3").text
    )


# --- the overview names the child ----------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            {},
            ["Emmas mål", "Emmas næste aftale", "Emmas kontaktperson", "Venter på Emma eller dig"],
        ),
        (ENGLISH, ["Emma's goal", "Emma's next appointment", "Emma's contact person"]),
    ],
)
def test_overview_for_a_child_names_the_child(
    client: FlaskClient,
    fake_planapi: FakePlanAPI,
    pages: PageChecker,
    headers: dict[str, str],
    expected: list[str],
) -> None:
    SignIn(client)(
        "p-emma",
        "Emma Kjær Poulsen",
        basis="custody",
        actor=("p-anders", "Anders Kjær Poulsen"),
        age=15,
    )
    serve(fake_planapi, person="p-emma")
    soup = pages.get("/overblik", headers=headers)
    headings = [normalize(h.text) for h in soup.select("main h2")]
    for heading in expected:
        assert heading in headings
    assert not {"Dit mål", "Din næste aftale", "Your goal", "Your next appointment"} & set(headings)


def test_overview_as_oneself_says_your(
    fake_planapi: FakePlanAPI, pages: PageChecker, sign_in: SignIn
) -> None:
    sign_in()
    serve(fake_planapi)
    headings = [normalize(h.text) for h in pages.get("/overblik").select("main h2")]
    assert headings[:2] == ["Dit mål", "Din næste aftale"] and "Venter på dig" in headings


# --- the plan page names the child too -------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected", "coordinator"),
    [
        ({}, ["Emmas mål", "Det får Emma hjælp til"], "Emmas koordinerende sagsbehandler:"),
        (ENGLISH, ["Emma's goal", "What Emma gets help with"], "Emma's coordinating caseworker:"),
    ],
)
def test_plan_for_a_child_names_the_child(
    client: FlaskClient,
    fake_planapi: FakePlanAPI,
    pages: PageChecker,
    headers: dict[str, str],
    expected: list[str],
    coordinator: str,
) -> None:
    SignIn(client)(
        "p-emma",
        "Emma Kjær Poulsen",
        basis="custody",
        actor=("p-anders", "Anders Kjær Poulsen"),
        age=15,
    )
    serve(fake_planapi, person="p-emma")
    soup = pages.get("/min-plan", headers=headers)
    headings = [normalize(h.text) for h in soup.select("main h2")]
    toc = [normalize(a.text) for a in soup.select(".plan-toc a")]
    for heading in expected:
        assert heading in headings and heading in toc
    assert coordinator in normalize(soup.select_one(".plan-meta").text)
    said = set(headings) | set(toc)
    assert not {"Dit mål", "Det får du hjælp til", "Your goal", "What you get help with"} & said


def test_plan_as_oneself_says_your(
    fake_planapi: FakePlanAPI, pages: PageChecker, sign_in: SignIn
) -> None:
    sign_in()
    serve(fake_planapi)
    soup = pages.get("/min-plan")
    headings = [normalize(h.text) for h in soup.select("main h2")]
    assert "Dit mål" in headings and "Det får du hjælp til" in headings
    assert "Din koordinerende sagsbehandler:" in normalize(soup.select_one(".plan-meta").text)
