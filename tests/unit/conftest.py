"""Unit-test fixtures: the app in test config, a loud fake plan API, and the page helper."""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import html5lib
import httpx
import pytest
from bs4 import BeautifulSoup
from flask import Flask, url_for
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings

from auth.session import SESSION_KEY, AuthSession, Option, Subject
from identity import Basis
from portal import create_app
from portal.clients.overview import PARTS as OVERVIEW_PARTS
from portal.extensions import db

# Property tests check what is generated, not how fast: on a shared or busy machine the
# generation-speed health check and the per-example deadline fail tests that are right.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")


class FakePlanAPI:
    """The one fake of the plan API. Unrouted requests fail the test loudly.

    Route with `fake.on("GET", "/v1/persons/p-1/plan", json=..., status=200)` or with a
    callable taking the httpx.Request. `fake.requests` records what the portal sent.
    """

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Callable[[httpx.Request], httpx.Response]] = {}
        self.requests: list[httpx.Request] = []
        # For tests that sweep every route (the authorisation matrix): answers what no
        # route does. Unset, an unrouted request still fails the test.
        self.fallback: Callable[[httpx.Request], httpx.Response] | None = None

    def on(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        status: int = 200,
        handler: Callable[[httpx.Request], httpx.Response] | None = None,
    ) -> None:
        def respond(request: httpx.Request) -> httpx.Response:
            return httpx.Response(status, json=json)

        self.routes[(method.upper(), path)] = handler or respond

    def down(self, method: str, path: str) -> None:
        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("connection refused", request=request)

        self.routes[(method.upper(), path)] = refuse

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._answer(request)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        handler = self.routes.get((request.method, request.url.path))
        if handler is None and request.method == "GET" and request.url.path.endswith("/overview"):
            return self._overview(request)
        handler = handler or self.fallback
        if handler is None:
            raise AssertionError(f"unexpected plan API call: {request.method} {request.url}")
        return handler(request)

    def _overview(self, request: httpx.Request) -> httpx.Response:
        """The composite read, as the plan API answers it, from the routes of its parts:
        one part refused refuses the whole read, a plan that is not there is null."""
        base = request.url.path.removesuffix("/overview")
        parts = request.url.params.get("include", "").split(",")
        body: dict[str, Any] = dict.fromkeys(OVERVIEW_PARTS)
        body |= {"person": {"id": base.rsplit("/", 1)[-1], "name": "?"}, "parts": parts}
        for part in parts:
            # The goal is the plan's overall goal alone: from the plan's route.
            read = "plan" if part == "goal" else part
            one = httpx.Request("GET", request.url.copy_with(path=f"{base}/{read}", query=b""))
            one.headers.update(request.headers)
            answer = self._answer(one)
            if read == "plan" and answer.status_code == 404:
                continue
            if answer.status_code != 200:
                return answer
            found = answer.json()
            if part == "goal":
                body[part] = {"plan_id": found["id"], "overall_goal": found.get("overall_goal")}
            else:
                body[part] = found if part in ("plan", "contacts") else found["items"]
        return httpx.Response(200, json=body)

    def sent_json(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)


@pytest.fixture
def fake_planapi() -> FakePlanAPI:
    return FakePlanAPI()


