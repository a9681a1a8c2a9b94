"""What login, choosing a person and a caseworker's preview need to know about people.

`auth` asks through this protocol and does not know where the answers come from; the
portal passes its plan-API implementation (`portal/directory.py`) to `auth.guards.init_app`,
so nothing under `auth/` imports the portal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from auth.session import Option
from identity import Caller


class Unknown(Exception):
    """The directory does not know this person or caseworker."""


@dataclass(frozen=True)
class Known:
    """A person or caseworker as login needs them."""

    id: str
    name: str
    age: int | None = None


class Directory(Protocol):
    def resolve_person(self, cpr: str) -> Known:
        """The person with this CPR number, or Unknown."""
        ...

    def options(self, person_id: str) -> list[Option]:
        """Whom the person may act for now (themself, children in custody, powers of
        attorney), as the person themself asks."""
        ...

    def resolve_caseworker(self, workforce_id: str) -> Known:
        """The caseworker with this workforce id, or Unknown."""
        ...

    def caseload(self, caseworker_id: str) -> set[str]:
        """The person ids in the caseworker's caseload."""
        ...

    def person(self, caller: Caller, person_id: str) -> Known:
        """One person as the caller may see them, or Unknown."""
        ...
