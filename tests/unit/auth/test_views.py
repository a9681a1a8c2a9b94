"""The login helpers of auth/views.py, each decision held by a test that names it.

Where the next URL may lead, which logins a browser has under way, what a refusal says on
the page and in the log, whom a citizen may act for, and where a finished login lands.
The provider is the real simulator; only the plan API is faked.
"""

from __future__ import annotations

import time

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from flask.testing import FlaskClient

from auth.session import SESSION_KEY
from auth.views import MAX_PENDING, PENDING_KEY, safe_next
from tests.unit.auth.conftest import Flow, Simulator, make_portal, representation
from tests.unit.auth.test_login import (
    NOT_VERIFIED,
    STATE_REFUSED,
    csrf_token,
    logged_in,
    query,
    reason,
    refused,
    session_data,
)
from tests.unit.conftest import FakePlanAPI, PageChecker


def refusals_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [m for m in caplog.messages if m.startswith("login refused")]


# -- the next URL stays on the site -----------------------------------------------------------


@pytest.mark.parametrize("target", ["/test/laes", "/test/laes?x=1&y=/z", "/"])
def test_a_path_on_this_site_is_a_next_url(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "test/laes",  # relative: not a path from the site's root
        "evil.example/x",
        "https://evil.example/x",
        "//evil.example/x",
        "///evil.example/x",  # browsers read three slashes as two
        "/\\evil.example/x",  # and a backslash as a slash
        "/x\\y",
        "/\t/evil.example/x",  # browsers drop tabs and newlines: //evil.example
        "/\n/evil.example",
    ],
)
def test_anything_else_is_no_next_url(target: str | None) -> None:
    assert safe_next(target) == ""


# -- where a login lands ---------------------------------------------------------------------


def test_a_login_without_next_lands_on_the_overview(flow: Flow, client: FlaskClient) -> None:
    assert flow.login("p-jonas").location == "/overblik"
    # Logged in, the page after logging out sends the visitor back to the same start page.
    assert client.get("/logget-af").location == "/overblik"


def test_without_the_overview_a_login_lands_on_the_front_page(
    simulator: Simulator, fake_planapi: FakePlanAPI
) -> None:
    """auth does not need the portal's overview: an app without it lands on its front page."""
    app = make_portal(simulator, fake_planapi)
    del app.view_functions["overview.index"]
    client = app.test_client()
    assert Flow(client, simulator).login("p-jonas").location == "/"
    assert client.get("/logget-af").location == "/"


# -- logins under way in one browser ------------------------------------------------------------


