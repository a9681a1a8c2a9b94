"""A repeat read of the composite read: the portal sends back the ETag of the answer it
holds, and a 304 shows that answer (portal/clients/overview.py, HeldAnswers)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from auth.session import SESSION_KEY
from identity import Caller
from portal.clients.overview import HeldAnswers, Overview, OverviewClient, held_answers
from tests.unit.conftest import FakePlanAPI, PageChecker, SignIn, normalize
from tests.unit.test_planapi_calls import serve

GOAL = "Jeg vil have et job"
OVERVIEW = "/v1/persons/p-mette/overview"


class Stamped:
    """The fake's composite read with an ETag; 304 when that ETag comes back."""

    def __init__(self, fake: FakePlanAPI, etag: str | None = '"1-a"') -> None:
        self.fake = fake
        self.etag = etag
        self.sent: list[str | None] = []  # If-None-Match of each read
        self.requests: list[str] = []  # and its URL

    def __call__(self, request: httpx.Request) -> httpx.Response:
        held = request.headers.get("If-None-Match")
        self.sent.append(held)
        self.requests.append(str(request.url))
        if self.etag and held == self.etag:
            return httpx.Response(304, headers={"ETag": self.etag})
        answer = self.fake._overview(request)
        if self.etag:
            answer.headers["ETag"] = self.etag
        return answer


@pytest.fixture
def stamped(fake_planapi: FakePlanAPI) -> Stamped:
    serve(fake_planapi, "p-mette")
    handler = Stamped(fake_planapi)
    fake_planapi.on("GET", OVERVIEW, handler=handler)
    return handler


def test_a_repeat_view_sends_the_etag_and_shows_the_held_answer_on_304(
    sign_in: SignIn, stamped: Stamped, pages: PageChecker
) -> None:
    sign_in()
    first = normalize(pages.get("/overblik").text)
    second = normalize(pages.get("/overblik").text)
    assert stamped.sent == [None, '"1-a"']
    assert GOAL in first and GOAL in second


def test_a_new_answer_replaces_the_held_one(
    sign_in: SignIn, stamped: Stamped, pages: PageChecker, fake_planapi: FakePlanAPI
) -> None:
    sign_in()
    pages.get("/overblik")
    stamped.etag = '"2-b"'
    fake_planapi.on("GET", "/v1/persons/p-mette/plan", json=plan_with_goal("Jeg vil læse videre"))
    assert "Jeg vil læse videre" in normalize(pages.get("/overblik").text)
    assert "Jeg vil læse videre" in normalize(pages.get("/overblik").text)
    assert stamped.sent == [None, '"1-a"', '"2-b"']


def plan_with_goal(goal: str) -> dict[str, Any]:
    from tests.unit import citizen_builders as b

    return b.plan() | {"overall_goal": goal}


def test_an_answer_without_an_etag_is_not_held(
    sign_in: SignIn, stamped: Stamped, pages: PageChecker
) -> None:
    stamped.etag = None
    sign_in()
    pages.get("/overblik")
    pages.get("/overblik")
    assert stamped.sent == [None, None]


def test_what_one_caller_holds_is_not_sent_for_another(
    sign_in: SignIn, stamped: Stamped, pages: PageChecker
) -> None:
    """A caseworker's preview of Mette's overview does not send what Mette herself holds."""
    sign_in()
    pages.get("/overblik")
    sign_in(caseworker=("cw-lene", "Lene Bach"))
    pages.get("/overblik")
    assert stamped.sent == [None, None]


def test_two_attorneys_of_the_same_person_each_send_only_their_own(
    sign_in: SignIn, stamped: Stamped, pages: PageChecker
) -> None:
    scope = ["plan:read", "appointments:read"]
    for holder in [("p-bent", "Bent Nielsen"), ("p-karim", "Karim Haddad"), ("p-bent", "Bent")]:
        sign_in(
            "p-mette", "Mette Lund Sørensen", basis="power_of_attorney", actor=holder, scope=scope
        )
        pages.get("/overblik")
    assert stamped.sent == [None, None, '"1-a"']


def test_what_is_held_for_one_person_and_set_of_parts_is_sent_for_no_other(
    sign_in: SignIn, fake_planapi: FakePlanAPI, pages: PageChecker
) -> None:
    """Anders for each of his two children, then the plan page (other parts): each read is
    its own, and only the repeat of the first sends an ETag."""
    answers = {}
    for child in ("p-emma", "p-oskar"):
        serve(fake_planapi, child)
        answers[child] = Stamped(fake_planapi, f'"1-{child}"')
        fake_planapi.on("GET", f"/v1/persons/{child}/overview", handler=answers[child])
    anders = ("p-anders", "Anders Kjær Poulsen")
    for child, path in [("p-emma", "/overblik"), ("p-oskar", "/overblik"), ("p-emma", "/min-plan")]:
        sign_in(child, "Barn", basis="custody", actor=anders, age=13)
        pages.get(path)
    assert (answers["p-emma"].sent, answers["p-oskar"].sent) == ([None, None], [None])
    sign_in("p-emma", "Barn", basis="custody", actor=anders, age=13)
    pages.get("/overblik")
    assert answers["p-emma"].sent == [None, None, '"1-p-emma"']


