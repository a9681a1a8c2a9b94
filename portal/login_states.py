"""Logins under way in the portal's database (`auth.pending.LoginStates`).

Taking is one `DELETE ... RETURNING`: of two callbacks with the same state exactly one gets
the row, on SQLite and PostgreSQL alike, and every worker and machine sees the same rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete

from portal.extensions import db
from portal.models import LoginState


class DatabaseLoginStates:
    def remember(self, state: str, data: dict[str, Any], now: datetime, cutoff: datetime) -> None:
        db.session.execute(delete(LoginState).where(LoginState.created_at < cutoff))
        db.session.add(LoginState(state=state, data=data, created_at=now))
        db.session.commit()

    def take(self, state: str) -> dict[str, Any] | None:
        row = db.session.execute(
            delete(LoginState).where(LoginState.state == state).returning(LoginState.data)
        ).first()
        db.session.commit()
        return None if row is None else dict(row[0])
