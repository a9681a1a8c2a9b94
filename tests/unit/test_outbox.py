"""The outbox: a write is stored before it is sent, queued while the plan API is down,
delivered later, and never recorded twice."""

from __future__ import annotations

import httpx
import pytest
from flask import Flask
from sqlalchemy import func, select

from portal import outbox
from portal.clients.base import Caller, PlanAPIRejected
from portal.extensions import db
from portal.models import OutboxMessage
from tests.unit.conftest import FakePlanAPI

PATH = "/v1/persons/p-mette/consents/c-1/withdrawals"
CALLER = Caller(actor_id="p-mette", actor_role="citizen", basis="self")


def submit(key: str = "key-1") -> outbox.Delivery:
    return outbox.submit(
        kind="consent.withdraw",
        caller=CALLER,
        person_id="p-mette",
        path=PATH,
        payload={"departments": ["social"]},
        idempotency_key=key,
    )


def count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


def test_delivered_at_once_when_the_plan_api_answers(app: Flask, fake_planapi: FakePlanAPI) -> None:
    fake_planapi.on("POST", PATH, status=201, json={"id": "ev-1", "status": "withdrawn"})
    with app.test_request_context():
        delivery = submit()
        assert delivery.status == "delivered"
        assert delivery.response == {"id": "ev-1", "status": "withdrawn"}
    sent = fake_planapi.requests[-1]
    assert sent.headers["Idempotency-Key"] == "key-1"
    assert sent.headers["X-Actor-Id"] == "p-mette" and sent.headers["X-Basis"] == "self"


def test_the_same_key_twice_sends_once(app: Flask, fake_planapi: FakePlanAPI) -> None:
    fake_planapi.on("POST", PATH, status=201, json={"id": "ev-1"})
    with app.test_request_context():
        first, second = submit(), submit()
        assert first == second
        assert count() == 1
    assert len(fake_planapi.requests) == 1


def test_queued_while_down_then_delivered_exactly_once(
    app: Flask, fake_planapi: FakePlanAPI
) -> None:
    fake_planapi.down("POST", PATH)
    with app.test_request_context():
        assert submit().status == "queued"
        assert submit().status == "queued", "a resubmit while down stays one queued write"
        assert [m.idempotency_key for m in outbox.pending_for("p-mette")] == ["key-1"]
        assert outbox.deliver_pending() == 0
    fake_planapi.on("POST", PATH, status=201, json={"id": "ev-1"})
    with app.test_request_context():
        assert outbox.deliver_pending() == 1
        assert outbox.deliver_pending() == 0
        assert outbox.status_of("key-1") == "delivered"
        assert submit().status == "delivered"
    delivered = [r for r in fake_planapi.requests if r.headers.get("Idempotency-Key") == "key-1"]
    # 2 failed tries while down (no retries for writes), 1 failed deliver round, 1 success
    assert len(delivered) == 4
    assert sum(1 for r in fake_planapi.requests if r.url.path == PATH) == 4


def test_a_refused_write_is_reported_and_never_retried(
    app: Flask, fake_planapi: FakePlanAPI
) -> None:
    fake_planapi.on(
        "POST",
        PATH,
        status=422,
        json={"title": "Invalid", "errors": [{"field": "departments", "message": "unknown"}]},
    )
    with app.test_request_context():
        with pytest.raises(PlanAPIRejected) as refused:
            submit()
        assert refused.value.field_errors == {"departments": "unknown"}
        assert outbox.deliver_pending() == 0
        assert outbox.status_of("key-1") == "rejected"
    assert len(fake_planapi.requests) == 1


def test_slow_plan_api_queues_instead_of_hanging(app: Flask, fake_planapi: FakePlanAPI) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    fake_planapi.on("POST", PATH, handler=slow)
    with app.test_request_context():
        assert submit().status == "queued"
