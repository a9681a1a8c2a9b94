"""Who is calling, for whom, on what basis - checked here, not taken on trust.

The portal states the caller context in headers; this module re-checks it against the
server's own records (custody only while the child is under 18 on the server's today,
power of attorney only within its scope and period, caseworkers only for their caseload)
and writes every person-scoped read and every refusal to that person's access log.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import unquote

from flask import current_app, g, request
from sqlalchemy import insert, select

from planapi import clock
from planapi.extensions import db
from planapi.models import (
    AccessLogEntry,
    CaseloadEntry,
    Caseworker,
    Person,
    Relation,
    new_id,
)
from planapi.problems import Problem, invalid

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
PURPOSE_RE = re.compile(r"^[ -~]{1,300}$")
BASES = ("self", "custody", "power_of_attorney", "caseworker_preview")
ROLES = ("citizen", "caseworker")

# Scopes a power of attorney can hold; self and custody hold all of them.
ALL_SCOPES = (
    "person:read",
    "plan:read",
    "cases:read",
    "appointments:read",
    "appointments:write",
    "contacts:read",
    "consents:read",
    "consents:write",
    "questionnaires:read",
    "questionnaires:write",
    "access-log:read",
    "messages:read",
    "messages:write",
    "documents:read",
    "documents:write",
    "letters:read",
)
ACTOR_KIND = {
    "self": "citizen",
    "custody": "guardian",
    "power_of_attorney": "representative",
    "caseworker_preview": "caseworker",
}


@dataclass(frozen=True)
class Caller:
    actor_id: str
    role: str
    basis: str
    purpose: str | None
    actor_name: str = ""

    @property
    def actor_kind(self) -> str:
        return ACTOR_KIND[self.basis]


def check_service_token() -> None:
    expected = current_app.config["PLANAPI_SERVICE_TOKEN"]
    # The header's name in another case is the same header, and a default other than ""
    # ("XXXX") is no bearer token either.
    header = request.headers.get("Authorization", "")  # equivalent: above
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode(), str(expected).encode()
    ):
        raise Problem(
            401,
            "A valid service token is required (Authorization: Bearer ...).",
            kind="unauthorized",
            headers={"WWW-Authenticate": 'Bearer realm="planapi"'},  # equivalent: name's case
        )


def _header_errors(allowed_roles: tuple[str, ...], need_basis: bool) -> list[dict[str, str]]:
    errors = []
    actor = request.headers.get("X-Actor-Id")  # equivalent: the name in another case
    role = request.headers.get("X-Actor-Role")  # equivalent: the name in another case
    if not actor or not ID_RE.fullmatch(actor):
        errors.append({"field": "X-Actor-Id", "message": "required: a plan-API id"})
    if role not in allowed_roles:
        errors.append({"field": "X-Actor-Role", "message": f"must be one of {list(allowed_roles)}"})
    if need_basis:
        if request.headers.get("X-Basis") not in BASES:  # equivalent: the name in another case
            errors.append({"field": "X-Basis", "message": f"must be one of {list(BASES)}"})
        purpose = request.headers.get("X-Purpose")  # equivalent: the name in another case
        if purpose is not None and not PURPOSE_RE.fullmatch(purpose):
            errors.append({"field": "X-Purpose", "message": "1-300 printable characters"})
    return errors


def caller_from_headers() -> Caller:
    errors = _header_errors(ROLES, need_basis=True)
    if errors:
        raise invalid(errors, status=400)
    return Caller(
        actor_id=request.headers["X-Actor-Id"],  # equivalent: the name in another case
        role=request.headers["X-Actor-Role"],  # equivalent: the name in another case
        basis=request.headers["X-Basis"],  # equivalent: the name in another case
        purpose=purpose_from_header(),
    )


def purpose_from_header() -> str | None:
    """X-Purpose is percent-encoded UTF-8 (HTTP headers are ASCII; purposes are Danish).

    A header that fits the contract's pattern but does not decode to UTF-8 text without
    control characters is refused with 422: JSON Schema cannot say "valid UTF-8".
    """
    raw = request.headers.get("X-Purpose")  # equivalent: the name in another case
    if not raw:
        return None
    try:
        purpose = unquote(raw, errors="strict").strip()
    except UnicodeDecodeError:
        purpose = ""  # equivalent: None, refused below as "" is
    if not purpose or any(ord(ch) < 32 or ord(ch) == 127 for ch in purpose):
        raise invalid(
            [
                {
                    "field": "X-Purpose",
                    "message": "percent-encoded UTF-8 text, no control characters",
                }
            ],
            status=422,  # equivalent: left out, 422 is invalid()'s default
        )
    # Already at most 300 characters: the header matched PURPOSE_RE and decoding only shortens.
    return purpose[:300]  # pragma: no mutate - a cut at 301 is the same (see above)


def get_person(person_id: str) -> Person:
    person = (
        db.session.get(Person, person_id)
        # "... or True": an id of another shape names nobody either.
        if ID_RE.fullmatch(person_id)  # equivalent: above
        else None
    )
    if person is None:
        raise Problem(404, f"No person with id {person_id!r}.", kind="not-found")
    return person


def in_caseload(caseworker_id: str, person_id: str) -> bool:
    return db.session.get(CaseloadEntry, (caseworker_id, person_id)) is not None


_RelationsCache = dict[tuple[str, str | None, str | None], list[Relation]]


def active_relations(
    kind: str, *, holder_id: str | None = None, subject_id: str | None = None
) -> list[Relation]:
    """Valid relations of a kind; asked once per request (a composite read checks each part)."""
    # Another name for the request's cache (or None) is the same cache: nothing else reads it.
    cache: _RelationsCache = g.setdefault("relations_cache", {})  # equivalent: above
    key = (kind, holder_id, subject_id)
    if key not in cache:
        cache[key] = _active_relations(kind, holder_id, subject_id)
    return cache[key]


def _active_relations(kind: str, holder_id: str | None, subject_id: str | None) -> list[Relation]:
    day = clock.today()
    query = select(Relation).where(Relation.kind == kind)
    if holder_id:
        query = query.where(Relation.holder_id == holder_id)
    if subject_id:
        query = query.where(Relation.subject_id == subject_id)
    return [r for r in db.session.scalars(query) if relation_active(r, day)]


def relation_active(relation: Relation, today: date) -> bool:
    if relation.valid_from > today or (relation.valid_until and relation.valid_until < today):
        return False
    if relation.kind == "custody":
        return clock.eighteenth_birthday(relation.subject.birth_date) > today
    return True


def _refusal(caller: Caller, person_id: str, scope: str) -> str | None:
    """Why this caller may not use `scope` for this person, or None when they may."""
    write = scope.endswith(":write")
    if scope == "involvements:read" and caller.basis != "self":
        return "Only the person themself may read his part in others' plans."
    if caller.basis == "caseworker_preview":
        if caller.role != "caseworker":
            return "Only a caseworker can preview."
        if db.session.get(Caseworker, caller.actor_id) is None:
            return "Unknown caseworker."
        if not caller.purpose:
            return "A caseworker preview must state its purpose (X-Purpose)."
        if write:
            return "A caseworker preview is read-only."
        if not in_caseload(caller.actor_id, person_id):
            return "The person is not in this caseworker's caseload."
        return None
    if caller.role != "citizen":
        return "This basis is for citizens."
    if db.session.get(Person, caller.actor_id) is None:
        return "Unknown actor."
    if caller.basis == "self":
        return None if caller.actor_id == person_id else "Basis self is only for one's own data."
    if caller.basis == "custody":
        if active_relations("custody", holder_id=caller.actor_id, subject_id=person_id):
            return None
        return "No custody of this person under 18."
    relations = active_relations(
        "power_of_attorney", holder_id=caller.actor_id, subject_id=person_id
    )
    if not relations:
        return "No valid power of attorney for this person."
    held = {s for r in relations for s in r.scope}
    if scope in held or (scope == "person:read" and held):
        return None
    return f"The power of attorney does not cover {scope}."


def actor_name(caller: Caller) -> str:
    if caller.role == "caseworker":
        worker = db.session.get(Caseworker, caller.actor_id)
        return worker.name if worker else "Ukendt medarbejder"
    person = db.session.get(Person, caller.actor_id)
    return person.name if person else "Ukendt person"


def _entry(
    person_id: str,
    caller: Caller | None,
    *,
    action: str,
    resource: str,
    outcome: str,
    purpose: str | None,
) -> dict[str, Any]:
    """An access-log entry's columns: who, on what basis, did what to which resource."""
    return {
        "id": new_id("log"),
        "person_id": person_id,
        "at": clock.now(),
        "actor_id": caller.actor_id if caller else "system",
        "actor_name": actor_name(caller) if caller else "System",
        "actor_kind": (
            ("caseworker" if caller.role == "caseworker" else caller.actor_kind)
            if caller
            else "system"
        ),
        "action": action,
        "resource": resource[:200],
        "basis": caller.basis if caller else "system",
        "purpose": (purpose or (caller.purpose if caller else None)),
        "outcome": outcome,
    }


