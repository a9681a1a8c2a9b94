"""Who is asking, for whom and on what basis: the words `auth` and the portal's plan-API
clients share. Neutral ground: it imports neither, so `auth` never reaches up into the
portal and the portal's clients do not depend on the login machinery.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

Basis = Literal["self", "custody", "power_of_attorney", "caseworker_preview"]
Role = Literal["citizen", "caseworker"]


@dataclass(frozen=True)
class Caller:
    """Who is asking, for whom, and on what basis. Sent on every person-scoped call."""

    actor_id: str
    actor_role: Role
    basis: Basis
    purpose: str = ""

    # One factory per basis, so nobody spells a Caller out by hand.

    @classmethod
    def as_self(cls, person_id: str) -> Caller:
        """A citizen about their own data (also the calendar feed, read as the person)."""
        return cls(actor_id=person_id, actor_role="citizen", basis="self")

    @classmethod
    def custody(cls, parent_id: str) -> Caller:
        """A parent with custody, about their child."""
        return cls(actor_id=parent_id, actor_role="citizen", basis="custody")

    @classmethod
    def power_of_attorney(cls, holder_id: str) -> Caller:
        """The holder of a power of attorney (fuldmagt), about the person who gave it."""
        return cls(actor_id=holder_id, actor_role="citizen", basis="power_of_attorney")

    @classmethod
    def preview(cls, caseworker_id: str, purpose: str = "") -> Caller:
        """A caseworker's read-only preview (the purpose is logged by the plan API)."""
        return cls(
            actor_id=caseworker_id,
            actor_role="caseworker",
            basis="caseworker_preview",
            purpose=purpose,
        )

    @classmethod
    def citizen(cls, actor_id: str, basis: Basis) -> Caller:
        """A citizen acting on the basis the plan API gave them for a person."""
        factories = {
            "self": cls.as_self,
            "custody": cls.custody,
            "power_of_attorney": cls.power_of_attorney,
        }
        if basis not in factories:
            raise ValueError(f"not a citizen's basis: {basis}")
        return factories[basis](actor_id)

    def headers(self) -> dict[str, str]:
        headers = {
            "X-Actor-Id": self.actor_id,
            "X-Actor-Role": self.actor_role,
            "X-Basis": self.basis,
        }
        if self.purpose:
            # Headers are ASCII; the contract carries the purpose percent-encoded UTF-8.
            headers["X-Purpose"] = quote(self.purpose, safe=" ")
        return headers
