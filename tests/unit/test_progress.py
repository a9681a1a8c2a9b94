"""Sådan går det: the progress page, answering, summary, receipt, drafts, preview, outbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from flask import Flask, g
from sqlalchemy import func, select

from portal import outbox, waiting
from portal.clients.questionnaires import RESPONSE
from portal.extensions import db
from portal.models import OutboxMessage
from portal.views import progress
from tests.unit import planapi_paths as paths
from tests.unit.conftest import FakePlanAPI, PageChecker, SignIn, normalize
from tests.unit.error_focus import assert_error_focus
from tests.unit.progress_builders import due, goals, score, stored_response, who5
from tests.unit.test_outbox import sql_sent

PERSON = "p-mette"
BASE = paths.person(PERSON)
WHO5_PATH = f"{BASE}/questionnaires/who-5"
ANSWERS = {"who5-1": 3, "who5-2": 4, "who5-3": 2, "who5-4": 3, "who5-5": 1}  # 13 → 52


def acting(**overrides: Any) -> SimpleNamespace:
    fields: dict[str, Any] = {
        "actor_id": PERSON,
        "actor_role": "citizen",
        "actor_name": "Mette Lund Sørensen",
        "subject_id": PERSON,
        "subject_name": "Mette Lund Sørensen",
        "subject_age": 41,
        "basis": "self",
        "purpose": "",
        "read_only": False,
        "can_switch": False,
        "pending_choice": False,
    }
    fields.update(overrides)
    return SimpleNamespace(**fields)


@pytest.fixture
def sign_in(sign_in: SignIn) -> Callable[..., SimpleNamespace]:
    """The shared session sign-in, spoken in the acting-as fields these tests use."""

    def sign(**overrides: Any) -> SimpleNamespace:
        who = acting(**overrides)
        if who.actor_role == "caseworker":
            sign_in(
                who.subject_id,
                who.subject_name,
                age=who.subject_age,
                caseworker=(who.actor_id, who.actor_name),
                purpose=who.purpose,
            )
        else:
            sign_in(
                who.subject_id,
                who.subject_name,
                basis=who.basis,
                age=who.subject_age,
                actor=(who.actor_id, who.actor_name),
            )
        return who

    return sign


def answered(day: int, reported: int, month: int = 3) -> dict[str, Any]:
    return score(at=datetime(2025, month, day, 9, tzinfo=UTC), reported=reported)


def routes(
    fake: FakePlanAPI,
    *,
    due_list: list[dict[str, Any]] | None = None,
    scores: list[dict[str, Any]] | None = None,
) -> None:
    fake.on(
        "GET",
        f"{BASE}/questionnaires",
        json={"items": due_list if due_list is not None else [due()]},
    )
    fake.on("GET", f"{BASE}/scores", json={"items": scores or []})
    fake.on("GET", WHO5_PATH, json=who5())
    fake.on("GET", f"{BASE}/questionnaires/plan-goals", json=goals())


def who5_form(answers: dict[str, int] = ANSWERS, **extra: str) -> dict[str, str]:
    return {f"q-{k}": str(v) for k, v in answers.items()} | extra


def form_key_of(soup: Any) -> str:
    return str(soup.find("input", attrs={"name": "form_key"})["value"])


def hidden(soup: Any) -> dict[str, str]:
    """The form key and CSRF token of the questionnaire form on the page."""
    return {
        "form_key": form_key_of(soup),
        "csrf_token": str(soup.find("input", attrs={"name": "csrf_token"})["value"]),
    }


def hidden_csrf(soup: Any) -> str:
    return str(soup.find("input", attrs={"name": "csrf_token"})["value"])


def responses_recorded(fake: FakePlanAPI) -> list[httpx.Request]:
    return [r for r in fake.requests if r.method == "POST"]


# --- the progress page ---------------------------------------------------------------


def test_progress_page_lists_due_questionnaire_and_chart(
    pages: PageChecker, fake_planapi: FakePlanAPI, sign_in: Callable[..., Any]
) -> None:
    sign_in()
    routes(fake_planapi, scores=[answered(3, 40), answered(31, 60)])
    soup = pages.get("/saadan-gaar-det")
    assert normalize(soup.h1.text) == "Sådan går det"
    card = soup.select_one(".questionnaire-card")
    # Voluntary: ready since a day, no deadline.
    assert "Klar til dig siden" in normalize(card.text) and "Frist" not in normalize(card.text)
    assert card.find("a", href="/saadan-gaar-det/who-5/besvar")
    svg = soup.select_one("svg#chart-who-5")
    assert svg["role"] == "img" and svg.find("title") and svg.find("desc")
    assert "Din trivsel er steget siden marts." in normalize(soup.text)
    assert "Din trivsel er steget siden marts." in svg.find("desc").text
    rows = [
        [normalize(c.text) for c in tr.find_all(["th", "td"])]
        for tr in soup.select("#who-5-caption ~ tbody tr")
    ]
    assert rows == [["3. marts 2025", "40"], ["31. marts 2025", "60"]]
    assert "ikke en diagnose" in normalize(soup.text)
    assert "Psykiatrisk Center Nordsjælland" in normalize(soup.text)


def test_goal_progress_has_a_line_and_a_column_per_goal(
    pages: PageChecker, fake_planapi: FakePlanAPI, sign_in: Callable[..., Any]
) -> None:
    sign_in()
    first = score(
        "plan-goals",
        at=datetime(2025, 2, 3, 9, tzinfo=UTC),
        reported=30,
        items={"g-1": 2, "g-2": 4},
        raw=3,
    )
    later = score(
        "plan-goals",
        at=datetime(2025, 3, 3, 9, tzinfo=UTC),
        reported=50,
        items={"g-1": 6, "g-2": 4},
        raw=5,
    )
    routes(fake_planapi, due_list=[due("plan-goals")], scores=[first, later])
    soup = pages.get("/saadan-gaar-det")
    assert len(soup.select("svg#chart-plan-goals polyline")) == 2
    headers = [normalize(th.text) for th in soup.select("#plan-goals-caption ~ thead th")]
    assert headers == ["Dato", "Få en fast bolig", "Starte på uddannelse"]
    text = normalize(soup.text)
    assert "Du er tættere på “Få en fast bolig” end i februar." in text
    assert "Du er lige så tæt på “Starte på uddannelse” som i februar." in text


def test_three_states_answered_upcoming_due_and_queued(
    app: Flask, pages: PageChecker, fake_planapi: FakePlanAPI, sign_in: Callable[..., Any]
) -> None:
    sign_in()
    routes(
        fake_planapi,
        due_list=[
            due("who-5", status="overdue"),
            due(
                "plan-goals",
                status="answered",
                due_on=date(2025, 4, 7),
                last_answered_at=datetime(2025, 3, 10, 19, 40, tzinfo=UTC),
            ),
            due("experience", status="due"),
            due("extra", status="upcoming", due_on=date(2025, 5, 5)),
        ],
    )
    with app.test_request_context():
        db.session.add(
            OutboxMessage(
                idempotency_key="k",
                kind=RESPONSE,
                person_id=PERSON,
                resource_id="experience",
                path=f"{BASE}/questionnaires/experience/responses",
                payload={},
                caller={"actor_id": PERSON, "actor_role": "citizen", "basis": "self"},
            )
        )
        db.session.commit()
    fake_planapi.down("POST", f"{BASE}/questionnaires/experience/responses")
    soup = pages.get("/saadan-gaar-det")
    cards = [normalize(c.text) for c in soup.select(".questionnaire-card")]
    assert "Klar til dig siden" in cards[0] and "Besvar" in cards[0]
    assert "frist" not in cards[0].lower()
    assert "Besvaret 10. marts 2025" in cards[1] and "Næste gang: 7. april 2025" in cards[1]
    assert "bliver sendt" in cards[2] and "Næste gang" in cards[2]
    # Never answered and not due yet: not "Besvaret", but when it opens.
    assert "Besvaret" not in cards[3] and "Klar til dig fra 5. maj 2025" in cards[3]
    assert len(soup.select(".questionnaire-card a.button")) == 1


def test_plan_api_down_gives_notices_not_an_error(
    pages: PageChecker, fake_planapi: FakePlanAPI, sign_in: Callable[..., Any]
) -> None:
    sign_in()
    fake_planapi.down("GET", f"{BASE}/questionnaires")
    fake_planapi.down("GET", f"{BASE}/scores")
    soup = pages.get("/saadan-gaar-det")
    assert len(soup.select(".alert-warning")) == 2


def test_no_answers_yet(
    pages: PageChecker, fake_planapi: FakePlanAPI, sign_in: Callable[..., Any]
) -> None:
    sign_in()
    routes(fake_planapi, due_list=[])
    soup = pages.get("/saadan-gaar-det")
    assert "ingen spørgeskemaer" in normalize(soup.text)
    assert not soup.find("svg", role="img")


# --- answering -----------------------------------------------------------------------


def test_answer_form_is_radio_groups_in_fieldsets(
    pages: PageChecker, fake_planapi: FakePlanAPI, sign_in: Callable[..., Any]
) -> None:
    sign_in()
    routes(fake_planapi)
    soup = pages.get("/saadan-gaar-det/who-5/besvar")
    fieldsets = soup.select("form.questionnaire fieldset")
    assert len(fieldsets) == 5
    first = fieldsets[0]
    assert normalize(first.legend.text) == "1. Jeg har været glad og i godt humør"
    radios = first.select("input[type=radio]")
    assert [r["value"] for r in radios] == ["5", "4", "3", "2", "1", "0"]
    assert all(soup.find("label", attrs={"for": r["id"]}) for r in radios)
    assert len(form_key_of(soup)) == 32
    buttons = [normalize(b.text) for b in soup.select("form.questionnaire button")]
    assert buttons == ["Se dine svar", "Gem og fortsæt senere"]


def test_missing_and_out_of_scale_answers_are_explained_and_kept(
    pages: PageChecker, fake_planapi: FakePlanAPI, sign_in: Callable[..., Any]
) -> None:
    sign_in()
    routes(fake_planapi)
    form_page = pages.get("/saadan-gaar-det/who-5/besvar")
    key, token = form_key_of(form_page), hidden(form_page)["csrf_token"]
    form = who5_form(csrf_token=token, form_key=key, action="review")
    del form["q-who5-2"]
    form["q-who5-4"] = "9"
    soup = pages.post("/saadan-gaar-det/who-5/besvar", form, status=400)
    assert_error_focus(soup)
    summary = [normalize(a.text) for a in soup.select(".alert-error li a")]
    assert summary == [
        "Vælg et svar til spørgsmål 2.",
        "Vælg et af de viste svar til spørgsmål 4.",
    ]
    # The summary links to the question's first radio, which has the field's own id.
    assert soup.select_one(".alert-error a")["href"] == "#q-who5-2"
    assert soup.find(id="q-who5-2")["value"] == "5", "the summary links to the first radio"
    assert soup.find("input", id="q-who5-1-3").has_attr("checked"), "typed answers are kept"
    assert form_key_of(soup) == key
    assert "q-who5-4-error" in soup.find(id="q-who5-4").find_parent("fieldset")["aria-describedby"]


def test_who5_answer_summary_send_receipt(
    app: Flask, pages: PageChecker, fake_planapi: FakePlanAPI, sign_in: Callable[..., Any]
) -> None:
    sign_in()
    routes(fake_planapi)
    fake_planapi.on(
        "POST",
        f"{WHO5_PATH}/responses",
        status=201,
        json=stored_response("who-5", ANSWERS, 52, datetime(2025, 3, 10, tzinfo=UTC)),
    )
    form_page = pages.get("/saadan-gaar-det/who-5/besvar")
    key, token = form_key_of(form_page), hidden(form_page)["csrf_token"]
    summary = pages.post(
        "/saadan-gaar-det/who-5/besvar", who5_form(form_key=key, csrf_token=token, action="review")
    )
    assert normalize(summary.h1.text) == "Tjek dine svar"
    assert [normalize(d.text) for d in summary.select(".check-answers td")] == [
        "Lidt mere end halvdelen af tiden",
        "Det meste af tiden",
        "Lidt mindre end halvdelen af tiden",
        "Lidt mere end halvdelen af tiden",
        "Lidt af tiden",
    ]
    send_form = summary.select_one("form[action='/saadan-gaar-det/who-5/send']")
    data = {i["name"]: i["value"] for i in send_form.select("input[type=hidden]")}
    location = pages.redirect("/saadan-gaar-det/who-5/send", method="POST", data=data)
    assert location == f"/saadan-gaar-det/kvittering/{key}"
    sent = fake_planapi.sent_json()
    assert sent == {
        "instrument_version": 1,
        "language": "da",
        "answers": [{"item_id": k, "value": v} for k, v in ANSWERS.items()],
    }
    assert responses_recorded(fake_planapi)[-1].headers["Idempotency-Key"].endswith(key)
    receipt = pages.get(location)
    text = normalize(receipt.text)
    assert "Dine svar er modtaget" in text
    assert "Din trivsel: 52 ud af 100" in text
    # sending the same summary again (double click, back + send): one response
    assert pages.redirect("/saadan-gaar-det/who-5/send", method="POST", data=data) == location
    assert len(responses_recorded(fake_planapi)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_plan_api_down_at_send_is_queued_then_delivered_once(
    app: Flask, pages: PageChecker, fake_planapi: FakePlanAPI, sign_in: Callable[..., Any]
) -> None:
    sign_in()
    routes(fake_planapi)
    form_page = pages.get("/saadan-gaar-det/who-5/besvar")
    key, token = form_key_of(form_page), hidden(form_page)["csrf_token"]
    pages.post(
        "/saadan-gaar-det/who-5/besvar", who5_form(form_key=key, csrf_token=token, action="review")
    )
    for path in (f"{BASE}/questionnaires", WHO5_PATH, f"{WHO5_PATH}/responses"):
        fake_planapi.down("GET" if not path.endswith("responses") else "POST", path)
    data = who5_form(form_key=key, csrf_token=token)
    location = pages.redirect("/saadan-gaar-det/who-5/send", method="POST", data=data)
    receipt = pages.get(location)
    assert "Dine svar er registreret" in normalize(receipt.text)
    assert pages.redirect("/saadan-gaar-det/who-5/send", method="POST", data=data) == location
    fake_planapi.on(
        "POST",
        f"{WHO5_PATH}/responses",
        status=201,
        json=stored_response("who-5", ANSWERS, 52, datetime(2025, 3, 10, tzinfo=UTC)),
    )
    with app.test_request_context():
        assert outbox.deliver_pending() == 1
        assert outbox.deliver_pending() == 0
    routes(fake_planapi)
    assert "Dine svar er modtaget" in normalize(pages.get(location).text)
    keys = {r.headers["Idempotency-Key"] for r in responses_recorded(fake_planapi)}
    assert len(keys) == 1, "every attempt carried the same key"


def test_save_and_resume(
    pages: PageChecker, fake_planapi: FakePlanAPI, sign_in: Callable[..., Any]
) -> None:
    sign_in()
    routes(fake_planapi)
    form_page = pages.get("/saadan-gaar-det/who-5/besvar")
    key, token = form_key_of(form_page), hidden(form_page)["csrf_token"]
    half = {
        "q-who5-1": "4",
        "q-who5-2": "2",
        "form_key": key,
        "action": "save",
        "csrf_token": token,
    }
    assert pages.redirect("/saadan-gaar-det/who-5/besvar", method="POST", data=half) == (
        "/saadan-gaar-det"
    )
    overview = pages.get("/saadan-gaar-det")
    assert "Gem" not in normalize(overview.select_one(".questionnaire-card a").text)
    assert "Fortsæt" in normalize(overview.select_one(".questionnaire-card a").text)
    resumed = pages.get("/saadan-gaar-det/who-5/besvar")
    assert resumed.find("input", id="q-who5-1-4").has_attr("checked")
    assert resumed.find("input", id="q-who5-2-2").has_attr("checked")
    assert not resumed.select("input[id^=q-who5-3][checked]")
    assert form_key_of(resumed) == key


def test_plan_api_refusal_is_shown_on_the_question(
    pages: PageChecker, fake_planapi: FakePlanAPI, sign_in: Callable[..., Any]
) -> None:
    sign_in()
    routes(fake_planapi)
    fake_planapi.on(
        "POST",
        f"{WHO5_PATH}/responses",
        status=422,
        json={
            "title": "Invalid",
            "errors": [
                {"field": "answers.2.value", "message": "must be a whole number from 0 to 5"}
            ],
        },
    )
    form_page = pages.get("/saadan-gaar-det/who-5/besvar")
    key, token = form_key_of(form_page), hidden(form_page)["csrf_token"]
    soup = pages.post(
        "/saadan-gaar-det/who-5/send", who5_form(form_key=key, csrf_token=token), status=400
    )
    assert "Spørgsmål 3" in normalize(soup.select_one("#q-who5-3-error").text)


def test_caseworker_preview_sees_history_but_cannot_answer(
    client: Any, pages: PageChecker, fake_planapi: FakePlanAPI, sign_in: Callable[..., Any]
) -> None:
    sign_in(
        actor_id="cw-lene",
        actor_role="caseworker",
        actor_name="Lene Bach",
        basis="caseworker_preview",
        read_only=True,
        purpose="preview",
    )
    routes(fake_planapi, scores=[answered(3, 40)])
    soup = pages.get("/saadan-gaar-det")
    assert soup.select_one("svg#chart-who-5")
    assert not soup.select(".questionnaire-card a.button")
    assert client.get("/saadan-gaar-det/who-5/besvar").status_code == 403
    token = hidden_csrf(soup)
    assert (
        client.post("/saadan-gaar-det/who-5/send", data=who5_form(csrf_token=token)).status_code
        == 403
    )
    assert not responses_recorded(fake_planapi)
    assert fake_planapi.requests[0].headers["X-Basis"] == "caseworker_preview"


@pytest.mark.parametrize(("age", "may"), [(12, True), (14, True), (15, False), (17, False)])
def test_parent_answers_for_a_child_under_15(
    client: Any,
    pages: PageChecker,
    fake_planapi: FakePlanAPI,
    sign_in: Callable[..., Any],
    age: int,
    may: bool,
) -> None:
    sign_in(
        actor_id="p-anders",
        actor_name="Anders Kjær Poulsen",
        subject_id=PERSON,
        subject_name="Emma Kjær Poulsen",
        subject_age=age,
        basis="custody",
    )
    routes(fake_planapi)
    if may:
        soup = pages.get("/saadan-gaar-det/who-5/besvar")
        assert "Du svarer for Emma Kjær Poulsen" in normalize(soup.text)
    else:
        assert client.get("/saadan-gaar-det/who-5/besvar").status_code == 403


def test_waiting_list_source(
    app: Flask, fake_planapi: FakePlanAPI, sign_in: Callable[..., Any]
) -> None:
    routes(
        fake_planapi,
        due_list=[due("who-5", status="overdue"), due("plan-goals", status="upcoming")],
    )
    caller = progress.Caller(actor_id=PERSON, actor_role="citizen", basis="self")
    assert progress.due_questionnaires in waiting._sources
    with app.test_request_context():
        g.acting = acting()
        mine = progress.due_questionnaires(caller, PERSON)
    assert len(mine) == 1
    assert mine[0].url == "/saadan-gaar-det/who-5/besvar"
    # Answering is voluntary: ready since its day, never overdue or with a deadline.
    assert mine[0].urgency == "normal" and mine[0].due is None
    assert mine[0].ready_since is not None
    with app.test_request_context():
        g.acting = acting(read_only=True, basis="caseworker_preview")
        assert progress.due_questionnaires(caller, PERSON) == []


@pytest.mark.parametrize("status", ["upcoming", "due"])
def test_the_waiting_list_asks_the_portals_database_only_when_a_questionnaire_is_due(
    app: Flask, fake_planapi: FakePlanAPI, status: str
) -> None:
    """Most days nothing is due: the overview then does not ask the portal's database which
    answers are on their way (a connection, a query, a rollback per page view)."""
    routes(fake_planapi, due_list=[due("who-5", status=status)])
    caller = progress.Caller(actor_id=PERSON, actor_role="citizen", basis="self")
    with app.test_request_context():
        g.acting = acting()
        with sql_sent() as statements:
            items = progress.due_questionnaires(caller, PERSON)
    outbox_reads = [s for s in statements if "FROM outbox_message" in s]
    if status == "upcoming":
        assert (items, statements) == ([], [])
    else:
        assert [i.url for i in items] == ["/saadan-gaar-det/who-5/besvar"]
        assert len(outbox_reads) == 1, statements  # an answer on its way hides the item