def test_the_same_read_on_another_basis_sends_nothing_held(
    app: Flask, fake_planapi: FakePlanAPI
) -> None:
    """The father for his child under custody, then under a power of attorney: the same
    person and parts, read afresh."""
    serve(fake_planapi, "p-emma")
    answers = Stamped(fake_planapi)
    fake_planapi.on("GET", "/v1/persons/p-emma/overview", handler=answers)
    callers = [
        Caller.custody("p-anders"),
        Caller.power_of_attorney("p-anders"),
        Caller.custody("p-anders"),
    ]
    for caller in callers:
        with app.test_request_context():
            OverviewClient(caller).get_overview("p-emma", ["goal", "appointments"])
    assert answers.sent == [None, None, '"1-a"']
    assert len(set(answers.requests)) == 1


def test_a_304_for_nothing_held_is_a_plan_api_failure_not_an_empty_page(
    sign_in: SignIn, fake_planapi: FakePlanAPI, pages: PageChecker
) -> None:
    fake_planapi.on("GET", OVERVIEW, status=304)
    sign_in()
    text = normalize(pages.get("/overblik").text)
    assert GOAL not in text
    assert "Vi kan ikke vise din plan lige nu Systemet med din plan svarer ikke." in text


def test_logging_out_drops_what_the_user_read(
    sign_in: SignIn, stamped: Stamped, pages: PageChecker, client: FlaskClient, app: Flask
) -> None:
    sign_in()
    pages.get("/overblik")
    assert len(held_answers(app)._held) == 1
    client.post("/log-af", data={"csrf_token": pages.csrf_token("/overblik")})
    assert len(held_answers(app)._held) == 0


def test_logging_out_with_no_one_logged_in_still_works(
    sign_in: SignIn, stamped: Stamped, client: FlaskClient, pages: PageChecker
) -> None:
    """Flask-Login tells of a logout by the anonymous user too (a second tab's "Log af")."""
    sign_in()
    token = pages.csrf_token("/overblik")
    with client.session_transaction() as session:
        del session[SESSION_KEY]
    response = client.post("/log-af", data={"csrf_token": token})
    assert (response.status_code, response.location) == (302, "/logget-af")


def test_the_read_is_tried_again_once_after_a_plan_api_failure(
    sign_in: SignIn, stamped: Stamped, fake_planapi: FakePlanAPI, pages: PageChecker
) -> None:
    answers = iter([httpx.Response(503)])
    fake_planapi.on(
        "GET", OVERVIEW, handler=lambda request: next(answers, None) or stamped(request)
    )
    sign_in()
    assert GOAL in normalize(pages.get("/overblik").text)
    assert stamped.sent == [None]
    assert len([r for r in fake_planapi.requests if r.url.path == OVERVIEW]) == 2


# HeldAnswers on its own -----------------------------------------------------------------


def overview(name: str) -> Overview:
    return Overview.model_validate({"person": {"id": "p-1", "name": name}, "parts": []})


def key(actor: str = "p-1", person: str = "p-1") -> tuple[str, str, str, str]:
    return (person, "goal", actor, "self")


def test_at_most_size_answers_the_least_recently_used_dropped_first() -> None:
    held = HeldAnswers(size=2)
    held.put(key("a"), '"1"', overview("A"))
    held.put(key("b"), '"2"', overview("B"))
    assert held.get(key("a")) is not None  # a is now the most recent
    held.put(key("c"), '"3"', overview("C"))
    assert held.get(key("b")) is None
    assert [h[0] for h in (held.get(key("a")), held.get(key("c"))) if h] == ['"1"', '"3"']


def test_an_answer_older_than_max_age_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("portal.clients.overview.time.monotonic", lambda: now[0])
    held = HeldAnswers(size=5, max_age=120)
    held.put(key(), '"1"', overview("A"))
    now[0] += 120
    assert held.get(key()) is not None
    now[0] += 0.5
    assert held.get(key()) is None and not held._held


def test_size_zero_holds_nothing_and_forget_drops_only_that_actor() -> None:
    off = HeldAnswers(size=0)
    off.put(key(), '"1"', overview("A"))
    assert off.get(key()) is None
    held = HeldAnswers(size=5)
    held.put(key("a", "p-1"), '"1"', overview("A"))
    held.put(key("a", "p-2"), '"2"', overview("A2"))
    held.put(key("b", "p-1"), '"3"', overview("B"))
    held.forget("a")
    assert held.get(key("a", "p-1")) is None and held.get(key("a", "p-2")) is None
    assert held.get(key("b", "p-1")) is not None
