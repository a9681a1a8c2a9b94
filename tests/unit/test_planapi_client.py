"""The plan-API client under faults: one page waits for one timeout at most."""

from __future__ import annotations

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.clients.base import APIModel, PlanAPIClient, PlanAPIUnavailable
from tests.unit.conftest import FakePlanAPI


def _timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


def test_a_timeout_is_not_retried_and_the_rest_of_the_request_fails_fast(
    app: Flask, fake_planapi: FakePlanAPI
) -> None:
    fake_planapi.on("GET", "/v1/slow", handler=_timeout)
    fake_planapi.on("GET", "/v1/other", json={})
    with app.test_request_context():
        with pytest.raises(PlanAPIUnavailable):
            PlanAPIClient().get("/v1/slow", APIModel)
        with pytest.raises(PlanAPIUnavailable):
            PlanAPIClient().get("/v1/other", APIModel)
    assert [r.url.path for r in fake_planapi.requests] == ["/v1/slow"]
    with app.test_request_context():  # the next request asks again
        PlanAPIClient().get("/v1/other", APIModel)
    assert [r.url.path for r in fake_planapi.requests] == ["/v1/slow", "/v1/other"]


def test_outside_a_request_every_call_asks_again(app: Flask, fake_planapi: FakePlanAPI) -> None:
    """The outbox deliverer runs in one long app context: a failure must not stick."""
    fake_planapi.on("POST", "/v1/write", handler=_timeout)
    with app.app_context():
        for _ in range(2):
            with pytest.raises(PlanAPIUnavailable):
                PlanAPIClient().post("/v1/write", APIModel, json={}, idempotency_key="k")
    assert len(fake_planapi.requests) == 2


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, content=b'{"status": "o'),
        httpx.Response(200, json=["ok"]),
        httpx.Response(200, json={"status": "starting"}),
    ],
)
def test_readyz_is_not_ready_when_the_health_answer_is_unreadable(
    client: FlaskClient, fake_planapi: FakePlanAPI, answer: httpx.Response
) -> None:
    fake_planapi.on("GET", "/healthz", handler=lambda request: answer)
    assert client.get("/readyz").status_code == 503


def test_an_id_that_cannot_be_a_url_names_nothing(app: Flask, fake_planapi: FakePlanAPI) -> None:
    from portal.clients.base import PlanAPINotFound

    with app.test_request_context(), pytest.raises(PlanAPINotFound):
        PlanAPIClient().get("/v1/persons/p-\x1f/plan", APIModel)
    assert fake_planapi.requests == []
