"""The route guards and the wiring of auth/guards.py, each decision held by a test.

Where someone not (yet) allowed is sent, exactly; the session's clock (rewritten at most
every few seconds, the absolute end counted to the second, the timeout message kept for
the page that needs it); a session that names someone without a basis shows nobody; the
provider's HTTP client; and the caseworker preview's own checks, behind the views' ones.
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import Any, get_args
from urllib.parse import unquote

import httpx
import pytest
from flask import Flask, g, render_template_string, session
from flask.testing import FlaskClient
from werkzeug.exceptions import Forbidden, NotFound

from auth.access import AccessLevel, _checks
from auth.guards import (
    TOUCH_EVERY,
    absolute_expired,
    can_preview,
    end_preview,
    remaining,
    start_preview,
)
from auth.session import SESSION_KEY, AuthSession, Option, Subject
from tests.unit import citizen_builders as b
from tests.unit.auth.conftest import Flow, Simulator, make_portal, person_json
from tests.unit.conftest import FakePlanAPI, PageChecker, SignIn, normalize


def last_seen(client: FlaskClient, value: float | None = None) -> float:
    with client.session_transaction() as stored:
        if value is not None:
            stored[SESSION_KEY]["last_seen"] = value
        return float(stored[SESSION_KEY]["last_seen"])


# -- where the guards send whoever may not see a page yet ------------------------------------


def test_an_anonymous_visitor_comes_back_to_exactly_the_page_asked_for(
    client: FlaskClient,
) -> None:
    assert client.get("/test/laes").location == "/log-ind?next=/test/laes"
    assert client.get("/test/laes?x=X").location == "/log-ind?next=/test/laes?x%3DX"
    assert client.get("/test/medarbejder").location == "/medarbejder/log-ind?next=/test/medarbejder"


def test_a_form_sent_while_logged_out_is_not_sent_again_after_login(
    simulator: Simulator, fake_planapi: FakePlanAPI
) -> None:
    """Back from the login, the browser would GET what was a POST: no next for a POST."""
    app = make_portal(simulator, fake_planapi, WTF_CSRF_ENABLED=False)
    assert app.test_client().post("/test/skriv").location == "/log-ind"


def test_a_citizen_who_has_not_chosen_is_sent_to_the_choice_and_back(
    client: FlaskClient, simulator: Simulator
) -> None:
    assert Flow(client, simulator).login("p-anders").location.startswith("/vaelg-person")
    assert client.get("/test/laes").location == "/vaelg-person?next=/test/laes"
    assert client.get("/test/laes?x=X").location == "/vaelg-person?next=/test/laes?x%3DX"


def test_flask_logins_own_fallback_sends_to_the_citizen_login(portal: Flask) -> None:
    """Should a view ever use Flask-Login's login_required, it too goes to the login."""
    with portal.test_request_context("/test/laes"):
        response: Any = portal.login_manager.unauthorized()  # type: ignore[attr-defined]
    assert response.status_code == 302 and response.location.startswith("/log-ind?")


def test_every_access_level_but_public_has_its_check_and_nothing_else_is_registered(
    portal: Flask,
) -> None:
    assert set(_checks) == set(get_args(AccessLevel)) - {"public"}


# -- the session's clock ----------------------------------------------------------------------


def test_the_session_is_rewritten_at_most_every_few_seconds(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    SignIn(client)("p-jonas", "Jonas Holm Nielsen")
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)
    last_seen(client, now - TOUCH_EVERY)
    assert client.get("/test/laes").status_code == 200
    assert last_seen(client) == now - TOUCH_EVERY, "not rewritten within TOUCH_EVERY"
    last_seen(client, now - TOUCH_EVERY - 1)
    assert client.get("/test/laes").status_code == 200
    assert last_seen(client) == now


