"""The portal as OIDC relying party, over real HTTP against the simulator.

Only the plan API is faked (in one place); the provider is the real simulator on a
loopback port, made to misbehave through its test switches.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import cachelib.file
import cachelib.simple
import httpx
import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from auth.session import SESSION_KEY
from tests.unit.auth.conftest import Flow, Simulator
from tests.unit.conftest import PageChecker, normalize


@pytest.fixture
def pages(client: FlaskClient) -> PageChecker:
    return PageChecker(client)


def session_data(client: FlaskClient) -> dict[str, Any]:
    with client.session_transaction() as session:
        return dict(session)


def logged_in(client: FlaskClient) -> bool:
    data = session_data(client)
    return SESSION_KEY in data or "_user_id" in data


def csrf_token(client: FlaskClient, url: str = "/test/laes") -> str:
    soup = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    field = soup.find("input", attrs={"name": "csrf_token"})
    assert field is not None
    return str(field["value"])


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def refused(response: TestResponse, status: int = 400) -> BeautifulSoup:
    assert response.status_code == status, (response.status_code, response.location)
    soup = PageChecker.check(response.get_data(as_text=True))
    assert normalize(soup.h1.text) in (
        "You were not logged in",
        "Du blev ikke logget ind",
        "Your login is not secure enough",
        "Dit login er ikke sikkert nok",
    ), soup.h1.text
    return soup


NO_BASIS = "Du kan ikke se denne persons oplysninger"


def refusal(response: TestResponse) -> tuple[str, str]:
    """(heading, whole text) of a 403 page; the test routes' own headings are data here."""
    assert response.status_code == 403, (response.status_code, response.location)
    soup = PageChecker.check(response.get_data(as_text=True))
    return normalize(soup.h1.text), normalize(soup.text)


# -- the happy paths --------------------------------------------------------------------------


def test_citizen_logs_in_and_the_session_holds_no_cpr(flow: Flow, client: FlaskClient) -> None:
    client.get("/")
    client.set_cookie("mo_session", "attacker-chosen-session-id")
    authorize_url = flow.start("/log-ind?next=/test/laes")
    response = flow.callback(flow.at_provider(authorize_url, "p-jonas"))
    assert response.status_code == 302 and response.location == "/test/laes"
    cookie = client.get_cookie("mo_session")
    assert cookie is not None and cookie.value != "attacker-chosen-session-id"

    data = session_data(client)
    stored = json.dumps(data, default=str)
    assert "1403029990" not in stored and "140302-9990" not in stored
    auth = data[SESSION_KEY]
    assert auth["actor_id"] == "p-jonas" and auth["cpr_masked"] == "140302-****"
    assert auth["acting"]["basis"] == "self" and auth["loa"] == "substantial"
    assert "id_token" not in auth, "the ID token (with the person number) is not kept"

    page = PageChecker(client).get("/test/laes")
    assert "Jonas Holm Nielsen" in normalize(page.select_one(".portal-user").text)
    assert not page.find(string=lambda s: "1403029990" in s or "140302-9990" in s)


def test_parent_chooses_the_child_and_the_header_says_so(
    flow: Flow, client: FlaskClient, pages: PageChecker
) -> None:
    response = flow.login("p-anders")
    assert response.status_code == 302 and response.location.startswith("/vaelg-person")
    # Until a person is chosen, person pages send the citizen back to the choice.
    assert client.get("/test/laes").location.startswith("/vaelg-person")

    page = pages.get("/vaelg-person")
    choices = {
        i["value"]: normalize(page.find("label", attrs={"for": i["id"]}).text)
        for i in page.select("input[name=person_id]")
    }
    assert set(choices) == {"p-anders", "p-emma"}
    assert "Emma Kjær Poulsen" in choices["p-emma"]
    assert "120379-****" in page.text and "1203792990" not in page.text

    token = csrf_token(client, "/vaelg-person")
    chosen = client.post("/vaelg-person", data={"person_id": "p-emma", "csrf_token": token})
    assert chosen.status_code == 302
    page = pages.get("/test/laes")
    banner = normalize(page.select_one(".acting-banner").text)
    assert "Emma Kjær Poulsen" in banner and "15" in banner
    assert page.select_one(".acting-banner a[href='/vaelg-person']"), "Switch person link"


