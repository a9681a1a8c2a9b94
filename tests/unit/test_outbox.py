"""The outbox: a write is stored before it is sent, queued while the plan API is down,
delivered later, and never recorded twice."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest
from flask import Flask
from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection

from portal import outbox
from portal.clients.base import Caller, PlanAPIRejected, Write
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


@contextmanager
def sql_sent(isolation: list[str] | None = None) -> Iterator[list[str]]:
    """The SQL statements sent inside the block, whitespace folded (needs an app context);
    and into `isolation`, each one's connection's isolation level option ("" for none)."""
    statements: list[str] = []

    def record(conn: Connection, cursor: object, statement: str, *args: object) -> None:
        statements.append(" ".join(statement.split()))
        if isolation is not None:
            isolation.append(conn.get_execution_options().get("isolation_level", ""))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_delivered_at_once_when_the_plan_api_answers(app: Flask, fake_planapi: FakePlanAPI) -> None:
    fake_planapi.on("POST", PATH, status=201, json={"id": "ev-1", "status": "withdrawn"})
    with app.test_request_context():
        delivery = submit()
        assert delivery.status == "delivered"
        assert delivery.response == {"id": "ev-1", "status": "withdrawn"}
    sent = fake_planapi.requests[-1]
    assert sent.headers["Idempotency-Key"] == KEY
    assert sent.headers["X-Actor-Id"] == "p-mette" and sent.headers["X-Basis"] == "self"


def columns(message: OutboxMessage) -> dict[str, object]:
    return {c.key: getattr(message, c.key) for c in OutboxMessage.__table__.columns}


def test_a_request_that_has_not_used_the_database_reads_pending_in_one_autocommit_statement(
    app: Flask, fake_planapi: FakePlanAPI
) -> None:
    """The overview's case: no transaction for one read (on PostgreSQL a BEGIN and a
    ROLLBACK, two round trips), and the same rows as the session would give."""
    fake_planapi.down("POST", PATH)
    with app.test_request_context():
        submit()
        submit(OTHER_FORM)
        held = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        expected = [columns(m) for m in held]
    with app.test_request_context():
        isolation: list[str] = []
        with sql_sent(isolation) as statements:
            found = outbox.pending("p-mette")
            assert outbox.pending("p-mette", ["consent.withdraw"]) == found  # read once
        assert not db.session().in_transaction(), "the request's session was not begun"
    assert len(statements) == 1 and "FROM outbox_message" in statements[0], statements
    assert isolation == ["AUTOCOMMIT"]
    assert [columns(m) for m in found] == expected and len(expected) == 2


def test_reading_pending_inside_a_transaction_sees_its_rows_and_never_commits_them(
    app: Flask,
) -> None:
    """Once a request has its transaction, pending() reads through it: its own rows not yet
    committed count, and a rollback still takes them back."""
    with app.test_request_context():
        db.session.add(
            OutboxMessage(
                idempotency_key="not-committed",
                kind="consent.withdraw",
                person_id="p-mette",
                path=PATH,
                payload={},
                caller={},
            )
        )
        db.session.flush()
        assert [m.idempotency_key for m in outbox.pending("p-mette")] == ["not-committed"]
        db.session.rollback()
        assert count() == 0, "reading pending committed the request's transaction"


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
    fake_planapi.down("POST", PATH)
    with app.test_request_context():
        assert outbox.pending("p-mette", ["consent.withdraw"]) == []
        assert submit().status == "queued"
        assert [m.resource_id for m in outbox.pending("p-mette", ["consent.withdraw"])] == ["c-1"]
        with sql_sent() as statements:
            assert outbox.pending("p-mette", ["consent.renew"]) == []
            assert [m.idempotency_key for m in outbox.pending("p-mette")] == [KEY]
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
    for foreign in (
        "",
        None,
        "key-1",
        made.upper(),
        made + "0",
        made[:-1],
        "X" * 32,
        "../" + made[3:],
    ):
        assert outbox.form_key(foreign) is None


def stored(key: str = KEY) -> OutboxMessage:
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
    assert message is not None
    return message


def test_a_key_of_exactly_200_characters_is_kept_and_a_longer_one_hashed() -> None:
    """The plan API takes keys of 1-200 characters: one that fits is kept as it is (it can
    be read in the plan API's records); a longer one becomes its kind and a hash."""
    key = outbox.idempotency_key
    fits = "p-" + "x" * (200 - len(key("consent.renew", "", "p-mette", "c-1", FORM_KEY)) - 2)
    assert len(key("consent.renew", fits, "p-mette", "c-1", FORM_KEY)) == 200
    assert key("consent.renew", fits, "p-mette", "c-1", FORM_KEY).startswith("consent.renew:p-xx")
    longer = fits + "y"
    whole = f"consent.renew:{longer}:p-mette:c-1:{FORM_KEY}"
    assert key("consent.renew", longer, "p-mette", "c-1", FORM_KEY) == (
        "consent.renew:" + hashlib.sha256(whole.encode()).hexdigest()
    )
    kind = "k" * 70
    hashed = key(kind, longer, "p-mette", "c-1", FORM_KEY)
    assert hashed.split(":")[0] == "k" * 60 and len(hashed) == 60 + 1 + 64


def test_a_delivery_records_its_attempt_time_answer_and_the_caller_it_was_sent_for(
    app: Flask, fake_planapi: FakePlanAPI
) -> None:
    """The stored write carries what a later deliverer needs (the caller, purpose too) and
    what happened: attempts counted, the error of a failed try cleared on success."""
    fake_planapi.down("POST", PATH)
    preview = Caller(actor_id="p-mette", actor_role="citizen", basis="self", purpose="klage")
    with app.test_request_context():
        queued = submit(caller=preview)
        assert queued.status == "queued" and queued.response is None
        message = stored(queued.idempotency_key)
        assert message.caller == {
            "actor_id": "p-mette",
            "actor_role": "citizen",
            "basis": "self",
            "purpose": "klage",
        }
        assert (message.attempts, message.delivered_at) == (1, None)
        assert "connection refused" in (message.last_error or "")
    fake_planapi.on("POST", PATH, status=201, json={"id": "ev-1"})
    with app.test_request_context():
        assert outbox.deliver_pending() == 1
        message = stored(queued.idempotency_key)
        assert (message.status, message.attempts, message.last_error) == ("delivered", 2, None)
        assert message.delivered_at is not None and message.response == {"id": "ev-1"}
    assert fake_planapi.requests[-1].headers["X-Purpose"] == "klage"


def test_a_refused_form_sent_again_is_refused_again_with_the_first_answer(
    app: Flask, fake_planapi: FakePlanAPI
) -> None:
    problem = {"title": "Invalid", "errors": [{"field": "departments", "message": "unknown"}]}
    fake_planapi.on("POST", PATH, status=422, json=problem)
    with app.test_request_context():
        with pytest.raises(PlanAPIRejected) as first:
            submit()
        message = stored()
        assert message.last_error == f"PlanAPIRejected: {first.value}"
        assert message.response == problem and message.attempts == 1
        with pytest.raises(PlanAPIRejected) as again:
            submit()
        assert str(again.value) == message.last_error
        assert again.value.status == 422 and again.value.field_errors == {"departments": "unknown"}
        assert not outbox.sent("consent.withdraw", "p-mette", "c-1", CALLER, FORM_KEY)
    assert len(fake_planapi.requests) == 1, "a refused write is never sent again"


def test_a_queued_form_counts_as_sent_and_its_receipt_is_found_by_kind(
    app: Flask, fake_planapi: FakePlanAPI
) -> None:
    fake_planapi.down("POST", PATH)
    with app.test_request_context():
        submit()
        assert outbox.sent("consent.withdraw", "p-mette", "c-1", CALLER, FORM_KEY)
        assert outbox.receipt(["consent.renew", "consent.withdraw"], "p-mette", CALLER, FORM_KEY)
        assert outbox.receipt(["consent.renew"], "p-mette", CALLER, FORM_KEY) is None
        assert outbox.receipt(["consent.withdraw"], "p-jonas", CALLER, FORM_KEY) is None
        assert outbox.receipt(["consent.withdraw"], "p-mette", CALLER, FORM_KEY[::-1]) is None


OTHER_FORM = "fedcba9876543210fedcba9876543210"
JONAS_PATH = paths.withdrawals("p-jonas", "c-9")


def broken(request: httpx.Request) -> httpx.Response:
    """A plan-API client failing in a way it does not expect (not a PlanAPIError)."""
    raise RuntimeError("a bug in a client")


def submit_for_jonas() -> outbox.Delivery:
    """Another citizen's write, beside Mette's."""
    jonas = Caller(actor_id="p-jonas", actor_role="citizen", basis="self")
    return outbox.submit(ConsentsClient.withdraw("p-jonas", "c-9", ["social"]), jonas, FORM_KEY)


def test_delivering_later_takes_one_person_or_a_limit_and_stops_while_down(
    app: Flask, fake_planapi: FakePlanAPI
) -> None:
    fake_planapi.down("POST", PATH)
    fake_planapi.down("POST", JONAS_PATH)
    with app.test_request_context():
        submit()
        submit(OTHER_FORM)
        submit_for_jonas()
        assert outbox.deliver_pending() == 0
        tried = len(fake_planapi.requests)
    assert tried == 3 + 1, "a round stops at the first write the plan API cannot take"
    fake_planapi.on("POST", PATH, status=201, json={"id": "ev-1"})
    fake_planapi.on("POST", JONAS_PATH, status=201, json={"id": "ev-2"})
    with app.test_request_context():
        assert outbox.deliver_pending("p-jonas") == 1
        assert [m.person_id for m in outbox.pending("p-mette")] == ["p-mette", "p-mette"]
        assert outbox.pending("p-jonas") == []
        assert outbox.deliver_pending(limit=1) == 1
        assert len(outbox.pending("p-mette")) == 1
        assert outbox.deliver_pending() == 1


def test_a_refused_write_does_not_hold_up_the_ones_after_it(
    app: Flask, fake_planapi: FakePlanAPI
) -> None:
    fake_planapi.down("POST", PATH)
    with app.test_request_context():
        submit()
        submit(OTHER_FORM)
    answers = iter([(422, {"title": "Invalid"}), (201, {"id": "ev-2"})])

    def one_then_other(request: httpx.Request) -> httpx.Response:
        code, body = next(answers)
        return httpx.Response(code, json=body)

    fake_planapi.on("POST", PATH, handler=one_then_other)
    with app.test_request_context():
        assert outbox.deliver_pending() == 1
        assert [status(), status(KEY.replace(FORM_KEY, OTHER_FORM))] == ["rejected", "delivered"]


def test_delivering_on_a_page_view_never_fails_the_page(
    app: Flask, fake_planapi: FakePlanAPI, caplog: pytest.LogCaptureFixture
) -> None:
    fake_planapi.down("POST", PATH)
    with app.test_request_context():
        submit()
    fake_planapi.on("POST", PATH, handler=broken)
    with app.test_request_context():
        outbox.deliver_soon("p-mette")
        assert "opportunistic outbox delivery failed" in caplog.text
        db.session.commit()  # the page goes on and writes something of its own
        assert (status(), stored().attempts) == ("pending", 1), "the failed try was undone"
    fake_planapi.on("POST", PATH, status=201, json={"id": "ev-1"})
    with app.test_request_context():
        outbox.deliver_soon("p-mette")
        assert status() == "delivered"


def test_the_deliver_command_says_how_many_it_delivered(
    app: Flask, fake_planapi: FakePlanAPI
) -> None:
    fake_planapi.down("POST", PATH)
    with app.test_request_context():
        submit()
    fake_planapi.on("POST", PATH, status=201, json={"id": "ev-1"})
    result = app.test_cli_runner().invoke(args=["outbox", "deliver"])
    assert result.exit_code == 0 and result.output == "delivered 1\n"


class _Stop(Exception):
    pass


def test_the_deliverer_loop_logs_its_rounds_and_survives_a_failed_one(
    app: Flask,
    fake_planapi: FakePlanAPI,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """`outbox run` delivers, logs what it delivered, keeps going after a round that
    failed, and waits --interval seconds between rounds (the sleep is stopped here)."""
    fake_planapi.down("POST", PATH)
    with app.test_request_context():
        submit()
    rounds = iter(["broken", "up"])

    def answer(request: httpx.Request) -> httpx.Response:
        if next(rounds) == "broken":
            return broken(request)
        return httpx.Response(201, json={"id": "ev-1"})

    fake_planapi.on("POST", PATH, handler=answer)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 2:
            raise _Stop

    monkeypatch.setattr(outbox.time, "sleep", sleep)
    caplog.set_level("INFO")
    result = app.test_cli_runner().invoke(args=["outbox", "run", "--interval", "0.5"])
    assert isinstance(result.exception, _Stop)
    assert slept == [0.5, 0.5]
    assert "outbox round failed" in caplog.text
    assert "outbox delivered 1" in caplog.text
    with app.test_request_context():
        assert (status(), stored().attempts) == ("delivered", 2), "the failed round was undone"
    default = app.test_cli_runner().invoke(args=["outbox", "run", "--help"])
    assert "[default: 2.0]" in default.output


def test_a_page_view_delivers_at_most_ten_waiting_writes(
    app: Flask, fake_planapi: FakePlanAPI
) -> None:
    """The page must stay quick: the rest is left to the deliverer process."""
    fake_planapi.down("POST", PATH)
    with app.test_request_context():
        for n in range(11):
            submit(f"{n:032x}")
    fake_planapi.on("POST", PATH, status=201, json={"id": "ev-1"})
    with app.test_request_context():
        outbox.deliver_soon("p-mette")
        assert len(outbox.pending("p-mette")) == 1


def test_a_write_that_leaves_pending_in_this_request_is_no_longer_listed(
    app: Flask, fake_planapi: FakePlanAPI
) -> None:
    fake_planapi.down("POST", PATH)
    with app.test_request_context():
        submit()
        assert len(outbox.pending("p-mette")) == 1
        stored().status = "delivered"  # by any path, within this request
        assert outbox.pending("p-mette") == []


def test_a_stored_error_is_cut_to_500_characters(app: Flask, fake_planapi: FakePlanAPI) -> None:
    def long_refusal(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused " + "x" * 1000, request=request)

    fake_planapi.on("POST", PATH, handler=long_refusal)
    with app.test_request_context():
        submit()
        assert len(stored().last_error or "") == 500
    fake_planapi.on("POST", PATH, status=422, json={"title": "Invalid " + "y" * 1000})
    with app.test_request_context(), pytest.raises(PlanAPIRejected):
        submit(OTHER_FORM)
    with app.test_request_context():
        assert len(stored(KEY.replace(FORM_KEY, OTHER_FORM)).last_error or "") == 500


def test_a_write_stored_without_a_purpose_is_sent_without_one(
    app: Flask, fake_planapi: FakePlanAPI
) -> None:
    """Rows queued before the purpose was stored with the caller are still delivered."""
    fake_planapi.down("POST", PATH)
    with app.test_request_context():
        submit()
        message = stored()
        message.caller = {k: v for k, v in message.caller.items() if k != "purpose"}
        db.session.commit()
    fake_planapi.on("POST", PATH, status=201, json={"id": "ev-1"})
    with app.test_request_context():
        assert outbox.deliver_pending() == 1
    assert "X-Purpose" not in fake_planapi.requests[-1].headers


def test_a_double_submit_that_loses_the_race_takes_the_stored_write(
    app: Flask, fake_planapi: FakePlanAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests with the same form at once: both look, neither finds the write, both
    store it; the unique key refuses the second, which then answers from the first."""
    fake_planapi.down("POST", PATH)
    with app.test_request_context():
        first = submit()
    real_find = outbox._find
    looks: list[str] = []

    def find(key: str) -> OutboxMessage | None:
        looks.append(key)
        return None if len(looks) == 1 else real_find(key)  # the first look is too early

    monkeypatch.setattr(outbox, "_find", find)
    with app.test_request_context():
        second = submit()
        assert second == first and count() == 1
        assert len(looks) == 2


def test_a_stored_write_is_sent_as_it_was_described_with_its_caller(
    app: Flask, fake_planapi: FakePlanAPI
) -> None:
    """What the deliverer rebuilds from a row is the write and caller the view gave."""
    write = Write(
        kind="consent.renew",
        person_id="p-mette",
        resource_id="c-1",
        path="/v1/persons/p-mette/consents/c-1",
        payload={"months": 12},
        method="PUT",
    )
    fake_planapi.down("PUT", write.path)
    with app.test_request_context():
        queued = outbox.submit(write, CALLER, FORM_KEY)
        message = stored(queued.idempotency_key)
        assert outbox._write_of(message) == write
        assert outbox._caller_from(message.caller) == CALLER
        older = {k: v for k, v in message.caller.items() if k != "purpose"}
        assert outbox._caller_from(older) == CALLER, "a row stored before the purpose was kept"
    assert fake_planapi.requests[-1].method == "PUT"


def test_sending_a_stored_form_again_writes_nothing_new(
    app: Flask, fake_planapi: FakePlanAPI
) -> None:
    """A double click finds the first write by its key: no second INSERT that the unique
    key would refuse."""
    fake_planapi.on("POST", PATH, status=201, json={"id": "ev-1"})
    with app.test_request_context():
        submit()
        with sql_sent() as statements:
            submit()
    assert [s for s in statements if s.upper().startswith("INSERT")] == []


def test_a_round_delivers_oldest_first_up_to_its_limit_and_counts_them(
    app: Flask, fake_planapi: FakePlanAPI
) -> None:
    fake_planapi.down("POST", PATH)
    with app.test_request_context():
        first, second = submit(), submit(OTHER_FORM)
        # The second form was stored first (e.g. by another portal process).
        stored(first.idempotency_key).created_at = stored(second.idempotency_key).created_at
        stored(second.idempotency_key).created_at -= timedelta(seconds=1)
        db.session.commit()
    with app.test_request_context():
        waiting = [m.idempotency_key for m in outbox.pending("p-mette")]
        assert waiting == [second.idempotency_key, first.idempotency_key], "oldest first"
    fake_planapi.on("POST", PATH, status=201, json={"id": "ev-1"})
    with app.test_request_context():
        with sql_sent() as statements:
            assert outbox.deliver_pending(limit=1) == 1
        assert [m.idempotency_key for m in outbox.pending("p-mette")] == [first.idempotency_key]
    # Oldest first by the query itself: SQLite happens to return the index's order without
    # it, PostgreSQL need not.
    assert any("ORDER BY outbox_message.created_at" in s for s in statements), statements
    fake_planapi.down("POST", PATH)
    with app.test_request_context():
        for n in range(101):
            submit(f"{n:032x}")
    fake_planapi.on("POST", PATH, status=201, json={"id": "ev-1"})
    with app.test_request_context():
        assert outbox.deliver_pending() == 100, "a round takes 100 by default"
        assert outbox.deliver_pending() == 2


def test_a_page_view_delivers_only_what_waits_for_its_own_citizen(
    app: Flask, fake_planapi: FakePlanAPI, caplog: pytest.LogCaptureFixture
) -> None:
    fake_planapi.down("POST", PATH)
    fake_planapi.down("POST", JONAS_PATH)
    with app.test_request_context():
        submit()
        submit_for_jonas()
    fake_planapi.on("POST", PATH, status=201, json={"id": "ev-1"})
    fake_planapi.on("POST", JONAS_PATH, status=201, json={"id": "ev-2"})
    with app.test_request_context():
        outbox.deliver_soon("p-mette")
        assert outbox.pending("p-mette") == [] and len(outbox.pending("p-jonas")) == 1

    fake_planapi.on("POST", JONAS_PATH, handler=broken)
    with app.test_request_context():
        outbox.deliver_soon("p-jonas")
    [record] = [r for r in caplog.records if r.name == app.logger.name]
    assert record.getMessage() == "opportunistic outbox delivery failed"
    assert record.levelname == "WARNING"
    assert record.exc_info and record.exc_info[0] is RuntimeError, "the traceback is logged"


def test_pending_asks_the_database_for_pending_rows_only_and_works_outside_a_request(
    app: Flask, fake_planapi: FakePlanAPI
) -> None:
    """A person's delivered writes only grow: the read leaves them in the database. The
    deliverer process has an app context but no request (no per-request cache then)."""
    fake_planapi.on("POST", PATH, status=201, json={"id": "ev-1"})
    with app.app_context():
        submit()
        with sql_sent() as statements:
            assert outbox.pending("p-mette") == []
    [read] = statements
    assert "outbox_message.status = ?" in read and "ORDER BY outbox_message.created_at" in read
    fake_planapi.down("POST", PATH)
    with app.app_context():  # one long-lived context, as the deliverer's: nothing cached
        assert outbox.pending("p-mette") == []
        queued = submit(OTHER_FORM)
        assert [m.idempotency_key for m in outbox.pending("p-mette")] == [queued.idempotency_key]
