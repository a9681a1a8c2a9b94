"""Logins under way: remembered at the start, taken once at the end.

`auth` keeps them through the `LoginStates` protocol and does not know where; the portal
passes its database implementation (`portal/login_states.py`, one `DELETE ... RETURNING`
per take, so two callbacks with the same `state` — a double click, a replay, a race —
cannot both get it, whatever the identity provider does with its codes) to
`auth.guards.init_app`. The browser's session holds only the states it started (the
binding to the browser).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from flask import current_app

from auth.oidc import PENDING_TTL, Pending


class LoginStates(Protocol):
    def remember(self, state: str, data: dict[str, Any], now: datetime, cutoff: datetime) -> None:
        """Keep a started login (and forget every one started before `cutoff`)."""
        ...

    def take(self, state: str) -> dict[str, Any] | None:
        """The started login's data, removed in the same step; None if it is gone. Of two
        takes of one state, at most one gets it."""
        ...


def _store() -> LoginStates:
    store: LoginStates = current_app.extensions["auth_login_states"]
    return store


def remember(pending: Pending) -> None:
    now = datetime.now(UTC)
    _store().remember(pending.state, pending.as_dict(), now, now - timedelta(seconds=PENDING_TTL))


def take(state: str) -> Pending | None:
    """The login started with this state, taken once; None if gone."""
    data = _store().take(state)
    return None if data is None else Pending(**data)