def test_acting_for_someone_without_a_basis_is_refused(
    flow: Flow, client: FlaskClient, fake_planapi: Any
) -> None:
    flow.login("p-anders")
    token = csrf_token(client, "/vaelg-person")
    client.post("/vaelg-person", data={"person_id": "p-emma", "csrf_token": token})
    # Oliver is Anders' adult son: no custody. Edit the form value by hand.
    response = client.post("/vaelg-person", data={"person_id": "p-oliver", "csrf_token": token})
    h1, text = refusal(response)
    assert h1 == NO_BASIS and "Oliver" not in text
    assert session_data(client)[SESSION_KEY]["acting"]["subject_id"] == "p-emma"
    # A tampered session (someone else as subject) is refused by every view's basis check.
    with client.session_transaction() as session:
        session[SESSION_KEY]["acting"]["subject_id"] = "p-oliver"
    h1, text = refusal(client.get("/test/laes"))
    assert h1 == "Du kan ikke se barnets oplysninger"  # the custody the session claims
    assert "Oliver" not in text and "Emma" not in text and "read" not in text


def test_custody_ended_since_login_is_checked_when_switching(
    flow: Flow, client: FlaskClient, fake_planapi: Any
) -> None:
    flow.login("p-anders")
    from tests.unit.auth.conftest import representation

    fake_planapi.on(
        "GET",
        "/v1/persons/p-anders/representations",
        json={"items": [representation("p-anders", "self")]},
    )
    token = csrf_token(client, "/vaelg-person")
    response = client.post("/vaelg-person", data={"person_id": "p-emma", "csrf_token": token})
    h1, text = refusal(response)
    assert h1 == NO_BASIS and "Emma" not in text


