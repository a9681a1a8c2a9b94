"""The access log grouped as people think of it: visits, by reader, other people first.

A person's log holds hundreds of entries, most of them their own page views. A *visit* is
one reader's entries with less than `VISIT_GAP` between one and the next; the page shows
other people's visits first (newest first) and the person's own visits only on request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from portal.clients.access_log import AccessLogEntry

VISIT_GAP = timedelta(minutes=30)


@dataclass
class Visit:
    actor_id: str
    actor_name: str
    actor_kind: str
    start: datetime
    end: datetime
    entries: list[AccessLogEntry] = field(default_factory=list)

    @property
    def areas(self) -> list[str]:
        """The kinds of data seen or changed, each once, in the order first touched."""
        ordered = sorted(self.entries, key=lambda e: e.at)
        return list(dict.fromkeys(area for e in ordered for area in e.areas))

    @property
    def changed_areas(self) -> list[str]:
        """The kinds of data changed in the visit."""
        ordered = sorted(self.entries, key=lambda e: e.at)
        changes = (e for e in ordered if e.action == "change" and not e.refused)
        return list(dict.fromkeys(area for e in changes for area in e.areas))

    @property
    def seen_areas(self) -> list[str]:
        """The kinds of data only seen in the visit, not changed."""
        changed = set(self.changed_areas)
        return [area for area in self.areas if area not in changed]

    @property
    def refused(self) -> int:
        return sum(1 for e in self.entries if e.refused)

    @property
    def changed(self) -> bool:
        return any(e.action == "change" for e in self.entries)

    @property
    def action(self) -> str:
        """What the visit did, the strongest first: changed, previewed, downloaded, read."""
        done = {e.action for e in self.entries if not e.refused}
        return next((a for a in ("change", "preview", "export") if a in done), "read")

    @property
    def bases(self) -> list[str]:
        return list(dict.fromkeys(e.basis or "" for e in self.entries if e.basis))

    @property
    def purposes(self) -> list[str]:
        return list(dict.fromkeys(e.purpose for e in self.entries if e.purpose))


@dataclass
class Grouped:
    others: list[Visit]  # other people's visits, newest first
    own: list[Visit]  # the reader's own visits, newest first

    @property
    def own_entries(self) -> int:
        return sum(len(v.entries) for v in self.own)


def visits(entries: Iterable[AccessLogEntry]) -> list[Visit]:
    """Entries grouped into visits per reader, newest visit first."""
    ordered = sorted(entries, key=lambda e: (e.actor.id, e.at))
    found: list[Visit] = []
    current: Visit | None = None
    for entry in ordered:
        if (
            current is None
            or entry.actor.id != current.actor_id
            or entry.at - current.end > VISIT_GAP
        ):
            current = Visit(
                actor_id=entry.actor.id,
                actor_name=entry.actor.name,
                actor_kind=str(entry.actor.kind),
                start=entry.at,
                end=entry.at,
            )
            found.append(current)
        current.entries.append(entry)
        current.end = entry.at
    return sorted(found, key=lambda v: v.end, reverse=True)


def group(entries: Iterable[AccessLogEntry], own_actor_id: str | None) -> Grouped:
    """Other people's visits apart from the reader's own (`own_actor_id`, None for none)."""
    every = visits(entries)
    own = [v for v in every if own_actor_id is not None and v.actor_id == own_actor_id]
    others = [v for v in every if own_actor_id is None or v.actor_id != own_actor_id]
    return Grouped(others=others, own=own)