def test_a_browser_keeps_its_five_newest_logins_under_way(
    flow: Flow, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Several tabs may each start a login; the browser remembers the newest five, so the
    oldest of six is refused and the second oldest still goes through."""
    callbacks = [flow.at_provider(flow.start()) for _ in range(MAX_PENDING + 1)]
    assert len(session_data(client)[PENDING_KEY]) == MAX_PENDING
    assert reason(refused(flow.callback(callbacks[0]))) == STATE_REFUSED
    assert refusals_logged(caplog) == [
        "login refused (state): missing, unknown or already used state"
    ]
    assert flow.callback(callbacks[1]).location == "/overblik"
    assert session_data(client)[SESSION_KEY]["actor_id"] == "p-jonas"


def test_a_cancelled_tab_leaves_the_other_tabs_login(flow: Flow, client: FlaskClient) -> None:
    first = flow.at_provider(flow.start())
    second = flow.at_provider(flow.start())
    first_state, second_state = query(first)["state"], query(second)["state"]
    cancelled = client.get(f"/log-ind/callback?error=access_denied&state={first_state}")
    assert reason(refused(cancelled)) == "Du afbrød login. Intet er gemt."
    # The browser no longer holds the cancelled login, only the other tab's.
    assert session_data(client)[PENDING_KEY] == [second_state]
    assert flow.callback(second).location == "/overblik"


# -- each refusal: its reason on the page and in the log, and nobody logged in -------------------


def test_a_provider_error_is_not_called_a_cancellation(
    flow: Flow, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    state = query(flow.start())["state"]
    response = client.get(
        f"/log-ind/callback?error=server_error&error_description=Upstream+down&state={state}"
    )
    soup = refused(response)
    assert reason(soup) == NOT_VERIFIED
    assert "Upstream down" not in soup.text, "the provider's words are not shown"
    assert refusals_logged(caplog) == [
        "login refused (provider_error): server_error: Upstream down"
    ]
    assert not logged_in(client)


def test_a_cancellation_is_logged_with_the_providers_error(
    flow: Flow, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    state = query(flow.start())["state"]
    refused(client.get(f"/log-ind/callback?error=access_denied&state={state}"))
    assert refusals_logged(caplog) == ["login refused (cancelled): access_denied: "]


def test_a_callback_without_a_code_is_refused_and_uses_up_the_login(
    flow: Flow, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    callback = flow.at_provider(flow.start())
    state = query(callback)["state"]
    assert reason(refused(client.get(f"/log-ind/callback?state={state}"))) == NOT_VERIFIED
    assert refusals_logged(caplog) == ["login refused (token): no code in the callback"]
    assert not logged_in(client)
    assert reason(refused(flow.callback(callback))) == STATE_REFUSED


def test_a_caseworker_login_cannot_finish_as_a_citizen_login(
    flow: Flow, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    """The state of a login started at the workforce provider, sent to the citizen callback
    with the workforce provider's code: refused for the state, before any code is redeemed."""
    callback = flow.at_provider(flow.start("/medarbejder/log-ind"), "cw-lene")
    assert "/medarbejder/callback" in callback
    params = query(callback)
    response = client.get(f"/log-ind/callback?code={params['code']}&state={params['state']}")
    assert reason(refused(response)) == STATE_REFUSED
    assert refusals_logged(caplog) == [
        "login refused (state): missing, unknown or already used state"
    ]
    assert not logged_in(client)


def test_an_expired_login_is_logged_as_taking_too_long(
    flow: Flow, client: FlaskClient, portal: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    from auth.oidc import PENDING_TTL
    from portal.extensions import db
    from portal.models import LoginState

    callback = flow.at_provider(flow.start())
    with portal.app_context():
        row = db.session.scalars(db.select(LoginState)).one()
        row.data = {**row.data, "created": row.data["created"] - PENDING_TTL - 1}
        db.session.commit()
    assert reason(refused(flow.callback(callback))) == STATE_REFUSED
    assert refusals_logged(caplog) == ["login refused (state): the login took too long"]


def test_a_login_finished_exactly_at_its_time_limit_goes_through(
    flow: Flow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PENDING_TTL is the time a login may take, limit included (a stopped clock: the
    portal, the simulator in its thread and the tokens all read the same time)."""
    from auth.oidc import PENDING_TTL

    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)
    authorize_url = flow.start()
    monkeypatch.setattr(time, "time", lambda: now + PENDING_TTL)
    assert flow.callback(flow.at_provider(authorize_url)).location == "/overblik"


def test_a_missing_or_low_level_is_logged_with_the_level(
    simulator: Simulator, portal: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    from auth.claims import NEMLOGIN_LOA

    refused(Flow(portal.test_client(), simulator).login("p-jonas", "low"), status=403)
    simulator.misbehave("no_loa")
    refused(Flow(portal.test_client(), simulator).login("p-jonas"), status=403)
    assert refusals_logged(caplog) == [
        "login refused (loa): assurance level low",
        f"login refused (claim_missing): no readable assurance level in {NEMLOGIN_LOA!r}",
    ]


def test_a_refused_login_ends_the_session_already_there(flow: Flow, client: FlaskClient) -> None:
    """A failed login in a browser where someone is logged in leaves nobody logged in."""
    flow.login("p-jonas")
    assert client.get("/test/laes").status_code == 200
    refused(client.get("/log-ind/callback?state=forged&code=x"))
    assert SESSION_KEY not in session_data(client) and not logged_in(client)
    assert client.get("/test/laes").location == "/log-ind?next=/test/laes"


# -- the session a login begins ---------------------------------------------------------------


def session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("mo_session")
    assert cookie is not None
    return cookie.value


def test_a_login_gets_a_new_session_id_and_the_old_one_holds_nothing(
    flow: Flow, client: FlaskClient, portal: Flask
) -> None:
    """No session fixation: the id the browser had while the login was under way (which an
    attacker may have planted) is replaced at login, and the old id opens an empty session."""
    authorize_url = flow.start()
    before = session_cookie(client)
    assert PENDING_KEY in session_data(client), "the login under way is in the old session"
    assert flow.callback(flow.at_provider(authorize_url)).location == "/overblik"
    after = session_cookie(client)
    assert after != before
    stale = portal.test_client()
    stale.set_cookie("mo_session", before)
    assert session_data(stale).keys() <= {"_permanent"}, "the old id no longer opens anything"
    assert session_data(client)[SESSION_KEY]["actor_id"] == "p-jonas"


def test_a_login_begins_an_empty_session(flow: Flow, client: FlaskClient) -> None:
    """Nothing from before the login stays in the session: not another tab's login under
    way, not what a visitor left there."""
    with client.session_transaction() as session:
        session["left_before_login"] = "x"
    other_tab = flow.start()
    assert flow.login("p-jonas").location == "/overblik"
    data = session_data(client)
    assert PENDING_KEY not in data and "left_before_login" not in data
    assert reason(refused(flow.callback(flow.at_provider(other_tab)))) == STATE_REFUSED


def test_a_citizen_session_holds_who_logged_in_how_and_whom_they_may_act_for(
    flow: Flow, client: FlaskClient
) -> None:
    from auth.simulator.identities import citizens

    jonas = next(c for c in citizens(flow.simulator.app.config) if c.key == "p-jonas")
    before = time.time()
    flow.login("p-jonas")
    data = session_data(client)
    stored = data[SESSION_KEY]
    assert before <= stored.pop("started") <= time.time()
    assert before <= stored.pop("last_seen") <= time.time()
    themself = {
        "id": "p-jonas",
        "name": "Jonas Holm Nielsen",
        "age": 24,
        "basis": "self",
        "scope": ["person:read", "plan:read"],
    }
    assert stored == {
        "role": "citizen",
        "actor_id": "p-jonas",
        "actor_name": "Jonas Holm Nielsen",
        "provider": "mitid",
        "subject": jonas.sub,
        "loa": "substantial",
        "cpr_masked": "140302-****",
        "options": [themself],
        "acting": {
            "subject_id": "p-jonas",
            "subject_name": "Jonas Holm Nielsen",
            "subject_age": 24,
            "basis": "self",
            "scope": ["person:read", "plan:read"],
            "purpose": "",
        },
    }
    assert data["_user_id"] == "citizen:p-jonas", "Flask-Login's user is the citizen"


def test_a_caseworker_session_holds_who_logged_in_and_nobody_to_act_for(
    client: FlaskClient, simulator: Simulator
) -> None:
    flow = Flow(client, simulator)
    before = time.time()
    flow.callback(flow.at_provider(flow.start("/medarbejder/log-ind"), "cw-lene"))
    data = session_data(client)
    stored = data[SESSION_KEY]
    assert before <= stored.pop("started") <= time.time()
    assert before <= stored.pop("last_seen") <= time.time()
    assert stored == {
        "role": "caseworker",
        "actor_id": "cw-lene",
        "actor_name": "Lene Bach",
        "provider": "workforce",
        "subject": "lene.bach",
        "loa": "substantial",
        "acting": None,
    }
    assert data["_user_id"] == "caseworker:cw-lene"


def test_the_callback_logs_in_the_user_its_session_describes(
    flow: Flow, client: FlaskClient
) -> None:
    """The user object of the callback's own request (Flask-Login's current_user until the
    redirect) is the one the session names: role, id and name."""
    import flask_login

    with client:  # keeps the last request's context: the callback's
        flow.login("p-jonas")
        user = flask_login.current_user
        assert (user.role, user.actor_id, user.name) == ("citizen", "p-jonas", "Jonas Holm Nielsen")


def test_a_provider_out_of_reach_at_the_start_is_refused_in_words(
    simulator: Simulator, fake_planapi: FakePlanAPI, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_portal(simulator, fake_planapi, OIDC_ISSUER="http://127.0.0.1:9/mitid")
    response = app.test_client().get("/log-ind")
    assert response.status_code == 503
    soup = PageChecker.check(response.get_data(as_text=True))
    assert "Der er ikke forbindelse til MitID" in soup.text, soup.text
    [logged] = refusals_logged(caplog)
    assert logged.startswith("login refused (unavailable): "), logged


def test_login_works_with_a_session_that_cannot_regenerate_its_id(
    simulator: Simulator, fake_planapi: FakePlanAPI
) -> None:
    """auth also runs on Flask's own cookie session (no server-side id to regenerate)."""
    app = make_portal(simulator, fake_planapi)
    app.session_interface = SecureCookieSessionInterface()
    client = app.test_client()
    assert Flow(client, simulator).login("p-jonas").location == "/overblik"
    assert client.get("/test/laes").status_code == 200


# -- what each refusal answers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason_code", "status", "says"),
    [
        ("unavailable", 503, "Der er ikke forbindelse til MitID"),
        ("unknown_person", 403, "Vi kunne ikke finde en helhedsorienteret indsats"),
        ("not_caseworker", 403, "Dit medarbejderlogin giver ikke adgang"),
        ("claim_missing", 403, "Det er en fejl i vores opsætning"),
        ("state", 400, "startet i et andet vindue"),
        ("cancelled", 400, "Du afbrød login"),
        ("token", 400, "kunne ikke bekræftes"),
        ("provider_error", 400, "kunne ikke bekræftes"),
    ],
)
def test_each_refusal_has_its_status_and_its_words(
    portal: Flask, reason_code: str, status: int, says: str
) -> None:
    from auth.oidc import LoginFailed
    from auth.views import refuse

    with portal.test_request_context("/log-ind/callback"):
        body, code = refuse(LoginFailed(reason_code, "detail"))  # type: ignore[misc]
    assert code == status
    soup = PageChecker.check(body)
    assert says in soup.text, soup.text


def test_a_level_too_low_has_its_own_page(portal: Flask) -> None:
    from auth.oidc import LoginFailed
    from auth.views import refuse

    with portal.test_request_context("/log-ind/callback"):
        body, code = refuse(LoginFailed("loa", "assurance level low"))  # type: ignore[misc]
    assert code == 403
    assert PageChecker.check(body).h1.text.strip() == "Dit login er ikke sikkert nok"


# -- whom a citizen may act for ------------------------------------------------------------------


def test_a_citizen_the_plan_api_lists_nobody_for_acts_for_themself(
    flow: Flow, client: FlaskClient, fake_planapi: FakePlanAPI
) -> None:
    fake_planapi.on("GET", "/v1/persons/p-jonas/representations", json={"items": []})
    assert flow.login("p-jonas").location == "/overblik"
    acting = session_data(client)[SESSION_KEY]["acting"]
    assert (acting["subject_id"], acting["basis"]) == ("p-jonas", "self")


def choices(client: FlaskClient) -> list[str]:
    page = PageChecker(client).get("/vaelg-person")
    return [str(i["value"]) for i in page.select("input[name=person_id]")]


def test_the_citizen_themself_comes_first_even_when_the_plan_api_leaves_them_out(
    flow: Flow, client: FlaskClient, fake_planapi: FakePlanAPI
) -> None:
    fake_planapi.on(
        "GET",
        "/v1/persons/p-anders/representations",
        json={"items": [representation("p-emma", "custody")]},
    )
    assert flow.login("p-anders").location.startswith("/vaelg-person")
    assert choices(client) == ["p-anders", "p-emma"]


def test_someone_the_plan_api_calls_self_is_not_taken_for_the_citizen(
    flow: Flow, client: FlaskClient, fake_planapi: FakePlanAPI
) -> None:
    """A plan API that answers with another person as "self" (a mix-up) must not log the
    citizen in as that person: the citizen themself is still an option, first."""
    fake_planapi.on(
        "GET",
        "/v1/persons/p-jonas/representations",
        json={"items": [representation("p-mette", "self")]},
    )
    assert flow.login("p-jonas").location.startswith("/vaelg-person")
    assert session_data(client)[SESSION_KEY]["acting"] is None, "nobody chosen yet"
    assert choices(client)[0] == "p-jonas"


# -- the views themselves (decorated, so mutmut leaves them alone; bugs planted by hand) ------


def test_a_caseworker_lands_on_the_page_asked_for_or_the_caseload(
    client: FlaskClient, simulator: Simulator
) -> None:
    flow = Flow(client, simulator)
    authorize_url = flow.start("/medarbejder/log-ind?next=/test/medarbejder")
    assert flow.callback(flow.at_provider(authorize_url, "cw-lene")).location == (
        "/test/medarbejder"
    )
    other = Flow(client.application.test_client(), simulator)
    authorize_url = other.start("/medarbejder/log-ind?next=//evil.example/x")
    assert other.callback(other.at_provider(authorize_url, "cw-lene")).location == (
        "/medarbejder/borgere"
    )


def test_the_choice_of_person_leads_on_to_the_page_asked_for_and_only_on_the_site(
    flow: Flow, client: FlaskClient
) -> None:
    flow.login("p-anders")
    token = csrf_token(client, "/vaelg-person")
    for next_url, landing in (("/test/laes", "/test/laes"), ("//evil.example/x", "/overblik")):
        chosen = client.post(
            "/vaelg-person", data={"person_id": "p-emma", "next": next_url, "csrf_token": token}
        )
        assert chosen.location == landing


@pytest.fixture
def no_csrf(simulator: Simulator, fake_planapi: FakePlanAPI) -> FlaskClient:
    """A client whose posts need no token (nobody logged in has a page with one)."""
    return make_portal(simulator, fake_planapi, WTF_CSRF_ENABLED=False).test_client()


def test_logging_out_without_a_session_says_goodbye_here(no_csrf: FlaskClient) -> None:
    assert no_csrf.post("/log-af").location == "/logget-af"
    timed_out = no_csrf.post("/log-af", data={"reason": "timeout"})
    assert timed_out.location == "/logget-af?reason=timeout"
    page = PageChecker(no_csrf).get("/logget-af")
    assert "Tak fordi du brugte Mit Overblik" in page.text and "inaktiv" not in page.text


def test_keep_alive_without_a_session_says_so(no_csrf: FlaskClient) -> None:
    response = no_csrf.post("/forlaeng-session")
    assert response.status_code == 401 and response.json == {"logged_in": False}
