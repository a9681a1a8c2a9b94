"""A page's reads side by side: same g, same request, results in order, errors surface."""

from __future__ import annotations

import threading

import pytest
from flask import Flask, g, request, url_for
from flask_babel import gettext
from sqlalchemy import func, select

from portal import parallel
from portal.extensions import db
from portal.models import OutboxMessage


def test_calls_run_at_once_and_share_the_request(app: Flask) -> None:
    with app.test_request_context("/overblik", headers={"Accept-Language": "da"}):
        g.acting = "Mette"
        # Each part waits at the barrier until all four have reached it: run one after
        # another, the first would wait alone and the barrier break (no clock bound to flake).
        together = threading.Barrier(4, timeout=10)

        def part(n: int) -> tuple[int, str, str, str, str, int]:
            together.wait()
            g.setdefault("seen", []).append(n)
            count = db.session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
            return n, g.acting, request.path, url_for("overview.index"), gettext("Overview"), count

        results = parallel.run(*(lambda n=n: part(n) for n in range(4)))
        assert [r[0] for r in results] == [0, 1, 2, 3]
        assert {r[1:] for r in results} == {("Mette", "/overblik", "/overblik", "Overblik", 0)}
        assert sorted(g.seen) == [0, 1, 2, 3]
        assert not together.broken


def test_an_error_in_a_part_is_raised_in_the_request(app: Flask) -> None:
    def broken() -> None:
        raise LookupError("part failed")

    with app.test_request_context("/overblik"), pytest.raises(LookupError):
        parallel.run(lambda: 1, broken)


def test_posts_and_switched_off_run_in_turn(app: Flask) -> None:
    threads: list[str] = []

    def part() -> None:
        threads.append(threading.current_thread().name)

    with app.test_request_context("/x", method="POST"):
        parallel.run(part, part)
    app.config["PLANAPI_PARALLEL"] = False
    with app.test_request_context("/x"):
        parallel.run(part, part)
    assert set(threads) == {threading.current_thread().name}
