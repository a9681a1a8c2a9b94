"""The outbox: a write is stored before it is sent, queued while the plan API is down,
delivered later, and never recorded twice."""

from __future__ import annotations

import httpx
import pytest
from flask import Flask
from sqlalchemy import event, func, select

from portal import outbox
from portal.clients.base import Caller, PlanAPIRejected
from portal.clients.consents import ConsentsClient
from portal.extensions import db
from portal.models import OutboxMessage
from tests.unit import planapi_paths as paths
from tests.unit.conftest import FakePlanAPI

PATH = paths.withdrawals("p-mette", "c-1")
CALLER = Caller(actor_id="p-mette", actor_role="citizen", basis="self")
FORM_KEY = "0123456789abcdef0123456789abcdef"
KEY = f"consent.withdraw:p-mette:p-mette:c-1:{FORM_KEY}"


def submit(form_key: str = FORM_KEY, caller: Caller = CALLER) -> outbox.Delivery:
    return outbox.submit(ConsentsClient.withdraw("p-mette", "c-1", ["social"]), caller, form_key)


def status(key: str = KEY) -> str | None:
    return db.session.scalar(
        select(OutboxMessage.status).where(OutboxMessage.idempotency_key == key)
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
    assert sent.headers["Idempotency-Key"] == KEY
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
        assert [m.idempotency_key for m in outbox.pending("p-mette")] == [KEY]
        assert [m.resource_id for m in outbox.pending("p-mette", ["consent.withdraw"])] == ["c-1"]
        assert outbox.pending("p-mette", ["consent.renew"]) == []
        assert outbox.deliver_pending() == 0
    fake_planapi.on("POST", PATH, status=201, json={"id": "ev-1"})
    with app.test_request_context():
        assert outbox.deliver_pending() == 1
        assert outbox.deliver_pending() == 0
        assert status() == "delivered"
        assert submit().status == "delivered"
    delivered = [r for r in fake_planapi.requests if r.headers.get("Idempotency-Key") == KEY]
    # 2 failed tries while down (no retries for writes), 1 failed deliver round, 1 success
    assert len(delivered) == 4
    assert sum(1 for r in fake_planapi.requests if r.url.path == PATH) == 4


def test_pending_is_read_once_per_request_and_again_after_a_write_or_delivery(
    app: Flask, fake_planapi: FakePlanAPI
) -> None:
    """The overview asks for several kinds of pending writes: one query for all of them;
    a write queued or delivered in the same request shows at once."""
    statements: list[str] = []

    def counted(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    fake_planapi.down("POST", PATH)
    with app.test_request_context():
        assert outbox.pending("p-mette", ["consent.withdraw"]) == []
        assert submit().status == "queued"
        assert [m.resource_id for m in outbox.pending("p-mette", ["consent.withdraw"])] == ["c-1"]
        event.listen(db.engine, "before_cursor_execute", counted)
        try:
            assert outbox.pending("p-mette", ["consent.renew"]) == []
            assert [m.idempotency_key for m in outbox.pending("p-mette")] == [KEY]
        finally:
            event.remove(db.engine, "before_cursor_execute", counted)
        assert statements == []
        fake_planapi.on("POST", PATH, status=201, json={"id": "ev-1"})
        assert outbox.deliver_pending() == 1
        assert outbox.pending("p-mette") == []


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
        assert status() == "rejected"
    assert len(fake_planapi.requests) == 1


def test_slow_plan_api_queues_instead_of_hanging(app: Flask, fake_planapi: FakePlanAPI) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    fake_planapi.on("POST", PATH, handler=slow)
    with app.test_request_context():
        assert submit().status == "queued"


def test_the_key_is_bound_to_person_actor_and_resource() -> None:
    key = outbox.idempotency_key
    base = key("consent.renew", "p-mette", "p-mette", "c-1", FORM_KEY)
    assert base == f"consent.renew:p-mette:p-mette:c-1:{FORM_KEY}"
    others = {
        key("consent.renew", "p-jonas", "p-mette", "c-1", FORM_KEY),
        key("consent.renew", "p-mette", "p-anders", "c-1", FORM_KEY),
        key("consent.renew", "p-mette", "p-mette", "c-2", FORM_KEY),
        key("consent.withdraw", "p-mette", "p-mette", "c-1", FORM_KEY),
    }
    assert base not in others and len(others) == 4
    long = key("consent.renew", "p-" + "x" * 150, "p-mette", "c-1", FORM_KEY)
    assert len(long) <= 200 and long.startswith("consent.renew:")


def test_another_actor_with_the_same_form_key_gets_their_own_write(
    app: Flask, fake_planapi: FakePlanAPI
) -> None:
    """A form key is not a credential: someone sending another's form key records their
    own write instead of being handed the first one's receipt."""
    fake_planapi.on("POST", PATH, status=201, json={"id": "ev-1"})
    anders = Caller(actor_id="p-anders", actor_role="citizen", basis="custody")
    with app.test_request_context():
        first, second = submit(), submit(caller=anders)
        assert first.idempotency_key != second.idempotency_key
        assert count() == 2
        mine = outbox.receipt(["consent.withdraw"], "p-mette", CALLER, FORM_KEY)
        theirs = outbox.receipt(["consent.withdraw"], "p-mette", anders, FORM_KEY)
        assert mine is not None and theirs is not None and mine.id != theirs.id
        assert (theirs.actor_id, theirs.resource_id, theirs.form_key) == (
            "p-anders",
            "c-1",
            FORM_KEY,
        )
        assert outbox.sent("consent.withdraw", "p-mette", "c-1", CALLER, FORM_KEY)
        assert not outbox.sent("consent.withdraw", "p-mette", "c-2", CALLER, FORM_KEY)
    assert [r.headers["Idempotency-Key"] for r in fake_planapi.requests] == [
        first.idempotency_key,
        second.idempotency_key,
    ]


def test_form_keys_are_made_here_and_checked() -> None:
    made = outbox.new_form_key()
    assert outbox.form_key(made) == made and made != outbox.new_form_key()
    for foreign in ("", None, "key-1", made.upper(), made + "0", "../" + made[3:]):
        assert outbox.form_key(foreign) is None
