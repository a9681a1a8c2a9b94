"""A started login is handed to the store with the moment it started, in UTC, and the
moment before which every other started login is forgotten; taking an unknown one gives
nothing (auth/pending.py, against a store that records what it is given)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from auth import pending
from auth.oidc import PENDING_TTL, Pending


class RecordingStates:
    def __init__(self) -> None:
        self.remembered: list[tuple[str, dict[str, Any], datetime, datetime]] = []
        self.kept: dict[str, dict[str, Any]] = {}

    def remember(self, state: str, data: dict[str, Any], now: datetime, cutoff: datetime) -> None:
        self.remembered.append((state, data, now, cutoff))
        self.kept[state] = data

    def take(self, state: str) -> dict[str, Any] | None:
        return self.kept.pop(state, None)


@pytest.fixture
def states() -> Any:
    app = Flask(__name__)
    store = RecordingStates()
    app.extensions["auth_login_states"] = store
    with app.app_context():
        yield store


def started(state: str = "s-1") -> Pending:
    return Pending("citizen", state, "n", "v", "https://portal.example/cb", "/plan", 1.0)


def test_a_login_is_remembered_with_its_start_in_utc_and_the_ttl_as_cutoff(
    states: RecordingStates,
) -> None:
    before = datetime.now(UTC)
    pending.remember(started())
    after = datetime.now(UTC)
    [(state, data, now, cutoff)] = states.remembered
    assert (state, data) == ("s-1", started().as_dict())
    # An aware UTC time (a naive one would compare with the stored rows in local time).
    assert now.tzinfo is UTC
    assert before <= now <= after
    assert now - cutoff == timedelta(seconds=PENDING_TTL)


def test_a_login_is_taken_once_and_an_unknown_one_gives_nothing(states: RecordingStates) -> None:
    pending.remember(started("s-2"))
    assert pending.take("s-2") == started("s-2")
    assert pending.take("s-2") is None
    assert pending.take("never-started") is None
