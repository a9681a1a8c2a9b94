"""Repeat reads: a composite read's version stamp (its ETag), and when a 304 may answer.

A composite read's answer depends on many tables, other people's rows among them, and on
the clock. Rather than list those inputs (a list that misses one shows a citizen stale
data), the stamp covers all of them at once:

- the data version, which every committed change to any table but the access log raises
  (migration 0006), read *before* the answer's rows: a change committed between the two
  only gives the answer a stamp older than its rows, so the next read is a full one;
- the minute on the server's clock (`clock.now()`, so PLANAPI_TODAY too): whatever depends
  on the time (an appointment that has ended, a consent that ran out, a questionnaire
  falling due, a child turning 18) is at most a minute behind, never behind a change;
- who asks for whom, on what basis, and the parts the basis allows, worked out afresh on
  every read (the caller's rights are never taken from a stamp);
- this server's code (`BUILD`), so a new release never answers 304 to an old answer.

A 304 still checks the caller and writes the access-log entries a full read writes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import Request
from sqlalchemy import select

from planapi import clock
from planapi.access import Caller
from planapi.extensions import db
from planapi.models import DataVersion, Person
from planapi.plan_rows import NAMED, PERSON


def build_of(root: Path) -> str:
    """A digest of this server's code and contract, the same in every worker process."""
    digest = hashlib.sha256()
    for path in sorted([*root.rglob("*.py"), root / "openapi.yaml"]):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


BUILD = build_of(Path(__file__).resolve().parent)
# The person with the data version and whether a plan of another names them, in one
# statement (one round trip fewer each: a repeat read is little more than these).
FIRST_LOOK = select(
    Person,
    select(DataVersion.n).where(DataVersion.id == 1).scalar_subquery().label("version"),
    NAMED.label("named"),
).where(Person.id == PERSON)


@dataclass(frozen=True)
class FirstLook:
    # Held while the read goes on: the session's identity map holds it only weakly, and
    # the caller's check looks the person up there.
    person: Person | None
    version: int | None  # None without the person or the version's row: no stamp then
    named: bool  # a plan of another names the person (their owners' logs on a repeat read)


def first_look(person_id: str) -> FirstLook:
    """The data version, before any row of the answer, in the statement that reads the
    person (into the session, where the caller's check finds them)."""
    row = db.session.execute(FIRST_LOOK, {"person_id": person_id}).first()
    if row is None:  # no such person: the caller's check answers 404, whatever `named` is
        return FirstLook(None, None, False)  # equivalent: above
    return FirstLook(row.Person, row.version, bool(row.named))


def stamp(version: int, person_id: str, caller: Caller, parts: list[str]) -> str:
    """The ETag of a composite read of `parts` of this person's data by this caller now."""
    # Any format that names the day and minute does ("%Y-%M-%D..." still does: %D is the date).
    minute = clock.now().strftime("%Y-%m-%dT%H:%M")  # equivalent: see above
    who = [person_id, caller.actor_id, caller.role, caller.basis]
    # Ids and parts hold no newline, so any other separator keeps them apart as well.
    key = "\n".join([BUILD, minute, *who, *parts])  # equivalent: above
    # The version stands in the ETag itself; any length of the digest does.
    return f'"{version}-{hashlib.sha256(key.encode()).hexdigest()[:24]}"'  # equivalent: above


def unchanged(request: Request, etag: str) -> bool:
    """The caller holds the answer this ETag names (If-None-Match, RFC 9110 13.1.2; weak
    comparison, as the RFC asks for this header; `*` holds any)."""
    # The header's name in another case is the same header; no ETag is "XXXX" either.
    header = request.headers.get("If-None-Match", "")  # equivalent: above
    held = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag in held or "*" in held
