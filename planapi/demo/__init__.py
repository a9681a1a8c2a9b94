"""Demo data. `personas` is plain data and imports nothing; `load` resets and loads."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def load(session: Session, today: date) -> None:
    """Delete every row, then load the demo world built around `today`. Idempotent."""
    from planapi.demo.loader import load as _load

    _load(session, today)
