"""Logins under way, in the portal's database: remembered at the start, taken once at the end.

Taking is one `DELETE ... RETURNING`, so two callbacks with the same `state` (a double
click, a replay, a race) cannot both get it, whatever the identity provider does with its
codes. The browser's session holds only the states it started (the binding to the browser).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete

from auth.oidc import PENDING_TTL, Pending
from portal.extensions import db
from portal.models import LoginState


def remember(pending: Pending) -> None:
    now = datetime.now(UTC)
    db.session.execute(
        delete(LoginState).where(LoginState.created_at < now - timedelta(seconds=PENDING_TTL))
    )
    db.session.add(LoginState(state=pending.state, data=pending.as_dict(), created_at=now))
    db.session.commit()


def take(state: str) -> Pending | None:
    """The login started with this state, removed in the same statement; None if gone."""
    row = db.session.execute(
        delete(LoginState).where(LoginState.state == state).returning(LoginState.data)
    ).first()
    db.session.commit()
    if row is None:
        return None
    return Pending(**row[0])
