"""A real MitID simulator on a loopback port, for OIDC over HTTP in unit tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from auth.simulator import create_app as create_simulator
from auth.simulator.provider import Issuer

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
