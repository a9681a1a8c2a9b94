"""The simulator's test identities: the fictitious demo personas, read from one place."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

_SUB_NAMESPACE = uuid.UUID("6f1c2a8e-52f4-4b8e-9a55-3d7a3c0f8b11")


@dataclass(frozen=True)
class Identity:
    key: str  # what the login form posts: the persona id
    name: str
    summary: str
    cpr: str = ""  # citizens only: ten digits
    workforce_id: str = ""  # caseworkers only
    title: str = ""

    @property
    def sub(self) -> str:
        """A stable pseudonym, like NemLog-in's: never the CPR number itself."""
        if self.workforce_id:
            return self.workforce_id
        return str(uuid.uuid5(_SUB_NAMESPACE, self.cpr))


def citizens(config: dict[str, Any]) -> tuple[Identity, ...]:
    if config.get("SIMULATOR_CITIZENS") is not None:
        return tuple(Identity(**c) for c in config["SIMULATOR_CITIZENS"])
    from planapi.demo.personas import CITIZENS

    return tuple(
        Identity(key=c["id"], name=c["name"], summary=c["summary"], cpr=c["cpr"]) for c in CITIZENS
    )


def caseworkers(config: dict[str, Any]) -> tuple[Identity, ...]:
    if config.get("SIMULATOR_CASEWORKERS") is not None:
        return tuple(Identity(**c) for c in config["SIMULATOR_CASEWORKERS"])
    from planapi.demo.personas import CASEWORKERS

    return tuple(
        Identity(
            key=c["id"],
            name=c["name"],
            summary=c["summary"],
            workforce_id=c["workforce_id"],
            title=c["title"],
        )
        for c in CASEWORKERS
    )
