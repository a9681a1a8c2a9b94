"""The plan API's connections are pinged only after sitting idle (storage.ping_when_idle):
no round trip before a connection used moments ago, and a dead idle one replaced before
anyone sees it. On SQLite and, with PLANAPI_TEST_DATABASE_URL, on PostgreSQL (there a
connection is killed the way a restart kills it: its server process terminated)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

import storage
from planapi.extensions import db
from tests.unit.planapi.conftest import APP, DATABASE_URL


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(storage.time, "monotonic", clock)
    return clock


@pytest.fixture
def engine(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    engine = create_engine(DATABASE_URL, pool_size=1, max_overflow=0)
    storage.ping_when_idle(engine, idle_seconds=10)
    yield engine
    engine.dispose()


def pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    seen: list[Any] = []
    real = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        seen.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return seen


def use(engine: Engine) -> Any:
    """One statement on a pooled connection; the DBAPI connection it ran on."""
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
        return connection.connection.dbapi_connection


def kill(engine: Engine, dbapi_connection: Any) -> None:
    """End a pooled connection from outside, as a database restart does."""
    if engine.dialect.name == "postgresql":
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        dbapi_connection.rollback()
        killer = create_engine(DATABASE_URL, poolclass=None)
        with killer.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            connection.commit()
        killer.dispose()
    else:
        dbapi_connection.close()


def test_the_plan_apis_own_engine_pings_only_when_idle(
    clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    with APP.app_context():
        db.engine.dispose()  # only connections returned on this test's clock
        seen = pings(db.engine, monkeypatch)
        use(db.engine)
        clock.now += 5
        use(db.engine)
        assert seen == [], "pinged before a use moments after the last"
        clock.now += 10.5
        use(db.engine)
        assert len(seen) == 1


def test_a_connection_used_moments_ago_is_not_pinged(
    engine: Engine, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = pings(engine, monkeypatch)
    first = use(engine)  # a new connection: nothing to check
    clock.now += 9.9
    assert use(engine) is first
    assert seen == []


def test_an_idle_connection_is_pinged_and_kept_when_it_answers(
    engine: Engine, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = pings(engine, monkeypatch)
    first = use(engine)
    clock.now += 10.5
    assert use(engine) is first
    assert seen == [first]
    assert use(engine) is first and seen == [first], "used again at once: no second ping"


def test_a_dead_idle_connection_is_replaced_before_it_is_used(
    engine: Engine, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = pings(engine, monkeypatch)
    first = use(engine)
    kill(engine, first)
    clock.now += 60
    second = use(engine)  # no error: the ping found it dead, the pool connected anew
    assert second is not first and seen == [first]


def test_a_dead_connection_used_moments_ago_fails_once_then_the_pool_is_renewed(
    engine: Engine, clock: Clock
) -> None:
    """The price of not pinging before every use, and why it is small: one request fails
    (the portal retries a read, its outbox a write) and the next one connects anew."""
    first = use(engine)
    kill(engine, first)
    with pytest.raises(DBAPIError) as failed:
        use(engine)
    assert failed.value.connection_invalidated
    assert use(engine) is not first