def test_logout_ends_the_session_here_and_at_the_provider(
    flow: Flow, client: FlaskClient, simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    flow.login("p-jonas")
    before = len(simulator.state()["ended_sessions"])
    response = client.post("/log-af", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    end_session = str(response.location)
    assert end_session.startswith(f"{simulator.base_url}/mitid/end-session")
    params = query(end_session)
    assert params["post_logout_redirect_uri"] == "http://localhost/logget-af"
    # No ID token (it carries the person number) in a URL: client_id and logout_hint instead.
    assert "id_token_hint" not in params and "ey" not in end_session
    assert params["client_id"] == "mit-overblik" and params["logout_hint"]
    assert not logged_in(client)

    back = httpx.get(end_session)
    assert back.status_code == 302 and back.headers["location"].startswith(
        "http://localhost/logget-af"
    )
    ended = simulator.state()["ended_sessions"]
    assert len(ended) == before + 1
    assert ended[-1]["sub"] == params["logout_hint"] and not ended[-1]["with_id_token"]
    assert "1403029990" not in caplog.text and "eyJ" not in caplog.text
    page = PageChecker(client).get(back.headers["location"])
    assert page.h1 is not None
    assert client.get("/test/laes").location.startswith("/log-ind")


def test_logout_needs_csrf(flow: Flow, client: FlaskClient) -> None:
    flow.login("p-jonas")
    assert client.post("/log-af").status_code == 400
    assert logged_in(client)


def test_key_rotation_is_followed(flow: Flow, client: FlaskClient, simulator: Simulator) -> None:
    assert flow.login("p-jonas").status_code == 302  # the JWKS is now cached
    simulator.rotate_key()
    other = Flow(client.application.test_client(), simulator)
    assert other.login("p-mette").status_code == 302, "unknown kid → JWKS fetched again"


# -- refusals: each with a clear page, and nobody logged in -----------------------------------


def test_missing_or_wrong_state_is_refused(flow: Flow, client: FlaskClient) -> None:
    callback = flow.at_provider(flow.start())
    params = query(callback)
    refused(client.get(f"/log-ind/callback?code={params['code']}"))
    assert not logged_in(client)
    refused(client.get(f"/log-ind/callback?code={params['code']}&state=forged"))
    assert not logged_in(client)


def test_state_from_another_browser_is_refused(flow: Flow, portal: Flask) -> None:
    callback = flow.at_provider(flow.start())
    stranger = portal.test_client()
    refused(stranger.get(callback))
    assert not logged_in(stranger)


def test_callback_cannot_be_replayed(flow: Flow, client: FlaskClient) -> None:
    callback = flow.at_provider(flow.start())
    assert flow.callback(callback).status_code == 302
    client.post("/log-af", data={"csrf_token": csrf_token(client)})
    refused(flow.callback(callback))
    assert not logged_in(client)


def test_reused_authorization_code_is_refused(flow: Flow, client: FlaskClient) -> None:
    first = flow.at_provider(flow.start())
    assert flow.callback(first).status_code == 302
    client.post("/log-af", data={"csrf_token": csrf_token(client)})
    # A new login is under way; the attacker sends the old code with its fresh state.
    fresh_state = query(flow.start())["state"]
    response = client.get(f"/log-ind/callback?code={query(first)['code']}&state={fresh_state}")
    refused(response)
    assert not logged_in(client)


def test_replayed_id_token_with_an_old_nonce_is_refused(
    flow: Flow, client: FlaskClient, simulator: Simulator
) -> None:
    assert flow.login("p-jonas").status_code == 302
    client.post("/log-af", data={"csrf_token": csrf_token(client)})
    simulator.misbehave("replay_id_token")
    refused(flow.login("p-jonas"))
    assert not logged_in(client)


@pytest.mark.parametrize(
    "mode",
    [
        "wrong_key",
        "wrong_key_same_kid",
        "alg_none",
        "wrong_issuer",
        "wrong_audience",
        "expired",
    ],
)
def test_untrustworthy_id_tokens_are_refused(
    flow: Flow, client: FlaskClient, simulator: Simulator, mode: str
) -> None:
    simulator.misbehave(mode)
    soup = refused(flow.login("p-jonas"))
    assert soup.select_one("a[href='/log-ind']"), "a way to try again"
    assert not logged_in(client)


# A missing level is another refusal (test_brokers.py, low and missing levels).
@pytest.mark.parametrize(("level", "mode"), [("low", None)])
def test_assurance_below_substantial_is_refused_with_an_explanation(
    flow: Flow, client: FlaskClient, simulator: Simulator, level: str, mode: str | None
) -> None:
    if mode:
        simulator.misbehave(mode)
    soup = refused(flow.login("p-jonas", level), status=403)
    assert "Substantial" in soup.text or "betydelig" in soup.text.lower()
    assert not logged_in(client)


def test_high_assurance_is_accepted(flow: Flow, client: FlaskClient) -> None:
    assert flow.login("p-jonas", "high").status_code == 302
    assert session_data(client)[SESSION_KEY]["loa"] == "high"


def test_cancel_at_the_provider(flow: Flow, client: FlaskClient) -> None:
    authorize_url = flow.start()
    response = httpx.post(authorize_url, data={"action": "cancel"})
    soup = refused(client.get(response.headers["location"]))
    assert "cancelled" in soup.text or "afbrød" in soup.text
    assert not logged_in(client)


def test_unknown_person_is_refused(flow: Flow, client: FlaskClient, fake_planapi: Any) -> None:
    fake_planapi.on("POST", "/v1/persons/resolve", status=404, json={"title": "Not found"})
    refused(flow.login("p-jonas"), status=403)
    assert not logged_in(client)


def test_provider_down_gives_a_clear_page(fake_planapi: Any) -> None:
    from portal import create_app

    app = create_app(
        {
            "PLANAPI_TRANSPORT": httpx.MockTransport(fake_planapi),
            "OIDC_ISSUER": "http://127.0.0.1:9/mitid",
        },
        env="test",
    )
    refused(app.test_client().get("/log-ind"), status=503)


# -- access levels, idle timeout, keep-alive ---------------------------------------------------


def test_anonymous_visitors_are_sent_to_login_with_next(client: FlaskClient) -> None:
    response = client.get("/test/laes?x=1")
    assert response.status_code == 302
    assert response.location == "/log-ind?next=/test/laes?x%3D1"
    assert client.get("/test/medarbejder").location.startswith("/medarbejder/log-ind")


def test_next_is_only_ever_a_local_path(flow: Flow, client: FlaskClient) -> None:
    callback = flow.at_provider(flow.start("/log-ind?next=//evil.example/x"))
    response = flow.callback(callback)
    assert response.status_code == 302 and "evil" not in str(response.location)


def test_idle_timeout_logs_out(flow: Flow, client: FlaskClient) -> None:
    flow.login("p-jonas")
    with client.session_transaction() as session:
        session[SESSION_KEY]["last_seen"] = time.time() - 16 * 60
    response = client.get("/test/laes")
    assert response.location == "/logget-af?reason=timeout"
    assert not logged_in(client)
    page = PageChecker(client).get(response.location)
    assert "15" in page.text


def at(monkeypatch: pytest.MonkeyPatch, moment: float) -> None:
    """Set the clock of the login code and of the session store (cachelib's own import)."""
    for where in (time, cachelib.file, cachelib.simple):
        monkeypatch.setattr(where, "time", lambda: moment)


def test_the_pages_own_logout_at_the_idle_end_still_finds_its_session(
    flow: Flow, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """static/js/app.js posts the logout, reason timeout, when the idle time is up: the
    session (and with it the CSRF token) must still be there to say why, not a CSRF error."""
    flow.login("p-jonas")
    token = csrf_token(client)
    now = time.time()
    with client.session_transaction() as session:
        session[SESSION_KEY]["last_seen"] = now - 60
    at(monkeypatch, now)
    assert client.get("/test/laes").status_code == 200  # touched: the store renewed now
    idle = client.application.config["SESSION_IDLE_TIMEOUT"]
    at(monkeypatch, now + idle + 2)  # the script, a moment late
    response = client.post("/log-af", data={"csrf_token": token, "reason": "timeout"})
    assert response.status_code == 302 and "timeout" in response.location, response.status
    assert not logged_in(client)


def test_keep_alive_extends_the_session(flow: Flow, client: FlaskClient) -> None:
    assert client.post("/forlaeng-session", headers={"X-CSRFToken": "x"}).status_code == 400
    flow.login("p-jonas")
    token = csrf_token(client)
    with client.session_transaction() as session:
        session[SESSION_KEY]["last_seen"] = time.time() - 14 * 60
    response = client.post("/forlaeng-session", headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.json == {"logged_in": True, "expires_in": 900}
    assert session_data(client)[SESSION_KEY]["last_seen"] > time.time() - 5


def test_layout_gets_the_timeout_values(flow: Flow, client: FlaskClient) -> None:
    flow.login("p-jonas")
    body = PageChecker(client).get("/test/laes").body
    assert body is not None
    assert body["data-session-timeout"] == "900"
    assert body["data-session-extend-url"] == "/forlaeng-session"


def test_caseworker_logs_in_and_previews_only_their_caseload(
    client: FlaskClient, simulator: Simulator, portal: Flask
) -> None:
    from auth.guards import can_preview, start_preview
    from auth.session import caller

    flow = Flow(client, simulator)
    authorize_url = flow.start("/medarbejder/log-ind")
    assert "/workforce/authorize" in authorize_url
    response = flow.callback(flow.at_provider(authorize_url, "cw-lene"))
    assert response.status_code == 302
    assert client.get("/test/medarbejder").status_code == 200
    h1, text = refusal(client.get("/test/laes"))  # no preview chosen
    assert h1 == "Siden viser en borgers oplysninger" and "read" not in text
    h1, _ = refusal(client.get("/vaelg-person"))  # a caseworker acts for nobody
    assert h1 == "Siden viser en borgers oplysninger"

    with portal.test_request_context():
        with client.session_transaction() as session:
            stored = dict(session)
        from flask import session as flask_session

        flask_session.update(stored)
        assert can_preview("p-jonas") is True
        assert can_preview("p-freja") is False
        acting = start_preview("p-jonas", "Forberedelse af opfolgningsmode")
        assert acting.read_only and acting.basis == "caseworker_preview"
        assert caller().headers()["X-Purpose"] == "Forberedelse af opfolgningsmode"
        with client.session_transaction() as session:
            session.update(dict(flask_session))

    assert client.get("/test/laes").status_code == 200
    h1, text = refusal(client.get("/test/skriv"))
    assert h1 == "En forhåndsvisning kan kun læses" and "write" not in text
    page = PageChecker(client).get("/test/laes")
    assert "Jonas Holm Nielsen" in normalize(page.select_one(".acting-banner").text)


def test_citizens_cannot_reach_caseworker_pages(flow: Flow, client: FlaskClient) -> None:
    flow.login("p-jonas")
    h1, text = refusal(client.get("/test/medarbejder"))
    assert h1 == "Siden er for kommunens medarbejdere" and "caseworker" not in text
    assert client.get("/test/skriv").status_code == 200


def test_a_citizen_identity_cannot_use_the_workforce_login(
    client: FlaskClient, simulator: Simulator
) -> None:
    simulator_flow = Flow(client, simulator)
    authorize_url = simulator_flow.start("/medarbejder/log-ind")
    response = httpx.post(authorize_url, data={"identity": "p-jonas", "level": "substantial"})
    assert response.status_code == 400


# -- hardening ---------------------------------------------------------------------------------


def test_a_get_never_ends_a_session(flow: Flow, client: FlaskClient) -> None:
    flow.login("p-jonas")
    # A link from another site (or an image) must not log the citizen out.
    response = client.get("/logget-af?reason=timeout")
    assert response.status_code == 302
    assert logged_in(client)
    assert client.get("/test/laes").status_code == 200


def test_the_timeout_logout_is_a_post_and_says_why(flow: Flow, client: FlaskClient) -> None:
    flow.login("p-jonas")
    response = client.post("/log-af", data={"csrf_token": csrf_token(client), "reason": "timeout"})
    assert not logged_in(client)
    assert query(str(response.location))["state"] == "timeout"
    page = PageChecker(client).get("/logget-af?state=timeout")
    assert "15" in page.text


def test_keep_alive_cannot_pass_the_absolute_lifetime(flow: Flow, client: FlaskClient) -> None:
    flow.login("p-jonas")
    token = csrf_token(client)
    with client.session_transaction() as session:
        session[SESSION_KEY]["started"] = time.time() - 8 * 3600 + 60
    response = client.post("/forlaeng-session", headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.json["expires_in"] <= 60
    with client.session_transaction() as session:
        session[SESSION_KEY]["started"] = time.time() - 8 * 3600 - 1
    # Active a moment ago, but past eight hours since login: logged out all the same.
    assert client.post("/forlaeng-session", headers={"X-CSRFToken": token}).status_code == 401
    assert not logged_in(client)


def test_redirect_uri_comes_from_the_public_base_url_not_the_host_header(
    simulator: Simulator, fake_planapi: Any
) -> None:
    from tests.unit.auth.conftest import make_portal

    app = make_portal(
        simulator,
        fake_planapi,
        PUBLIC_BASE_URL="http://localhost",
        EXTRA_TRUSTED_HOSTS="portal.internal",
    )
    client = app.test_client()
    # A host the portal was not told about is refused outright...
    assert client.get("/log-ind", headers={"Host": "evil.example"}).status_code == 400
    # ...and one it answers to (an internal name) does not change the absolute URLs.
    response = client.get("/log-ind", headers={"Host": "portal.internal"})
    redirect_uri = query(str(response.location))["redirect_uri"]
    assert redirect_uri == "http://localhost/log-ind/callback"


def test_only_failed_callbacks_count_towards_the_login_limit(
    simulator: Simulator, fake_planapi: Any
) -> None:
    from tests.unit.auth.conftest import make_portal

    app = make_portal(
        simulator,
        fake_planapi,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_LOGIN="2 per minute",
    )
    # Many citizens behind one municipal address log in: none is locked out.
    for _ in range(3):
        response = Flow(app.test_client(), simulator).login("p-jonas")
        assert response.status_code == 302
    client = app.test_client()
    statuses = [client.get("/log-ind/callback?state=x&code=y").status_code for _ in range(3)]
    assert statuses == [400, 400, 429]


# -- each refusal for its own reason (a planted bug elsewhere must not hide behind another) --

STATE_REFUSED = (
    "Login kunne ikke gennemføres, fordi det blev startet i et andet vindue, "
    "allerede var brugt eller tog for lang tid."
)
NOT_VERIFIED = (
    "Svaret fra MitID kunne ikke bekræftes, så af hensyn til din sikkerhed er "
    "du ikke blevet logget ind."
)
NOT_CASEWORKER = "Dit medarbejderlogin giver ikke adgang til Mit Overblik."


def reason(soup: BeautifulSoup) -> str:
    """The sentence under the heading that says why the login was refused."""
    return normalize(soup.h1.find_next("p").text)


def test_a_login_state_is_used_up_by_its_first_answer(flow: Flow, client: FlaskClient) -> None:
    """A login that came back cancelled is over: its state cannot carry a code later, even
    from a browser that still holds it (a second tab's copy of the session, a race)."""
    from auth.views import PENDING_KEY

    callback = flow.at_provider(flow.start())
    state = query(callback)["state"]
    cancelled = refused(client.get(f"/log-ind/callback?error=access_denied&state={state}"))
    assert reason(cancelled) == "Du afbrød login. Intet er gemt."
    with client.session_transaction() as session:
        session[PENDING_KEY] = [state]  # only the shared store can refuse it now
    assert reason(refused(flow.callback(callback))) == STATE_REFUSED
    assert not logged_in(client)


def test_an_id_token_with_another_logins_nonce_is_refused_for_the_nonce(
    flow: Flow, client: FlaskClient, simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Correctly signed, right issuer, audience and at_hash: only the nonce is wrong."""
    assert flow.login("p-jonas").status_code == 302
    client.post("/log-af", data={"csrf_token": csrf_token(client)})
    simulator.misbehave("other_nonce")
    assert reason(refused(flow.login("p-jonas"))) == NOT_VERIFIED
    assert "login refused (nonce)" in caplog.text
    assert not logged_in(client)


def test_the_portal_itself_checks_the_caseworker_role(
    client: FlaskClient, simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A workforce provider that lets anyone of the organisation log in (no role claim):
    the portal refuses, not the provider."""
    simulator.misbehave("no_role", issuer="workforce")
    flow = Flow(client, simulator)
    response = flow.callback(flow.at_provider(flow.start("/medarbejder/log-ind"), "cw-lene"))
    assert reason(refused(response, status=403)) == NOT_CASEWORKER
    assert "login refused (not_caseworker)" in caplog.text
    assert client.get("/test/medarbejder").status_code == 302
    assert not logged_in(client)


def test_started_logins_are_forgotten_when_they_started_before_the_cutoff(app: Flask) -> None:
    """Remembering a login forgets those started before the cutoff; one started at the
    cutoff itself is still within its time, and each is taken once."""
    from datetime import UTC, datetime, timedelta

    from portal.login_states import DatabaseLoginStates

    store, cutoff = DatabaseLoginStates(), datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with app.app_context():
        store.remember(
            "older", {"n": 1}, cutoff - timedelta(seconds=1), cutoff - timedelta(hours=1)
        )
        store.remember("at-cutoff", {"n": 2}, cutoff, cutoff - timedelta(hours=1))
        store.remember("newest", {"n": 3}, cutoff + timedelta(minutes=5), cutoff)
        assert store.take("older") is None
        assert store.take("at-cutoff") == {"n": 2}
        assert store.take("at-cutoff") is None
        assert store.take("newest") == {"n": 3}
