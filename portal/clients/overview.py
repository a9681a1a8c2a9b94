"""The composite read: everything one page shows in one plan-API call, logged once.

`GET /v1/persons/{person_id}/overview?include=plan,cases,...` answers each part as its own
read would (the plan, the cases, the upcoming appointments, the contacts, the consents,
what questionnaires are due, the person's own part in others' plans), and `goal`, the
plan's overall goal alone (what the overview shows of the plan); a part not asked for is
None.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any, Literal, cast, get_args

from flask import Flask, current_app
from flask_login import user_logged_out

from portal.clients.appointments import Appointment
from portal.clients.base import APIModel, Caller, PlanAPIClient
from portal.clients.consents import Consent
from portal.clients.contacts import Contact, ContactList
from portal.clients.involvements import Involvement
from portal.clients.plan import Case, PersonRef, Plan
from portal.clients.questionnaires import DueQuestionnaire

Part = Literal[
    "plan",
    "goal",
    "cases",
    "appointments",
    "contacts",
    "consents",
    "questionnaires",
    "involvements",
]
PARTS: tuple[Part, ...] = get_args(Part)
# What the plan API requires of the caller's basis for each part (the goal is the plan's).
SCOPES: dict[Part, str] = {part: f"{part}:read" for part in PARTS} | {"goal": "plan:read"}


class PlanGoal(APIModel):
    """The plan's overall goal without the rest of the plan: all the overview shows of it."""

    plan_id: str
    overall_goal: str | None = None


class Overview(APIModel):
    person: PersonRef
    parts: list[str]
    plan: Plan | None = None
    goal: PlanGoal | None = None  # null without a plan
    cases: list[Case] | None = None
    appointments: list[Appointment] | None = None  # upcoming only, soonest first
    contacts: ContactList | None = None
    consents: list[Consent] | None = None
    questionnaires: list[DueQuestionnaire] | None = None
    involvements: list[Involvement] | None = None  # basis self only

    @property
    def contact_list(self) -> list[Contact] | None:
        return None if self.contacts is None else self.contacts.ordered()


# For whom, which parts, who asks and on what basis (which says the role): one answer each.
Key = tuple[str, str, str, str]


class HeldAnswers:
    """The last composite answer per caller, person and parts, with its ETag, in this
    process: the next read of the same sends the ETag, and a 304 means it is still the
    answer. The plan API decides that on every read (it checks the caller, logs, and keeps
    no stamp across a change or past the minute), so an answer is never shown without its
    say; what is held is only the work of reading and parsing it again.

    At most `size` answers, none older than `max_age` seconds (the plan API's stamps last a
    minute at most, so an older answer would only be read again), the least recently used
    dropped first. A held Overview is shared between requests: models are frozen, and the
    pages build their own lists from it.
    """

    # Any age over the plan API's minute holds as well (121 s: one more useless answer).
    def __init__(self, size: int, max_age: float = 120.0) -> None:  # equivalent: above
        self.size = size
        self.max_age = max_age
        self._held: OrderedDict[Key, tuple[float, str, Overview]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Key) -> tuple[str, Overview] | None:
        with self._lock:
            found = self._held.get(key)
            if found is None:
                return None
            if time.monotonic() - found[0] > self.max_age:
                del self._held[key]
                return None
            self._held.move_to_end(key)
            return found[1], found[2]

    def put(self, key: Key, etag: str, overview: Overview) -> None:
        with self._lock:  # with size 0, dropped again at once
            self._held[key] = (time.monotonic(), etag, overview)
            self._held.move_to_end(key)
            while len(self._held) > self.size:
                self._held.popitem(last=False)  # equivalent: last=None is as false

    def forget(self, actor_id: str) -> None:
        """Drop what this caller read (at logout: nothing of theirs stays after them)."""
        with self._lock:
            for key in [k for k in self._held if k[2] == actor_id]:
                del self._held[key]


def init_app(app: Flask) -> None:
    """This app's held answers (one per process), made at start, and dropped per user at
    logout (Flask-Login's user_logged_out): nothing a user read outlives them."""
    app.extensions["planapi_held_answers"] = HeldAnswers(app.config["PLANAPI_HELD_ANSWERS"])
    # Without the sender it is the same: a logout is sent by its app, and the receiver
    # forgets in the app it is given.
    user_logged_out.connect(forget_held_answers, app)  # equivalent: above


def held_answers(app: Flask) -> HeldAnswers:
    found = app.extensions["planapi_held_answers"]
    return cast(HeldAnswers, found)  # equivalent: cast(None, ...) - cast only tells mypy


def forget_held_answers(app: Flask, user: Any = None, **_: Any) -> None:
    """At logout (Flask-Login's user_logged_out): drop what that user read."""
    actor_id = getattr(user, "actor_id", None)
    if actor_id:
        held_answers(app).forget(actor_id)


class OverviewClient(PlanAPIClient):
    caller: Caller  # a composite read is always someone's (the plan API refuses one without)

    def __init__(self, caller: Caller) -> None:
        super().__init__(caller)

    def get_overview(self, person_id: str, include: Iterable[Part]) -> Overview:
        """GET /v1/persons/{person_id}/overview?include=… (the parts in the contract's order),
        with If-None-Match when an answer to the same read is held (a 304 returns it)."""
        wanted = set(include)
        parts = ",".join(p for p in PARTS if p in wanted)
        path = f"/v1/persons/{person_id}/overview"
        held = held_answers(current_app)
        key: Key = (person_id, parts, self.caller.actor_id, self.caller.basis)
        found = held.get(key)
        # Header names in another case are the same headers (below too).
        extra = {"If-None-Match": found[0]} if found else None  # equivalent: above
        response = self._send("GET", path, params={"include": parts}, headers=extra)
        if response.status_code == 304 and found:
            return found[1]
        overview: Overview = self._parse(self._check(response), Overview)
        etag = response.headers.get("ETag")  # equivalent: the name in another case
        if etag:
            held.put(key, etag, overview)
        return overview
