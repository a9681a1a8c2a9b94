"""What a database connection needs, whichever app opens it (the portal and the plan API).

Neutral ground like `identity`: it imports neither app.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


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
