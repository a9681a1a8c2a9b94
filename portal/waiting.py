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

A source is called inside the overview's request (so `url_for`, `_()` and `g` work),
side by side with the other sources (portal/parallel.py): keep shared state in `g`.
If it raises `PlanAPIUnavailable` the overview shows a notice that part of the list may
be missing (`collect` returns `failed=True`); any other exception is a bug and is raised.
Items are sorted by urgency, then by due date (no date last).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Literal

from portal import parallel
from portal.clients.base import Caller, PlanAPIForbidden, PlanAPIUnavailable

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


def register(source: Source) -> Source:
    """Add a source of waiting items; usable as a decorator."""
    if source not in _sources:
        _sources.append(source)
    return source


def collect(caller: Caller, person_id: str) -> tuple[list[WaitingItem], bool]:
    """Every registered source's items, and whether any source could not answer."""

    def ask(source: Source) -> tuple[list[WaitingItem], bool]:
        try:
            return source(caller, person_id), False
        except PlanAPIUnavailable:
            return [], True
        except PlanAPIForbidden:  # outside a power of attorney's scope: nothing to show
            return [], False

    answers = parallel.run(*(partial(ask, source) for source in list(_sources)))
    items = [item for found, _failed in answers for item in found]
    failed = any(failed for _found, failed in answers)
    items.sort(key=lambda i: (_URGENCY_ORDER[i.urgency], i.due is None, i.due or date.max))
    return items, failed