class SessionClient(FlaskClient):
    """A test client whose `session_transaction` keeps a change made inside the session's
    nested data (`session["auth"]["acting"] = None`). Flask marks a session modified only
    when a key of its own is set, and the portal writes its session store only when it is
    modified (SESSION_REFRESH_EACH_REQUEST is off), so such a change would be dropped."""

    @contextmanager
    def session_transaction(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        with super().session_transaction(*args, **kwargs) as session:
            before = copy.deepcopy(dict(session))
            yield session
            if dict(session) != before:
                session.modified = True


@pytest.fixture
def app(fake_planapi: FakePlanAPI) -> Iterator[Flask]:
    app = create_app({"PLANAPI_TRANSPORT": httpx.MockTransport(fake_planapi)}, env="test")
    app.test_client_class = SessionClient
    # No app context stays pushed during the test: requests must each get their own `g`.
    with app.app_context():
        db.create_all()
    yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class PageChecker:
    """Fetch a page, assert its status, and check what every page must get right.

    Pages are named by endpoint, with the view's arguments; arguments for the test client
    take a leading underscore:

        pages.get("consent.index", _expected_status=200)
        pages.get("consent.renew", consent_id="c-1", _expected_status=403)
        pages.post("appointments.move", {"reason": "..."}, appointment_id="ap-1")

    A literal path ("/samtykke") still works, with the client's arguments as they are.
    """

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def url(self, target: str, **values: Any) -> str:
        """The URL of an endpoint with its arguments (a path or URL is returned as it is)."""
        if "/" in target:
            return target
        with self.client.application.test_request_context():
            return url_for(target, **values)

    def _open(self, target: str, kwargs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if "/" in target:  # a path or URL, not an endpoint name
            return target, kwargs
        values = {k: v for k, v in kwargs.items() if not k.startswith("_")}
        options = {k[1:]: v for k, v in kwargs.items() if k.startswith("_")}
        return self.url(target, **values), options

    def get(
        self,
        target: str,
        status: int = 200,
        *,
        _expected_status: int | None = None,
        **kwargs: Any,
    ) -> BeautifulSoup:
        expected = status if _expected_status is None else _expected_status
        url, options = self._open(target, kwargs)
        response = self.client.get(url, **options)
        assert response.status_code == expected, (url, response.status_code, response.location)
        return self.check(response.get_data(as_text=True))

    def post(
        self,
        target: str,
        data: dict[str, Any],
        status: int = 200,
        *,
        _expected_status: int | None = None,
        **kwargs: Any,
    ) -> BeautifulSoup:
        expected = status if _expected_status is None else _expected_status
        url, options = self._open(target, kwargs)
        response = self.client.post(url, data=data, **options)
        assert response.status_code == expected, (url, response.status_code, response.location)
        return self.check(response.get_data(as_text=True))

    def redirect(self, target: str, method: str = "GET", **kwargs: Any) -> str:
        url, options = self._open(target, kwargs)
        response = self.client.open(url, method=method, **options)
        assert response.status_code in (302, 303), (url, response.status_code)
        return str(response.location)

    def csrf_token(self, url: str = "/") -> str:
        """A valid CSRF token for this client's session, read from a page's form."""
        field = self.get(url).find("input", attrs={"name": "csrf_token"})
        assert field is not None, f"no form with a CSRF token on {url}"
        return str(field["value"])

    @staticmethod
    def check(html: str) -> BeautifulSoup:
        html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
        soup = BeautifulSoup(html, "html.parser")
        assert soup.html is not None and soup.html.get("lang") in ("da", "en"), "missing lang"
        title = soup.find("title")
        assert title and normalize(title.text).endswith("– Mit Overblik"), "bad <title>"
        ids = [el["id"] for el in soup.find_all(id=True)]
        duplicates = {i for i in ids if ids.count(i) > 1}
        assert not duplicates, f"duplicate ids: {duplicates}"
        assert soup.find("main", id="main-content"), "no main landmark"
        assert len(soup.find_all("h1")) == 1, "a page has exactly one h1"
        for form in soup.find_all("form"):
            assert form.get("action"), f"form without action: {form}"
            if str(form.get("method", "get")).lower() == "post":
                assert form.find("input", attrs={"name": "csrf_token"}), (
                    f"POST form without CSRF: {form.get('action')}"
                )
        assert not soup.find_all(style=True), "inline style attributes break the CSP"
        for script in soup.find_all("script"):
            assert script.get("src"), "inline script breaks the CSP"
        return soup


# Each kind of refusal page, by the heading it shows (Danish, the default language).
REFUSALS = {
    "no access": "Du har ikke adgang til denne side",  # pages/errors/403.html, by reader
    "custody": "Du kan ikke se barnets oplysninger",
    "power of attorney": "Din fuldmagt dækker ikke dette",
    "preview read-only": "En forhåndsvisning kan kun læses",
    "preview refused": "Du kan ikke se denne borgers visning",
    "no basis": "Du kan ikke se denne persons oplysninger",  # pages/auth/no_basis.html
    "outside scope": "Din fuldmagt dækker ikke dette",  # pages/auth/outside_scope.html
}


def assert_refused(response: Any, reason: str, hidden: tuple[str, ...] = ()) -> BeautifulSoup:
    """A refusal: 403, a whole page that names this reason, and none of `hidden` on it."""
    html = response.get_data(as_text=True)
    assert response.status_code == 403, (response.status_code, response.location)
    soup = PageChecker.check(html)
    assert normalize(soup.h1.text) == REFUSALS[reason], normalize(soup.h1.text)
    leaked = [text for text in hidden if text in html]
    assert not leaked, f"the refusal shows {leaked}"
    return soup


@pytest.fixture
def pages(client: FlaskClient) -> PageChecker:
    return PageChecker(client)


class SignIn:
    """Put a logged-in session into the test client, built as the session object
    (`auth.session.AuthSession`) that login builds.

    sign_in("p-mette", "Mette Lund Sørensen")  # a citizen as themself
    sign_in("p-emma", "Emma Kjær Poulsen", basis="custody",
            actor=("p-anders", "Anders Kjær Poulsen"), age=15)
    sign_in("p-mette", "Mette Lund Sørensen", caseworker=("cw-lene", "Lene Bach"))
    """

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def __call__(
        self,
        person_id: str = "p-mette",
        name: str = "Mette Lund Sørensen",
        *,
        basis: Basis = "self",
        age: int | None = 41,
        actor: tuple[str, str] | None = None,
        caseworker: tuple[str, str] | None = None,
        purpose: str = "Forberedelse af opfølgning",
        options: list[dict[str, Any]] | None = None,
        scope: list[str] | tuple[str, ...] = (),
    ) -> None:
        if caseworker:
            actor_id, actor_name = caseworker
            signed_in = AuthSession(
                role="caseworker",
                actor_id=actor_id,
                actor_name=actor_name,
                acting=Subject(person_id, name, age, "caseworker_preview", purpose=purpose),
                last_seen=time.time(),
            )
        else:
            actor_id, actor_name = actor or (person_id, name)
            chosen = Option(person_id, name, basis, age, tuple(scope))
            signed_in = AuthSession(
                role="citizen",
                actor_id=actor_id,
                actor_name=actor_name,
                acting=Subject.chosen(chosen),
                options=tuple(Option.from_dict(o) for o in options) if options else (chosen,),
                last_seen=time.time(),
            )
        self.session(signed_in)

    def session(self, signed_in: AuthSession) -> None:
        """Store a whole session object, e.g. one a test built or changed itself."""
        with self.client.session_transaction() as session:
            session[SESSION_KEY] = signed_in.to_dict()
            session["_user_id"] = f"{signed_in.role}:{signed_in.actor_id}"
            session["_fresh"] = True


@pytest.fixture
def sign_in(client: FlaskClient) -> SignIn:
    return SignIn(client)
