"""What a person's consent lets the departments share now: the effect of a withdrawal.

The joint plan rests on the person's consent. A department whose consent scope is
withdrawn (or whose consent expired) no longer shares with the others: it keeps its own
part of the plan, and a read that needed the shared plan no longer gets that part.
The joint follow-up measurements (questionnaires) stop when no department shares any more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from flask import g
from sqlalchemy import select

from planapi import clock
from planapi.extensions import db
from planapi.models import Consent, ConsentScope

if TYPE_CHECKING:
    from planapi.rows import Joined

Status = Literal["active", "partial", "withdrawn", "expired", "none"]


@dataclass(frozen=True)
class Sharing:
    status: Status
    shared: tuple[str, ...]  # departments that share with each other now
    stopped: tuple[str, ...]  # departments that shared before and no longer do
    since: datetime | None  # when the latest department stopped sharing

    @property
    def joint(self) -> bool:
        """Whether the plan is still a shared plan (also: no consent recorded at all)."""
        return self.status in ("active", "partial", "none")

    def shares(self, department: str | None) -> bool:
        """Whether a part of the plan from `department` (None: the joint parts) is shared."""
        if self.status == "none":
            return True
        return bool(self.shared) if department is None else department in self.shared


def of_person(person_id: str, moment: datetime | None = None) -> Sharing:
    """The person's sharing now, in one query, once per request."""
    cache: dict[str, Sharing] = g.setdefault("sharing", {}) if moment is None else {}
    if person_id not in cache:
        cache[person_id] = _of_person(person_id, moment or clock.now())
    return cache[person_id]


def of_consents(person_id: str, consents: Sequence[Consent | Joined]) -> Sharing:
    """The person's sharing now from their consents already loaded with their scopes (a
    composite read that shows the consents too): the same answer as `of_person`, without
    its query, and remembered for the rest of the request."""
    cache: dict[str, Sharing] = g.setdefault("sharing", {})
    if person_id not in cache:
        rows = [
            (scope.department, scope.withdrawn_at, consent.withdrawn_at, consent.expires_at)
            for consent in sorted(consents, key=lambda c: (c.granted_at, c.id))
            for scope in consent.scopes
        ]
        cache[person_id] = _summarise(rows, clock.now())
    return cache[person_id]


def _of_person(person_id: str, moment: datetime) -> Sharing:
    rows = db.session.execute(
        select(
            ConsentScope.department,
            ConsentScope.withdrawn_at,
            Consent.withdrawn_at,
            Consent.expires_at,
        )
        .join(Consent, Consent.id == ConsentScope.consent_id)
        .where(Consent.person_id == person_id)
        # The order of_consents lists them in: the older consent's departments first.
        .order_by(Consent.granted_at, Consent.id, ConsentScope.position)
    ).all()
    return _summarise([(d, sw, cw, exp) for d, sw, cw, exp in rows], moment)


ScopeRow = tuple[str, datetime | None, datetime | None, datetime]


def _summarise(rows: Sequence[ScopeRow], moment: datetime) -> Sharing:
    """Each row: a scope's department, when it was withdrawn, when its consent was
    withdrawn and when that consent expires."""
    if not rows:
        return Sharing("none", (), (), None)
    shared: list[str] = []
    ended: dict[str, datetime] = {}
    expired = False
    for department, scope_withdrawn, consent_withdrawn, expires_at in rows:
        end = scope_withdrawn or consent_withdrawn
        if end is None and expires_at <= moment:
            end, expired = expires_at, True
        if end is None or end > moment:
            shared.append(department)
        else:
            ended[department] = max(end, ended.get(department, end))
    stopped = tuple(d for d in ended if d not in shared)
    since = max((ended[d] for d in stopped), default=None)
    if shared:
        status: Status = "partial" if stopped else "active"
    else:
        status = "expired" if expired else "withdrawn"
    return Sharing(status, tuple(dict.fromkeys(shared)), stopped, since)


def as_json(sharing: Sharing) -> dict[str, object]:
    return {
        "status": sharing.status,
        "shared_departments": list(sharing.shared),
        "stopped_departments": list(sharing.stopped),
        "stopped_at": clock.iso(sharing.since),
    }
