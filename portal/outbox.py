"""Nothing a citizen submits is lost: every write to the plan API goes through the outbox.

The one write path: a resource client describes a write as a `Write` (what, whose,
which resource, where, body), and a view hands it here with the form key of the form
that was sent (`new_form_key()`, a hidden field made on the server):

    delivery = outbox.submit(ConsentsClient.renew(person_id, consent_id), caller, form_key)

`submit()` makes the idempotency key (`idempotency_key()`, the only place one is made:
bound to the kind, the person, the actor and the resource, so a form key can never touch
anyone else's write), stores the write and tries to deliver it at once. If the plan API
is down the write stays pending and `deliver_pending()` (run by `flask --app portal outbox
run`, and `deliver_soon()` on the citizen's next page view) delivers it later. The plan
API deduplicates on the key, so every write is recorded exactly once. `sent()` says if a
form was sent already (a double click), `receipt()` finds the stored write for a receipt
page, `pending()` what is still on its way.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import click
from flask import Flask, current_app, g, has_request_context
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from portal.clients.base import (
    Caller,
    PlanAPIClient,
    PlanAPIError,
    PlanAPIRejected,
    PlanAPIUnavailable,
    Write,
)
from portal.extensions import db
from portal.models import OutboxMessage, utcnow

FORM_KEY_LENGTH = 32
KEY_MAX = 200  # the plan API takes idempotency keys of 1-200 characters


@dataclass(frozen=True)
class Delivery:
    status: Literal["delivered", "queued"]
    idempotency_key: str
    response: dict[str, Any] | None


# --- keys ----------------------------------------------------------------------------


def new_form_key() -> str:
    """A fresh key for one form, put in a hidden field when the form is rendered."""
    return secrets.token_hex(FORM_KEY_LENGTH // 2)


def form_key(value: str | None) -> str | None:
    """A form key as sent back by the browser, or None if it is not one we make."""
    if value and len(value) == FORM_KEY_LENGTH and all(c in "0123456789abcdef" for c in value):
        return value
    return None


def idempotency_key(
    kind: str, person_id: str, actor_id: str, resource_id: str, form_key: str
) -> str:
    """The one idempotency key of the portal's writes.

    Bound to what is written, whose data, who acts and which resource: the same form
    sent twice gives the same key (one record); a form key taken from someone else's
    form, or sent for another resource, gives a different one.
    """
    key = f"{kind}:{person_id}:{actor_id}:{resource_id}:{form_key}"
    if len(key) <= KEY_MAX:
        return key
    return f"{kind[:60]}:{hashlib.sha256(key.encode()).hexdigest()}"


def _key(kind: str, person_id: str, resource_id: str, caller: Caller, form_key: str) -> str:
    return idempotency_key(kind, person_id, caller.actor_id, resource_id, form_key)


# --- sending -------------------------------------------------------------------------


def _caller_from(data: dict[str, Any]) -> Caller:
    return Caller(
        actor_id=data["actor_id"],
        actor_role=data["actor_role"],
        basis=data["basis"],
        purpose=data.get("purpose", ""),
    )


def _write_of(message: OutboxMessage) -> Write:
    return Write(
        kind=message.kind,
        person_id=message.person_id,
        resource_id=message.resource_id,
        path=message.path,
        payload=message.payload,
        method=message.method,  # type: ignore[arg-type]
    )


def _attempt(message: OutboxMessage) -> PlanAPIError | None:
    """One delivery attempt; updates the row (the caller commits).

    Returns the plan API's refusal, if it refused the write for good (validation,
    forbidden, unknown id): such a write is kept as `rejected`, never retried.
    """
    message.attempts += 1
    try:
        client = PlanAPIClient(_caller_from(message.caller))
        result = client.send(_write_of(message), message.idempotency_key)
    except PlanAPIUnavailable as exc:
        message.last_error = str(exc)[:500]
        return None
    except PlanAPIError as exc:
        message.status = "rejected"
        message.last_error = f"{type(exc).__name__}: {exc}"[:500]
        message.response = exc.problem
        return exc
    message.status = "delivered"
    message.delivered_at = utcnow()
    message.response = result
    message.last_error = None
    return None


def submit(write: Write, caller: Caller, form_key: str) -> Delivery:
    """Store and try to deliver one write. The same form twice gives the first result.

    Raises the plan API's refusal (PlanAPIRejected for validation, PlanAPIForbidden,
    PlanAPINotFound) so the view can tell the citizen; a down plan API is not an
    error here: the write is queued.
    """
    key = _key(write.kind, write.person_id, write.resource_id, caller, form_key)
    _forget_pending()
    message = _find(key)
    if message is None:
        db.session.add(
            OutboxMessage(
                idempotency_key=key,
                kind=write.kind,
                person_id=write.person_id,
                actor_id=caller.actor_id,
                resource_id=write.resource_id,
                form_key=form_key,
                method=write.method,
                path=write.path,
                payload=write.payload,
                caller={
                    "actor_id": caller.actor_id,
                    "actor_role": caller.actor_role,
                    "basis": caller.basis,
                    "purpose": caller.purpose,
                },
            )
        )
        try:
            db.session.commit()
        except IntegrityError:  # a concurrent double submit stored it first
            db.session.rollback()
        message = _find(key)
        assert message is not None
    refusal = None  # pragma: no mutate (only its truth is used: None and "" are the same here)
    if message.status == "pending":
        refusal = _attempt(message)
        db.session.commit()
    if message.status == "rejected":  # now, or when the form was first sent
        raise refusal or PlanAPIRejected(str(message.last_error), 422, message.response)
    # A write still on its way has no answer yet (the response is stored on delivery).
    return Delivery(
        status="delivered" if message.status == "delivered" else "queued",
        idempotency_key=key,
        response=message.response,
    )


def _find(key: str) -> OutboxMessage | None:
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))


# --- what was sent -------------------------------------------------------------------


def sent(kind: str, person_id: str, resource_id: str, caller: Caller, form_key: str) -> bool:
    """Whether this form was sent already (pending or delivered): a double click, or back
    and send again, goes to the first one's receipt."""
    status = db.session.scalar(
        select(OutboxMessage.status).where(
            OutboxMessage.idempotency_key == _key(kind, person_id, resource_id, caller, form_key)
        )
    )
    return status in ("pending", "delivered")


