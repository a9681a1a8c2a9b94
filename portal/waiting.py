"""The overview's "waiting for you" list, gathered from several features.

Each feature that can have something waiting for the citizen registers a *source*: a
function that takes the `Caller` and the person id shown, and returns `WaitingItem`s.

    from portal import waiting

    def _due_questionnaires(caller: Caller, person_id: str) -> list[waiting.WaitingItem]:
        return [
            waiting.WaitingItem(
                kind="questionnaire",
                title=_("Answer a short questionnaire"),
                detail=_("It takes about 2 minutes"),
                url=url_for("progress.answer", ...),
                due=date(2025, 1, 6),
                urgency="soon",
            )
        ]

    waiting.register(_due_questionnaires)   # at import of your view module

Registering at import of the blueprint module is fine: `create_app` imports every view
module explicitly. Registering the same function twice is a no-op.

A source is called inside the overview's request (so `url_for`, `_()` and `g` work). It
reads through the loaders of portal/pages.py and declares what it reads,
`@waiting.register(reads=("consents",), when=may_change)`, so that the overview brings it
in its one composite plan-API read; an undeclared read costs the page a second call (a
unit test counts them).
If it raises `PlanAPIUnavailable` the overview shows a notice that part of the list may
be missing (`collect` returns `failed=True`); any other exception is a bug and is raised.
Items are sorted by urgency, then by due date (no date last).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from flask import g

from auth.session import ActingAs
from portal.clients.base import Caller, PlanAPIForbidden, PlanAPIUnavailable
from portal.clients.overview import Part
from portal.i18n import TZ

Urgency = Literal["overdue", "soon", "normal"]


@dataclass(frozen=True)
class WaitingItem:
    kind: str  # "questionnaire", "consent", "statement", ...
    title: str
    detail: str
    url: str
    due: date | None = None
    urgency: Urgency = "normal"
    # Something voluntary (a questionnaire) has no deadline: it is ready since a day.
    ready_since: date | None = None


Source = Callable[[Caller, str], list[WaitingItem]]

_sources: list[Source] = []
_URGENCY_ORDER = {"overdue": 0, "soon": 1, "normal": 2}


def urgency_of(due: date | None) -> Urgency:
    """Overdue after the day, soon within 14 days, else normal (no date: normal)."""
    if due is None:
        return "normal"
    days = (due - datetime.now(TZ).date()).days
    return "overdue" if days < 0 else "soon" if days <= 14 else "normal"


# What each source reads of the plan API (parts of the composite read) and for whom.
_reads: dict[Source, tuple[tuple[Part, ...], Callable[[ActingAs], bool]]] = {}


def register(
    source: Source | None = None,
    *,
    reads: tuple[Part, ...] = (),
    when: Callable[[ActingAs], bool] | None = None,
) -> Any:
    """Add a source of waiting items; usable as a decorator, bare or with arguments.

    `reads` names the parts of the plan API's composite read the source uses (through the
    loaders in portal/pages.py) and `when` for whom it shows anything: the overview asks
    for those parts in its one read, so the source needs no call of its own.
    """

    def add(found: Source) -> Source:
        if found not in _sources:
            _sources.append(found)
        if reads:
            _reads[found] = (reads, when or (lambda acting: True))
        return found

    return add if source is None else add(source)


def reads(acting: ActingAs) -> list[Part]:
    """The parts the registered sources read for this acting person."""
    parts: list[Part] = []
    for source in _sources:
        wanted, when = _reads.get(source, ((), None))
        if wanted and when is not None and when(acting):
            parts.extend(wanted)
    return parts


def collect(caller: Caller, person_id: str) -> tuple[list[WaitingItem], bool]:
    """Every registered source's items, and whether any source could not answer."""

    def ask(source: Source) -> tuple[list[WaitingItem], bool]:
        if g.get("planapi_failed"):  # the page's read failed: no second wait per source
            return [], True
        try:
            return source(caller, person_id), False
        except PlanAPIUnavailable:
            return [], True
        except PlanAPIForbidden:  # outside a power of attorney's scope: nothing to show
            return [], False

    # One after another: the overview's one composite read brought what they read.
    answers = [ask(source) for source in list(_sources)]
    items = [item for found, _failed in answers for item in found]
    failed = any(failed for _found, failed in answers)
    items.sort(key=lambda i: (_URGENCY_ORDER[i.urgency], i.due is None, i.due or date.max))
    return items, failed
