"""The overview (forside): goal, next appointment, primary contact, what is waiting."""

from __future__ import annotations

from flask import Blueprint, g, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from auth.access import access
from portal import pages, waiting
from portal.clients.base import Caller
from portal.clients.overview import Part
from portal.i18n import danish, with_danish
from portal.pages import fetch, load_cases, load_goal

bp = Blueprint("overview", __name__)


@waiting.register(reads=("cases",), when=lambda acting: acting.covers("cases:read"))
def missing_statements(caller: Caller, person_id: str) -> list[waiting.WaitingItem]:
    """Statements (udtalelser) still missing in a case, e.g. an efterskole-support application."""
    items: list[waiting.WaitingItem] = []
    if not pages.acting().covers("cases:read"):
        return items
    for case in load_cases(caller, person_id):
        missing = case.missing
        if not missing or case.status in ("decided", "closed"):
            continue
        due = min((m.due_on for m in missing if m.due_on), default=None)
        items.append(
            waiting.WaitingItem(
                kind="statement",
                # The case's title and who is to send it are the plan API's Danish words.
                title=with_danish(
                    ngettext(
                        "%(num)d statement is missing in: %(case)s",
                        "%(num)d statements are missing in: %(case)s",
                        len(missing),
                        case="%(case)s",  # left for with_danish
                    ),
                    case=case.title,
                ),
                detail=with_danish(
                    _("Missing from: %(whom)s"),
                    whom=", ".join(dict.fromkeys(m.provided_by for m in missing)),
                ),
                url=url_for("plan.index", _anchor=f"case-{case.id}"),
                due=due,
                urgency=waiting.urgency_of(due),
            )
        )
    return items


@waiting.register(reads=("involvements",), when=lambda acting: acting.covers("involvements:read"))
def family_tasks(caller: Caller, person_id: str) -> list[waiting.WaitingItem]:
    """What another person's plan asks of this person, as himself: Anders is named in his
    daughter's plan (send the family's economy) and his task waits for him here."""
    items = []
    for involvement in pages.load_involvements(caller, person_id):
        for task in involvement.tasks:
            if task.done:
                continue
            items.append(
                waiting.WaitingItem(
                    kind="family_task",
                    title=danish(task.what),  # the plan's own words, marked as Danish
                    detail=_("Agreed in %(name)s's plan", name=involvement.person.name),
                    url=url_for("overview.index", _anchor=f"family-{involvement.plan_id}"),
                    due=task.due_on,
                    urgency=waiting.urgency_of(task.due_on),
                )
            )
    return items


@bp.get("/overblik")
@access("citizen")
def index() -> ResponseReturnValue:
    caller, person_id, acting = pages.caller(), pages.person_id(), pages.acting()
    shows_contacts = acting.covers("contacts:read")
    parts: list[Part] = ["goal", "appointments", "contacts", *waiting.reads(acting)]
    fetch(lambda: pages.load_overview(caller, person_id, parts))  # one plan-API call
    goal, goal_failed = fetch(lambda: load_goal(caller, person_id))
    upcoming, appointments_failed = fetch(lambda: pages.load_upcoming(caller, person_id))
    contacts, contacts_failed = (
        fetch(lambda: pages.load_contacts(caller, person_id)) if shows_contacts else ([], False)
    )
    involvements, involvements_failed = fetch(lambda: pages.load_involvements(caller, person_id))
    items, waiting_failed = waiting.collect(caller, person_id)
    if g.get("planapi_failed"):  # a part that could not be read: say so, show no half list
        items, waiting_failed = [], True
    next_appointment = next((a for a in upcoming or [] if not a.cancelled), None)
    primary = next((c for c in contacts or [] if c.is_primary), None)
    return render_template(
        "pages/overview/index.html",
        goal=goal,
        goal_failed=goal_failed,
        next_appointment=next_appointment,
        appointments_failed=appointments_failed,
        primary=primary,
        contacts_failed=contacts_failed,
        waiting_items=items,
        waiting_failed=waiting_failed,
        involvements=involvements or [],
        involvements_failed=involvements_failed,
    )
