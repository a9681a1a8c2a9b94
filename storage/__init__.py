"""What a database connection needs, whichever app opens it (the portal and the plan API).

Neutral ground like `identity`: it imports neither app.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError


def tune_sqlite(engine: Engine) -> None:
    """SQLite (the demo and the tests' SQLite profile): write-ahead logging.

    Every plan-API read also writes to the access log, so in SQLite's default journal mode
    each commit locks readers out too, and a hundred citizens queue behind one lock until
    the portal gives up (a 503). With WAL, readers never wait for a writer and writers
    wait only for each other. Durability stays as it was (synchronous FULL: each commit is
    on disk before it returns). PostgreSQL engines are left alone.
    """
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return

    @event.listens_for(engine, "connect")
    def _write_ahead_log(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


IDLE_PING_SECONDS = 10.0


def ping_when_idle(engine: Engine, idle_seconds: float = IDLE_PING_SECONDS) -> None:
    """Check a pooled connection before use only when it has sat unused for `idle_seconds`.

    For the plan API instead of `pool_pre_ping`, which checks before every use: one more
    round trip to the database per request. A connection used moments ago is alive but for
    a restart of the database in between; then its request fails once (a 500, which the
    portal retries for a read and its outbox for a write), the pool is renewed, and the
    next request gets a fresh connection. A connection idle longer (a quiet night, a
    firewall's idle cut) is pinged, and a dead one replaced before anyone sees it. The
    portal keeps `pool_pre_ping`: a failed citizen's submit is worse than a round trip.
    """

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned < idle_seconds:
            return  # new, or used moments ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # any failure to answer: the pool reconnects (3 tries)
            raise DisconnectionError("idle connection did not answer a ping") from exc
        if not alive:
            raise DisconnectionError("idle connection did not answer a ping")