def log_access(
    person_id: str,
    caller: Caller | None,
    *,
    action: str,
    resource: str,
    outcome: str = "allowed",
    purpose: str | None = None,
) -> AccessLogEntry:
    fields = _entry(
        person_id, caller, action=action, resource=resource, outcome=outcome, purpose=purpose
    )
    entry = AccessLogEntry(**fields)
    db.session.add(entry)
    return entry


# Built once, like the statements in planapi/plan_rows.py: every composite read inserts one.
LOG_ENTRY = insert(AccessLogEntry.__table__)


def log_read(person_id: str, caller: Caller, *, action: str, resource: str, outcome: str) -> None:
    """log_access for a composite read: the same entry, inserted at once in the read's
    transaction rather than through the session's unit of work (about 0.4 ms less per page
    view), since nothing reads it back or changes it before the commit."""
    fields = _entry(
        person_id, caller, action=action, resource=resource, outcome=outcome, purpose=None
    )
    db.session.connection().execute(LOG_ENTRY, fields)


def authorize(
    person_id: str, scope: str, *, resource: str, log: bool = True
) -> tuple[Caller, Person]:
    """Check the caller context for `scope` on this person; log the read or the refusal."""
    caller = caller_from_headers()
    person = get_person(person_id)
    reason = _refusal(caller, person.id, scope)
    action = "change" if scope.endswith(":write") else "read"
    if reason is not None:
        log_access(person.id, caller, action=action, resource=resource, outcome="refused")
        db.session.commit()
        raise Problem(403, reason, kind="forbidden")
    if log and action == "read":
        log_access(
            person.id,
            caller,
            action="preview" if caller.basis == "caseworker_preview" else "read",
            resource=resource,
        )
        db.session.commit()
    return caller, person