def receipt(
    kinds: Iterable[str], person_id: str, caller: Caller, form_key: str
) -> OutboxMessage | None:
    """The write sent with this form, by this actor for this person, for its receipt page."""
    return db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.person_id == person_id,
            OutboxMessage.actor_id == caller.actor_id,
            OutboxMessage.form_key == form_key,
            OutboxMessage.kind.in_(list(kinds)),
        )
    )


# Built once: the overview asks on every view, and building a statement costs about as
# much as running a small one (planapi/plan_rows.py). The same rows as ORM objects (for a
# session already in a transaction) and as plain rows (for a connection of their own).
_IS_PENDING = (OutboxMessage.person_id == bindparam("person_id"), OutboxMessage.status == "pending")
PENDING = select(OutboxMessage).where(*_IS_PENDING).order_by(OutboxMessage.created_at)
PENDING_ROWS = (
    select(*OutboxMessage.__table__.columns).where(*_IS_PENDING).order_by(OutboxMessage.created_at)
)


def pending(person_id: str, kinds: Iterable[str] | None = None) -> list[OutboxMessage]:
    """The person's writes still on their way, oldest first (of these kinds, if given).

    Read once per request and person (the overview asks for two kinds, the waiting list
    for more); a write or a delivery in this request reads again."""
    cache: dict[str, list[OutboxMessage]] = (
        g.setdefault("outbox_pending", {}) if has_request_context() else {}
    )
    if person_id not in cache:
        cache[person_id] = _read_pending(person_id)
    wanted = None if kinds is None else set(kinds)
    return [
        m
        for m in cache[person_id]
        if m.status == "pending" and (wanted is None or m.kind in wanted)
    ]


def _read_pending(person_id: str) -> list[OutboxMessage]:
    """The rows as committed, or as this request's transaction sees them if it has one.

    A page view that has not used the database yet (the overview, on every view) reads on
    a connection of its own in autocommit: one statement. Through the session it would be
    a transaction for one read, a BEGIN and a ROLLBACK, two more round trips to PostgreSQL.
    The rows come back as detached `OutboxMessage`s: read-only, like the session's. Once
    this request has its transaction, the session reads, so its own rows not yet committed
    count too."""
    if db.session().in_transaction():
        return list(db.session.scalars(PENDING, {"person_id": person_id}))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        rows = connection.execute(PENDING_ROWS, {"person_id": person_id}).mappings().all()
    return [OutboxMessage(**row) for row in rows]


def _forget_pending() -> None:
    if has_request_context():
        g.pop("outbox_pending", None)


# --- delivering later ----------------------------------------------------------------


def deliver_pending(person_id: str | None = None, limit: int = 100) -> int:
    """Try pending writes, oldest first; returns how many were delivered now.

    Two deliverers may pick the same row; the plan API's idempotency key makes the
    second send a no-op, so no locking is needed for exactly-once recording.
    """
    _forget_pending()
    query = select(OutboxMessage).where(OutboxMessage.status == "pending")
    if person_id:
        query = query.where(OutboxMessage.person_id == person_id)
    delivered = 0
    for message in db.session.scalars(query.order_by(OutboxMessage.created_at).limit(limit)).all():
        _attempt(message)
        db.session.commit()
        if message.status == "delivered":
            delivered += 1
        elif message.status == "pending":
            break  # the plan API is down: try again next round
    return delivered


def deliver_soon(person_id: str) -> None:
    """On the citizen's own page view: deliver what waits for them, if the plan API is up.

    Only a bonus (the deliverer process retries), so nothing here fails the page.
    """
    try:
        deliver_pending(person_id, limit=10)
    except Exception:
        current_app.logger.warning("opportunistic outbox delivery failed", exc_info=True)
        db.session.rollback()


def init_app(app: Flask) -> None:
    @app.cli.group()
    def outbox() -> None:
        """Deliver the writes that the plan API could not take at once."""

    @outbox.command("deliver")
    def deliver_once() -> None:
        print(f"delivered {deliver_pending()}")

    @outbox.command("run")
    @click.option("--interval", default=2.0, show_default=True)
    def run(interval: float) -> None:
        """Deliver pending writes forever (the demo and production run this beside the portal)."""
        while True:
            try:
                delivered = deliver_pending()
                if delivered:
                    current_app.logger.info("outbox delivered %d", delivered)
            except Exception:  # keep the loop alive; the next round retries
                current_app.logger.exception("outbox round failed")
                db.session.rollback()
            time.sleep(interval)
