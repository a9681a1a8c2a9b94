"""My plan (Min plan) and its printable one-page fridge plan (køleskabsplan)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from auth.access import access
from portal import pages, pdf
from portal.clients.appointments import Appointment
from portal.clients.contacts import Contact
from portal.clients.overview import Part
from portal.i18n import language
from portal.pages import DEPARTMENTS, fetch, load_cases, load_plan

bp = Blueprint("plan", __name__)

SUBGOAL_STATUS = {
    "not_started": _l("Not started"),
    "in_progress": _l("In progress"),
    "achieved": _l("Achieved"),
    "paused": _l("Paused"),
    "cancelled": _l("Cancelled"),
}
INTERVENTION_STATUS = {
    "planned": _l("Planned"),
    "active": _l("Active"),
    "paused": _l("Paused"),
    "ended": _l("Ended"),
}
STEP_STATUS = {
    "done": _l("Done"),
    "current": _l("Now"),
    "pending": _l("Later"),
}
MEMBER_ROLES = {
    "citizen": _l("you"),
    "child": _l("child"),
    "parent": _l("parent"),
    "sibling": _l("sibling"),
    "partner": _l("partner"),
}
# Badge colours of the design system per status.
STATUS_BADGE = {
    "achieved": "success",
    "in_progress": "info",
    "active": "info",
    "paused": "warning",
    "ended": "",
}


@bp.app_template_global()
def plan_status(kind: str, code: str) -> str:
    """A status code from the plan API in plain words (unknown codes shown as sent)."""
    labels = {
        "subgoal": SUBGOAL_STATUS,
        "intervention": INTERVENTION_STATUS,
        "step": STEP_STATUS,
        "member": MEMBER_ROLES,
    }
    return str(labels[kind].get(code, code.replace("_", " ")))


@bp.app_template_global()
def department_name(code: str | None) -> str:
    return str(DEPARTMENTS.get(code or "", code or ""))


@bp.app_template_global()
def status_badge(code: str) -> str:
    variant = STATUS_BADGE.get(code, "")
    return f"badge badge-{variant}" if variant else "badge"


@bp.get("/min-plan")
@access("citizen")
def index() -> ResponseReturnValue:
    caller, person_id = pages.caller(), pages.person_id()
    fetch(lambda: pages.load_overview(caller, person_id, ["plan", "cases"]))  # one call
    plan, failed = fetch(lambda: load_plan(caller, person_id))
    cases, cases_failed = (
        fetch(lambda: load_cases(caller, person_id))
        if plan and pages.acting().covers("cases:read")
        else ([], False)
    )
    return render_template(
        "pages/plan/index.html",
        plan=plan,
        plan_failed=failed,
        cases=cases or [],
        cases_failed=cases_failed,
    )


def _pdf(kind: pdf.Kind, name: str) -> ResponseReturnValue:
    content = pdf.plan_pdf(pages.caller(), pages.person_id(), kind=kind, language=language())
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/min-plan/pdf")
@access("citizen")
def pdf_download() -> ResponseReturnValue:
    return _pdf("full", "min-plan")


@bp.get("/min-plan/koeleskabsplan/pdf")
@access("citizen")
def fridge_pdf() -> ResponseReturnValue:
    return _pdf("fridge", "koeleskabsplan")


@bp.get("/min-plan/koeleskabsplan")
@access("citizen")
def fridge() -> ResponseReturnValue:
    """The plan's essentials on one A4 page in large type, with the next dates and who to call."""
    caller, person_id = pages.caller(), pages.person_id()
    parts: list[Part] = ["plan", "appointments", "contacts"]
    fetch(lambda: pages.load_overview(caller, person_id, parts))  # one plan-API call
    plan, failed = fetch(lambda: load_plan(caller, person_id))
    upcoming: list[Appointment] | None = None
    primary: Contact | None = None
    if plan is not None:
        upcoming, _ = fetch(lambda: pages.load_upcoming(caller, person_id))
        contacts, _ = (
            fetch(lambda: pages.load_contacts(caller, person_id))
            if pages.acting().covers("contacts:read")
            else ([], False)
        )
        primary = next((c for c in contacts or [] if c.is_primary), None)
    return render_template(
        "pages/plan/fridge.html",
        plan=plan,
        plan_failed=failed,
        upcoming=[a for a in upcoming or [] if not a.cancelled],
        primary=primary,
    )