def authorize_parts(
    person_id: str, wanted: dict[str, str], *, explicit: bool
) -> tuple[Caller, Person, list[str]]:
    """One check and one access-log entry for a composite read of several parts.

    `wanted` maps each part to the scope it needs. With `explicit` (the caller named the
    parts) a part outside the caller's basis refuses the whole read; otherwise such parts
    are left out. The log entry names every part read, comma separated ("plan,cases").
    """
    caller = caller_from_headers()
    person = get_person(person_id)
    refusals = {part: _refusal(caller, person.id, scope) for part, scope in wanted.items()}
    allowed = [part for part, reason in refusals.items() if reason is None]
    refused = [part for part, reason in refusals.items() if reason is not None]
    if not allowed or (explicit and refused):
        log_read(person.id, caller, action="read", resource=",".join(refused), outcome="refused")
        db.session.commit()
        raise Problem(403, str(refusals[refused[0]]), kind="forbidden")
    log_read(
        person.id,
        caller,
        action="preview" if caller.basis == "caseworker_preview" else "read",
        resource=",".join(allowed),
        outcome="allowed",
    )
    return caller, person, allowed


def authorize_caseworker(caseworker_id: str) -> Caseworker:
    errors = _header_errors(("caseworker",), need_basis=False)  # equivalent: None is as false
    if errors:
        raise invalid(errors, status=400)
    worker = (
        db.session.get(Caseworker, caseworker_id)
        # "... or True": an id of another shape names no caseworker either.
        if ID_RE.fullmatch(caseworker_id)  # equivalent: above
        else None
    )
    if worker is None:
        raise Problem(404, f"No caseworker with id {caseworker_id!r}.", kind="not-found")
    if request.headers["X-Actor-Id"] != caseworker_id:  # equivalent: the name in another case
        raise Problem(403, "Only the caseworker themself may read this.", kind="forbidden")
    return worker
