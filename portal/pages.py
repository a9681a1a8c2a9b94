"""What every page view shares: who is acting, the plan-API caller, rendering a page or
its htmx fragment, and the reads several pages make (the plan, the cases, ...): a page
asks for everything it shows in one composite read (`load_overview`), and the loaders
hand the parts out, reading one by one only what was not brought.

Views import from here and never from one another. A view does not catch the plan
API's refusal (`PlanAPIForbidden`) or "not found": they reach the one error handler
(`portal/errors.py`), whose 403 page names nobody. A part of a page that may be missing
uses `optional()`; a part that may fail while the rest of the page still shows uses
`fetch()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

from flask import Response, abort, current_app, g, render_template, request
from flask_babel import lazy_gettext as _l

from auth.session import ActingAs
from portal.clients.appointments import Appointment, AppointmentsClient
from portal.clients.base import Caller, PlanAPIForbidden, PlanAPINotFound, PlanAPIUnavailable
from portal.clients.consents import Consent, ConsentsClient
from portal.clients.contacts import Contact, ContactsClient
from portal.clients.involvements import Involvement, InvolvementsClient
from portal.clients.overview import SCOPES, OverviewClient, Part, PlanGoal
from portal.clients.plan import Case, Plan, PlanClient
from portal.clients.questionnaires import DueQuestionnaire, QuestionnairesClient

T = TypeVar("T")

# The municipality's departments, in the order pages list them.
DEPARTMENTS = {
    "employment": _l("Employment (jobcentre)"),
    "social": _l("Social services for adults"),
    "children_family": _l("Children and family"),
    "youth_education": _l("Youth and education"),
    "health": _l("Health"),
    "school": _l("School"),
    "elderly": _l("Elderly care"),
    "daycare": _l("Daycare"),
}


# --- who is asking -------------------------------------------------------------------


def acting() -> ActingAs:
    """Whose data this request shows and on what basis; 403 when nobody is acting."""
    current: ActingAs | None = g.get("acting")
    if current is None:
        abort(403)
    return current


def caller() -> Caller:
    """The plan-API caller for whoever is acting in this request (behind `@access`)."""
    current = acting()
    if current.pending_choice:
        abort(403)
    return current.caller()


def person_id() -> str:
    """The plan-API id of the person whose data is shown."""
    return acting().subject_id


# --- rendering -----------------------------------------------------------------------


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def render_page(template: str, block: str | None = None, **context: Any) -> Response:
    """The whole page, or for an htmx request with a `block` only that block of it.

    A block rendered alone does not run the template's top-level statements, so it must
    import the macros it uses itself. The response varies on `HX-Request`.
    """
    if block is not None and is_htmx():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        tmpl = app.jinja_env.get_template(template)
        app.update_template_context(context)
        response = Response("".join(tmpl.blocks[block](tmpl.new_context(context))))
    else:
        response = Response(render_template(template, **context))
    response.vary.add("HX-Request")
    return response


# --- reading -------------------------------------------------------------------------


def fetch(load: Callable[[], T]) -> tuple[T | None, bool]:
    """Run one plan-API read for part of a page: (value, failed).

    After the first failure in a request the rest are skipped, so a slow or down plan
    API costs one timeout per page, not one per section.
    """
    if g.get("planapi_failed"):
        return None, True
    try:
        return load(), False
    except PlanAPIUnavailable:
        g.planapi_failed = True
        return None, True


def optional(load: Callable[[], T]) -> T | None:
    """A read whose absence the page can live with: None if the plan API does not know
    it or does not show it to this caller (e.g. outside a power of attorney's scope)."""
    try:
        return load()
    except (PlanAPINotFound, PlanAPIForbidden):
        return None


def refused(call: Callable[[], object]) -> bool:
    """Whether the plan API refused a call (403 or 404) instead of doing it."""
    try:
        call()
    except (PlanAPINotFound, PlanAPIForbidden):
        return True
    return False


def _read(part: str, person_id: str, load: Callable[[], T]) -> T:
    """A plan-API read of one part of a person's data, at most once per request: from what
    `load_overview` already brought, or by its own call."""
    cache: dict[tuple[str, str], Any] = g.setdefault("planapi_reads", {})
    if (part, person_id) not in cache:
        cache[(part, person_id)] = load()
    return cast(T, cache[(part, person_id)])


def load_overview(caller: Caller, person_id: str, parts: Iterable[Part]) -> None:
    """Read every part a page shows in one plan-API call (logged once by the plan API),
    for the loaders below to hand out. Parts outside the acting basis are not asked for."""
    scope = acting()
    wanted = [p for p in dict.fromkeys(parts) if scope.covers(SCOPES[p])]
    if not wanted:
        return
    overview = OverviewClient(caller).get_overview(person_id, wanted)
    found: dict[str, Any] = {
        "plan": overview.plan,
        "goal": overview.goal,
        "cases": overview.cases,
        "appointments": overview.appointments,
        "contacts": overview.contact_list,
        "consents": overview.consents,
        "questionnaires": overview.questionnaires,
        "involvements": overview.involvements,
    }
    cache: dict[tuple[str, str], Any] = g.setdefault("planapi_reads", {})
    for part in overview.parts:  # a part read is its value; plan None: no plan
        if part in found:
            cache[(part, person_id)] = found[part]


def load_plan(caller: Caller, person_id: str) -> Plan | None:
    """The person's plan, read once per request (the overview and its sources share it)."""
    return _read("plan", person_id, lambda: PlanClient(caller).get_plan(person_id))


def load_goal(caller: Caller, person_id: str) -> PlanGoal | None:
    """The plan's overall goal (None without a plan), read once per request: the overview
    shows no more of the plan, and the plan API reads it in two queries instead of seven."""
    return _read(
        "goal",
        person_id,
        lambda: OverviewClient(caller).get_overview(person_id, ["goal"]).goal,
    )


def load_cases(caller: Caller, person_id: str) -> list[Case]:
    """The person's cases with steps, read once per request; none for an unknown person."""

    def read() -> list[Case]:
        try:
            return PlanClient(caller).list_cases(person_id)
        except PlanAPINotFound:
            return []

    return _read("cases", person_id, read)


def load_upcoming(caller: Caller, person_id: str) -> list[Appointment]:
    """Upcoming appointments, soonest first, read once per request."""
    return _read(
        "appointments", person_id, lambda: AppointmentsClient(caller).list_appointments(person_id)
    )


def load_contacts(caller: Caller, person_id: str) -> list[Contact]:
    """The people around the person, primary contact first, read once per request."""
    return _read("contacts", person_id, lambda: ContactsClient(caller).list_contacts(person_id))


def load_consents(caller: Caller, person_id: str) -> list[Consent]:
    """The person's consents, newest first, read once per request."""
    return _read("consents", person_id, lambda: ConsentsClient(caller).list_consents(person_id))


def load_due(caller: Caller, person_id: str) -> list[DueQuestionnaire]:
    """What questionnaires are due for the person, read once per request."""
    return _read(
        "questionnaires", person_id, lambda: QuestionnairesClient(caller).list_due(person_id)
    )


def load_involvements(caller: Caller, person_id: str) -> list[Involvement]:
    """The person's own part in others' plans (a parent named in his child's plan), read
    once per request; only a person acting as himself has one (the plan API refuses others)."""
    if not acting().covers("involvements:read"):
        return []
    return _read(
        "involvements",
        person_id,
        lambda: InvolvementsClient(caller).list_involvements(person_id),
    )
