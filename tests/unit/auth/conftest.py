"""A real MitID simulator on a loopback port, for OIDC over HTTP in unit tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.test import TestResponse

from auth.simulator import create_app as create_simulator
from auth.simulator.provider import Issuer
from tests.unit.conftest import FakePlanAPI, SessionClient

PORTAL = "http://localhost"  # Flask's test client
CLIENT_ID = "mit-overblik"
CLIENT_SECRET = "test-oidc-secret"
WF_CLIENT_ID = "mit-overblik-medarbejder"
WF_CLIENT_SECRET = "test-workforce-secret"


@dataclass
class Simulator:
    app: Flask
    server: BaseWSGIServer
    base_url: str

    @property
    def mitid(self) -> Issuer:
        return self.app.extensions["simulator_issuers"]["mitid"]  # type: ignore[no-any-return]

    @property
    def workforce(self) -> Issuer:
        return self.app.extensions["simulator_issuers"]["workforce"]  # type: ignore[no-any-return]

    def misbehave(self, mode: str, issuer: str = "mitid") -> None:
        response = httpx.post(f"{self.base_url}/{issuer}/test/misbehave", json={"mode": mode})
        assert response.status_code == 200, response.text

    def rotate_key(self, issuer: str = "mitid") -> str:
        return str(httpx.post(f"{self.base_url}/{issuer}/test/rotate-key").json()["kid"])

    def state(self, issuer: str = "mitid") -> dict[str, Any]:
        return httpx.get(f"{self.base_url}/{issuer}/test/state").json()  # type: ignore[no-any-return]


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


def start_simulator(**overrides: Any) -> Simulator:
    server = make_server(
        "127.0.0.1", 0, lambda e, s: [], threaded=True, request_handler=_QuietHandler
    )
    port = server.server_port
    base = f"http://127.0.0.1:{port}"
    config = {
        "SIMULATOR_BASE_URL": base,
        "SIMULATOR_PORTAL_URL": PORTAL,
        "SIMULATOR_TEST_MODE": True,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "WORKFORCE_CLIENT_ID": WF_CLIENT_ID,
        "WORKFORCE_CLIENT_SECRET": WF_CLIENT_SECRET,
        "OIDC_CLAIM_PRESET": "nemlogin",
        **overrides,
    }
    app = create_simulator(config)
    server.app = app
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Simulator(app=app, server=server, base_url=base)


@pytest.fixture(scope="session")
def simulator_server() -> Iterator[Simulator]:
    sim = start_simulator()
    yield sim
    sim.server.shutdown()
    sim.server.server_close()


@pytest.fixture
def simulator(simulator_server: Simulator) -> Iterator[Simulator]:
    """The shared simulator, well-behaved again after each test."""
    yield simulator_server
    httpx.post(f"{simulator_server.base_url}/mitid/test/reset")
    httpx.post(f"{simulator_server.base_url}/workforce/test/reset")


# -- the portal as relying party, with the plan API faked in the one place -----------------


TODAY = date(2026, 11, 23)


def person_json(person_id: str) -> dict[str, Any]:
    from planapi.demo.personas import CITIZENS

    c = next(c for c in CITIZENS if c["id"] == person_id)
    birth = date.fromisoformat(c["birth_date"])
    age = TODAY.year - birth.year - ((TODAY.month, TODAY.day) < (birth.month, birth.day))
    return {
        "id": c["id"],
        "name": c["name"],
        "given_name": c["given_name"],
        "family_name": c["family_name"],
        "birth_date": c["birth_date"],
        "age": age,
        "kind": "citizen",
        "has_plan": c["id"] != "p-freja",
    }


def representation(person_id: str, basis: str, scope: list[str] | None = None) -> dict[str, Any]:
    person = person_json(person_id)
    return {
        "person": {"id": person_id, "name": person["name"]},
        "basis": basis,
        "age": person["age"],
        "scope": scope or ["person:read", "plan:read"],
        "valid_until": None,
    }


REPRESENTATIONS = {
    "p-anders": [representation("p-anders", "self"), representation("p-emma", "custody")],
    "p-bent": [
        representation("p-bent", "self"),
        representation("p-mette", "power_of_attorney", ["plan:read", "appointments:read"]),
    ],
}
CASELOADS = {"cw-lene": ["p-jonas", "p-mette", "p-emma", "p-karim"], "cw-peter": []}


def fake_people(fake: FakePlanAPI) -> None:
    """Route the persons and caseworkers endpoints from the demo personas."""
    from planapi.demo.personas import CASEWORKERS, CITIZENS

    def resolve(request: httpx.Request) -> httpx.Response:
        cpr = json.loads(request.content)["cpr"].replace("-", "")
        found = next((c for c in CITIZENS if c["cpr"] == cpr), None)
        if found is None:
            return httpx.Response(404, json={"type": "about:blank", "title": "Not found"})
        return httpx.Response(200, json=person_json(found["id"]))

    fake.on("POST", "/v1/persons/resolve", handler=resolve)
    for c in CITIZENS:
        pid = c["id"]
        items = REPRESENTATIONS.get(pid, [representation(pid, "self")])
        fake.on("GET", f"/v1/persons/{pid}/representations", json={"items": items})
        fake.on("GET", f"/v1/persons/{pid}", json=person_json(pid))

    def resolve_caseworker(request: httpx.Request) -> httpx.Response:
        wid = json.loads(request.content)["workforce_id"]
        cw = next((c for c in CASEWORKERS if c["workforce_id"] == wid), None)
        if cw is None:
            return httpx.Response(404, json={"type": "about:blank", "title": "Not found"})
        return httpx.Response(200, json=caseworker_json(cw["id"]))

    fake.on("POST", "/v1/caseworkers/resolve", handler=resolve_caseworker)
    for cw_id, people in CASELOADS.items():
        fake.on(
            "GET",
            f"/v1/caseworkers/{cw_id}/caseload",
            json={
                "caseworker": {k: caseworker_json(cw_id)[k] for k in CW_REF},
                "items": [
                    {
                        "person": {"id": p, "name": person_json(p)["name"]},
                        "age": person_json(p)["age"],
                        "has_plan": True,
                        "next_follow_up": None,
                    }
                    for p in people
                ],
            },
        )


CW_REF = ("id", "name", "title", "phone", "email")


def caseworker_json(cw_id: str) -> dict[str, Any]:
    from planapi.demo.personas import CASEWORKERS

    cw = next(c for c in CASEWORKERS if c["id"] == cw_id)
    return {
        "id": cw["id"],
        "name": cw["name"],
        "workforce_id": cw["workforce_id"],
        "title": cw["title"],
        "department": "social",
        "organisation": "Nordby Kommune",
        "phone": "70 10 20 30",
        "email": f"{cw['workforce_id']}@nordby.example",
    }


SHELL = (
    '{% extends "layouts/base.html" %}{% block title %}Test{% endblock %}'
    "{% block content %}<h1>{{ heading }}</h1>{% endblock %}"
)


def make_portal(simulator: Simulator, fake_planapi: FakePlanAPI, **config: Any) -> Flask:
    """The portal in test config, pointed at a live simulator, with a few test routes."""
    from flask import render_template_string

    from auth.access import access
    from portal import create_app

    fake_people(fake_planapi)
    app = create_app(
        {
            "PLANAPI_TRANSPORT": httpx.MockTransport(fake_planapi),
            "OIDC_ISSUER": f"{simulator.base_url}/mitid",
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "WORKFORCE_ISSUER": f"{simulator.base_url}/workforce",
            "WORKFORCE_CLIENT_ID": WF_CLIENT_ID,
            "WORKFORCE_CLIENT_SECRET": WF_CLIENT_SECRET,
            **config,
        },
        env="test",
    )
    app.test_client_class = SessionClient
    with app.app_context():
        from portal.extensions import db

        db.create_all()

    @access("citizen")
    def read_page() -> str:
        return render_template_string(SHELL, heading="read")

    @access("citizen_write")
    def write_page() -> str:
        return render_template_string(SHELL, heading="write")

    @access("caseworker")
    def caseworker_page() -> str:
        return render_template_string(SHELL, heading="caseworker")

    app.add_url_rule("/test/laes", "test_read", read_page)
    app.add_url_rule("/test/skriv", "test_write", write_page, methods=["GET", "POST"])
    app.add_url_rule("/test/medarbejder", "test_caseworker", caseworker_page)
    return app


@pytest.fixture
def portal(simulator: Simulator, fake_planapi: FakePlanAPI) -> Flask:
    return make_portal(simulator, fake_planapi)


class Flow:
    """Drive a login: the portal through its test client, the provider over HTTP."""

    def __init__(self, client: FlaskClient, simulator: Simulator) -> None:
        self.client = client
        self.simulator = simulator

    def start(self, path: str = "/log-ind") -> str:
        response = self.client.get(path)
        assert response.status_code == 302, response.status_code
        location = str(response.location)
        assert location.startswith(self.simulator.base_url), location
        return location

    def at_provider(
        self, authorize_url: str, identity: str = "p-jonas", level: str = "substantial"
    ) -> str:
        response = httpx.post(authorize_url, data={"identity": identity, "level": level})
        assert response.status_code == 302, response.text
        return response.headers["location"]

    def callback(self, url: str) -> TestResponse:
        return self.client.get(url)

    def login(
        self, identity: str = "p-jonas", level: str = "substantial", path: str = "/log-ind"
    ) -> TestResponse:
        return self.callback(self.at_provider(self.start(path), identity, level))


@pytest.fixture
def client(portal: Flask) -> FlaskClient:
    return portal.test_client()


@pytest.fixture
def flow(client: FlaskClient, simulator: Simulator) -> Flow:
    return Flow(client, simulator)
