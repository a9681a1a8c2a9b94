"""Nothing a citizen submits is lost: writes go through the outbox.

`submit()` stores the write, then tries to deliver it at once. If the plan API is down
the write stays pending and `deliver_pending()` (run by `flask --app portal outbox run`,
and opportunistically on the citizen's next page view) delivers it later. The plan API
deduplicates on the idempotency key, so every write is recorded exactly once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

import click
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.clients.base import (
    APIModel,
    Caller,
    PlanAPIClient,
    PlanAPIError,
    PlanAPIRejected,
    PlanAPIUnavailable,
)
from portal.extensions import db
from portal.models import OutboxMessage, utcnow


class _Raw(APIModel):
    model_config = {"extra": "allow", "frozen": True}


@dataclass(frozen=True)
class Delivery:
    status: Literal["delivered", "queued"]
    idempotency_key: str
    response: dict[str, Any] | None


def _caller_from(data: dict[str, Any]) -> Caller:
    return Caller(
        actor_id=data["actor_id"],
        actor_role=data["actor_role"],
        basis=data["basis"],
        purpose=data.get("purpose", ""),
    )


def _attempt(message: OutboxMessage) -> PlanAPIError | None:
    """One delivery attempt; updates the row (the caller commits).

    Returns the plan API's refusal, if it refused the write for good (validation,
    forbidden, unknown id): such a write is kept as `rejected`, never retried.
    """
    message.attempts += 1
    try:
        client = PlanAPIClient(_caller_from(message.caller))
        result: _Raw = client.post(
            message.path, _Raw, json=message.payload, idempotency_key=message.idempotency_key
        )
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
    message.response = result.model_dump()
    message.last_error = None
    return None


def submit(
    *,
    kind: str,
    caller: Caller,
    person_id: str,
    path: str,
    payload: dict[str, Any],
    idempotency_key: str,
) -> Delivery:
    """Store and try to deliver one write. The same key twice gives the first result.

    Raises the plan API's refusal (PlanAPIRejected for validation, PlanAPIForbidden,
    PlanAPINotFound) so the view can tell the citizen; a down plan API is not an
    error here: the write is queued.
    """
    message = _find(idempotency_key)
    if message is None:
        db.session.add(
            OutboxMessage(
                idempotency_key=idempotency_key,
                kind=kind,
                person_id=person_id,
                path=path,
                payload=payload,
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
        message = _find(idempotency_key)
        assert message is not None
    refusal = None
    if message.status == "pending":
        refusal = _attempt(message)
        db.session.commit()
    if message.status == "rejected":
        raise refusal or PlanAPIRejected(message.last_error or "rejected", 422, message.response)
    return Delivery(
        status="delivered" if message.status == "delivered" else "queued",
        idempotency_key=idempotency_key,
        response=message.response if message.status == "delivered" else None,
    )


def _find(idempotency_key: str) -> OutboxMessage | None:
    return db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key)
    )


def pending_for(person_id: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.person_id == person_id, OutboxMessage.status == "pending")
            .order_by(OutboxMessage.created_at)
        )
    )


def status_of(idempotency_key: str) -> str | None:
    return db.session.scalar(
        select(OutboxMessage.status).where(OutboxMessage.idempotency_key == idempotency_key)
    )


def deliver_pending(person_id: str | None = None, limit: int = 100) -> int:
    """Try pending writes, oldest first; returns how many were delivered now.

    Two deliverers may pick the same row; the plan API's idempotency key makes the
    second send a no-op, so no locking is needed for exactly-once recording.
    """
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