def test_a_page_view_between_touches_writes_neither_the_store_nor_the_cookie(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a change of the session writes it (SESSION_REFRESH_EACH_REQUEST off); the touch
    is one, and renews the store and the cookie to the idle timeout and a minute."""
    SignIn(client)("p-jonas", "Jonas Holm Nielsen")
    client.get("/test/laes")  # the first page stores a CSRF token and Flask-Login's "_fresh"
    interface: Any = client.application.session_interface
    writes: list[float] = []
    upsert = interface._upsert_session

    def counted(lifetime: Any, stored: Any, store_id: str) -> None:
        writes.append(lifetime.total_seconds())
        upsert(lifetime, stored, store_id)

    monkeypatch.setattr(interface, "_upsert_session", counted)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)
    last_seen(client, now - TOUCH_EVERY)
    writes.clear()
    page = client.get("/test/laes")
    assert page.status_code == 200
    assert (writes, page.headers.getlist("Set-Cookie")) == ([], []), "nothing changed"
    last_seen(client, now - TOUCH_EVERY - 1)
    writes.clear()
    page = client.get("/test/laes")
    idle = client.application.config["SESSION_IDLE_TIMEOUT"]
    assert writes == [idle + 60], "the touch writes the store: the idle time and a minute"
    (cookie,) = page.headers.getlist("Set-Cookie")
    assert cookie.startswith("mo_session=") and "HttpOnly" in cookie
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0]).timestamp()
    assert abs(expires - (now + idle + 60)) <= 1, "the cookie lasts as long as the store"


def test_a_static_file_does_not_use_up_the_timeout_message(client: FlaskClient) -> None:
    """The browser fetches the page's CSS too: the page itself still says why it ended."""
    SignIn(client)("p-jonas", "Jonas Holm Nielsen")
    last_seen(client, time.time() - 16 * 60)
    with client.get("/static/css/app.css") as css:
        assert css.status_code == 200
    assert client.get("/test/laes").location == "/logget-af?reason=timeout"


def test_the_absolute_end_is_counted_to_the_second(
    portal: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)
    lifetime = portal.config["SESSION_ABSOLUTE_LIFETIME"]
    with portal.test_request_context():
        assert absolute_expired({"started": now - lifetime}) is False
        assert absolute_expired({"started": now - lifetime - 1}) is True
        assert remaining({"started": now}) == portal.config["SESSION_IDLE_TIMEOUT"]
        assert remaining({"started": now - lifetime + 60}) == 60
        assert remaining({"started": now - lifetime - 100}) == 0, "never below zero"


# -- a session naming someone without a basis shows nobody --------------------------------------


def test_a_session_naming_someone_without_a_basis_shows_nobody_on_any_page(
    client: FlaskClient,
) -> None:
    SignIn(client)(
        "p-emma",
        "Emma Kjær Poulsen",
        basis="custody",
        actor=("p-anders", "Anders Kjær Poulsen"),
        age=15,
    )
    banner = PageChecker(client).get("/").select_one(".acting-banner")
    assert banner is not None and "Emma" in normalize(banner.text)
    with client.session_transaction() as stored:
        stored[SESSION_KEY]["acting"]["subject_id"] = "p-oliver"
    page = PageChecker(client).get("/")  # a public page: no access check refuses it
    assert not page.select(".acting-banner") and "Emma" not in page.text


# -- the client the portal asks its providers with ------------------------------------------------


def test_the_provider_is_asked_with_the_portals_client_and_its_redirects_are_not_followed(
    fake_planapi: FakePlanAPI,
) -> None:
    """Timeouts, a User-Agent that names the portal, and no following a redirect to
    another host (the provider's answer must come from the provider)."""
    from portal import create_app

    issuer = "https://broker.example/op"
    seen: list[httpx.Request] = []

    def provider(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "broker.example":
            return httpx.Response(302, headers={"Location": "https://elsewhere.example/op"})
        endpoints = ("authorization_endpoint", "token_endpoint", "jwks_uri")
        return httpx.Response(200, json={"issuer": issuer} | {e: issuer for e in endpoints})

    app = create_app(
        {
            "PLANAPI_TRANSPORT": httpx.MockTransport(fake_planapi),
            "OIDC_ISSUER": issuer,
            "OIDC_TRANSPORT": httpx.MockTransport(provider),
        },
        env="test",
    )
    response = app.test_client().get("/log-ind")
    assert response.status_code == 503
    assert [str(r.url) for r in seen] == [f"{issuer}/.well-known/openid-configuration"]
    assert seen[0].headers["User-Agent"] == "mit-overblik-portal"
    assert seen[0].extensions["timeout"] == {"connect": 2.0, "read": 5.0, "write": 5.0, "pool": 5.0}


def test_templates_can_mask_a_person_number(portal: Flask) -> None:
    with portal.test_request_context():
        assert render_template_string("{{ '1403029990'|mask_cpr }}") == "140302-****"


# -- the caseworker preview's own checks ----------------------------------------------------------


def as_citizen() -> None:
    me = Option("p-jonas", "Jonas Holm Nielsen", "self", 24)
    session[SESSION_KEY] = AuthSession(
        role="citizen",
        actor_id="p-jonas",
        actor_name="Jonas Holm Nielsen",
        acting=Subject.chosen(me),
        options=(me,),
        last_seen=time.time(),
    ).to_dict()


def as_caseworker() -> None:
    session[SESSION_KEY] = AuthSession(
        role="caseworker", actor_id="cw-lene", actor_name="Lene Bach", last_seen=time.time()
    ).to_dict()


def test_a_citizen_cannot_preview_and_ending_a_preview_leaves_them_as_they_are(
    portal: Flask, fake_planapi: FakePlanAPI
) -> None:
    fake_planapi.requests.clear()
    with portal.test_request_context():
        as_citizen()
        assert can_preview("p-jonas") is False
        with pytest.raises(Forbidden):
            start_preview("p-jonas", "Forberede opfølgning")
        end_preview()
        current = AuthSession.load()
        assert current is not None and current.acting is not None
        assert current.acting.id == "p-jonas"
    assert not fake_planapi.requests, "nothing asked of the plan API for a citizen"


def test_a_caseworkers_caseload_is_asked_for_once_per_request(
    portal: Flask, fake_planapi: FakePlanAPI
) -> None:
    fake_planapi.requests.clear()
    with portal.test_request_context():
        as_caseworker()
        assert can_preview("p-jonas") and can_preview("p-mette")
        assert not can_preview("p-freja")
    asked = [r.url.path for r in fake_planapi.requests]
    assert asked == ["/v1/caseworkers/cw-lene/caseload"]


def test_a_preview_needs_a_purpose_of_its_own_words_cut_to_300_characters(
    portal: Flask, fake_planapi: FakePlanAPI
) -> None:
    with portal.test_request_context():
        as_caseworker()
        with pytest.raises(Forbidden):
            start_preview("p-jonas", " \n\t ")
        acting = start_preview("p-jonas", "  Forberede \n opfølgning " + "x" * 400)
        assert acting.purpose == ("Forberede opfølgning " + "x" * 400)[:300]
        assert (acting.subject_id, acting.subject_name) == ("p-jonas", "Jonas Holm Nielsen")
        assert acting.subject_age == person_json("p-jonas")["age"]
        assert acting.read_only and acting.basis == "caseworker_preview" and g.acting == acting
        stored = AuthSession.load()
        assert stored is not None and stored.acting is not None
        assert stored.acting.basis == "caseworker_preview", "the session says it is a preview"
        raw = session[SESSION_KEY]["acting"]
        assert raw["basis"] == "caseworker_preview", "in its stored form too, for any reader"
    sent = fake_planapi.requests[-1]
    assert sent.url.path == "/v1/persons/p-jonas"
    assert sent.headers["X-Actor-Id"] == "cw-lene"
    assert sent.headers["X-Basis"] == "caseworker_preview"
    assert unquote(sent.headers["X-Purpose"]) == acting.purpose


def test_a_preview_of_someone_the_plan_api_does_not_know_is_not_found(
    portal: Flask, fake_planapi: FakePlanAPI
) -> None:
    fake_planapi.on("GET", "/v1/persons/p-karim", status=404, json={"title": "Not found"})
    with portal.test_request_context():
        as_caseworker()
        with pytest.raises(NotFound):
            start_preview("p-karim", "Opfølgning")


def test_ending_a_preview_shows_nobody_for_the_rest_of_the_request(
    portal: Flask, fake_planapi: FakePlanAPI
) -> None:
    with portal.test_request_context():
        as_caseworker()
        start_preview("p-jonas", "Opfølgning")
        end_preview()
        current = AuthSession.load()
        assert current is not None and current.acting is None
        assert g.get("acting") is None


def test_the_citizen_check_itself_refuses_a_basis_that_does_not_hold(portal: Flask) -> None:
    """The check does not rely on the start of the request having dropped such a subject
    (`g.acting` may have been set another way): it refuses, and the page shows nobody."""
    from auth.guards import _check_citizen
    from auth.session import build_acting

    anders = Option("p-anders", "Anders Kjær Poulsen", "self", 47)
    emma = Option("p-emma", "Emma Kjær Poulsen", "custody", 15)
    oliver = Subject("p-oliver", "Oliver Kjær Poulsen", 20, "custody")
    with portal.test_request_context("/test/laes"):
        session[SESSION_KEY] = AuthSession(
            role="citizen",
            actor_id="p-anders",
            actor_name="Anders Kjær Poulsen",
            acting=oliver,
            options=(anders, emma),
            last_seen=time.time(),
        ).to_dict()
        session["_user_id"] = "citizen:p-anders"
        g.acting = build_acting()
        assert g.acting is not None and g.acting.subject_id == "p-oliver"
        with pytest.raises(Forbidden):
            _check_citizen()
        assert g.acting is None


# -- whom each check lets in ------------------------------------------------------------------


def statuses(client: FlaskClient) -> dict[str, int]:
    paths = ("/test/laes", "/test/skriv", "/vaelg-person", "/test/medarbejder")
    return {path: client.get(path).status_code for path in paths}


def test_each_check_lets_in_whom_it_names_and_refuses_the_rest_with_403(
    client: FlaskClient,
) -> None:
    sign_in = SignIn(client)
    sign_in("p-jonas", "Jonas Holm Nielsen")
    assert statuses(client) == {
        "/test/laes": 200,
        "/test/skriv": 200,
        "/vaelg-person": 200,
        "/test/medarbejder": 403,
    }
    sign_in("p-jonas", "Jonas Holm Nielsen", caseworker=("cw-lene", "Lene Bach"))
    assert statuses(client) == {
        "/test/laes": 200,  # a preview reads
        "/test/skriv": 403,  # and never writes
        "/vaelg-person": 403,  # a caseworker acts for nobody
        "/test/medarbejder": 200,
    }
    with client.session_transaction() as stored:
        stored[SESSION_KEY]["acting"] = None  # no preview chosen
    assert client.get("/test/laes").status_code == 403


def test_a_page_needs_the_scopes_of_its_endpoint_or_else_of_its_blueprint() -> None:
    from auth.guards import EVERY_READ_SCOPE, required_scopes

    assert required_scopes(None) == () and required_scopes("") == ()
    assert required_scopes("mydata.export") == EVERY_READ_SCOPE  # its own entry first
    assert required_scopes("mydata.index") == ("access-log:read",)  # else the blueprint's
    assert required_scopes("notices.settings.index") == ("person:read",)  # nested too
    assert required_scopes("test_read") == ()


def test_a_caseworker_logs_in_at_the_workforce_provider(
    client: FlaskClient, simulator: Simulator
) -> None:
    flow = Flow(client, simulator)
    authorize_url = flow.start("/medarbejder/log-ind")
    assert authorize_url.startswith(f"{simulator.base_url}/workforce/authorize")
    response = flow.callback(flow.at_provider(authorize_url, "cw-lene"))
    assert response.location == "/medarbejder/borgere"
    assert client.get("/test/medarbejder").status_code == 200


def test_a_power_of_attorney_opens_a_page_in_its_scope_and_is_refused_one_outside(
    client: FlaskClient, fake_planapi: FakePlanAPI
) -> None:
    fake_planapi.on("GET", "/v1/persons/p-mette/plan", json=b.plan())
    fake_planapi.on("GET", "/v1/persons/p-mette/cases", json=b.items())
    SignIn(client)(
        "p-mette",
        "Mette Lund Sørensen",
        basis="power_of_attorney",
        actor=("p-bent", "Bent Nielsen"),
        scope=["plan:read"],
    )
    assert client.get("/test/laes").status_code == 200  # no scope asked for
    plan = client.get("/min-plan")  # plan:read, given
    assert plan.status_code == 200, "a page inside the scope opens"
    assert "Din fuldmagt dækker ikke dette" not in plan.get_data(as_text=True)
    response = client.get("/kontakt")  # contacts:read, not given
    assert response.status_code == 403
    page = PageChecker.check(response.get_data(as_text=True))
    assert normalize(page.h1.text) == "Din fuldmagt dækker ikke dette"
