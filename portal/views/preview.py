"""Caseworker preview: the caseload, a stated purpose, then the citizen's own pages read-only.

The citizen pages are the same views and templates; `@access("citizen_write")` refuses
every write in a preview with 403, and the plan API refuses and logs again. A request for a
citizen outside the caseload is refused here *and* sent on to the plan API, whose refusal
writes the attempt to that citizen's access log ("who has seen my data" shows it).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField, ValidationError

from auth.access import access
from auth.guards import end_preview, start_preview
from auth.session import AuthSession
from portal.clients.access_log import AccessLogClient
from portal.clients.base import Caller, PlanAPIUnavailable
from portal.clients.experience import ExperienceClient, ExperienceSummary
from portal.clients.persons import CaseloadEntry, PersonsClient
from portal.forms import PortalForm
from portal.pages import refused

bp = Blueprint("preview", __name__)

PURPOSE_MAX = 300
# What a refused preview records as its purpose: fixed, never the caseworker's free text.
REFUSED_PURPOSE = "Visning afvist: borgeren er ikke i sagsbehandlerens sagsstamme"


def _caseworker_id() -> str:
    current = AuthSession.load()
    assert current is not None  # behind @access("caseworker")
    return current.actor_id


def _caseload_entry(person_id: str) -> CaseloadEntry | None:
    caseworker_id = _caseworker_id()
    caller = Caller.preview(caseworker_id)
    caseload = PersonsClient(caller=caller).get_caseload(caseworker_id)
    return next((e for e in caseload.items if e.person.id == person_id), None)


def _refuse_outside_caseload(person_id: str) -> ResponseReturnValue:
    """Refuse, and let the plan API log the attempt on the person's access log.

    The plan API is the one that decides and logs: the portal asks it to record a preview,
    which it refuses (403) and writes as a refused attempt. A person id the plan API does
    not know gives 404 there and nothing to log. The caseworker's own words never go with
    it: the citizen's log names a refused preview, not what someone wrote about them.
    """
    caller = Caller(
        actor_id=_caseworker_id(),
        actor_role="caseworker",
        basis="caseworker_preview",
        purpose=REFUSED_PURPOSE,
    )
    log = AccessLogClient(caller)
    if not refused(lambda: log.write_access_log(person_id, "preview", "person")):
        # the plan API allowed what the caseload said no to: do not show it anyway
        current_app.logger.error("plan API allowed a preview outside the caseload: %s", person_id)
    current_app.logger.warning(
        "preview refused: %s has no caseload entry for %r", _caseworker_id(), person_id[:64]
    )
    return render_template("pages/preview/refused.html"), 403


@bp.get("/medarbejder/borgere")
@access("caseworker")
def index() -> ResponseReturnValue:
    caseworker_id = _caseworker_id()
    caller = Caller.preview(caseworker_id)
    caseload = PersonsClient(caller=caller).get_caseload(caseworker_id)
    acting = g.get("acting")
    try:
        experience: list[ExperienceSummary] | None = ExperienceClient(caller).get_summary(
            caseworker_id
        )
    except PlanAPIUnavailable:
        experience = None
    return render_template(
        "pages/preview/index.html",
        caseload=caseload,
        experience=experience,
        previewing=acting.subject_name if acting else None,
    )


def _one_line(value: object) -> object:
    return " ".join(value.split()) if isinstance(value, str) else value


class PurposeForm(PortalForm):
    """Why a caseworker opens a citizen's view; it goes to the citizen's access log."""

    purpose = TextAreaField(_l("Purpose of the preview"), filters=[_one_line])

    def validate_purpose(self, field: Any) -> None:
        if not field.data:
            raise ValidationError(_("Write why you want to see the citizen's view"))
        if len(field.data) > PURPOSE_MAX:
            raise ValidationError(
                _("The purpose can be at most %(max)d characters", max=PURPOSE_MAX)
            )


@bp.route("/medarbejder/borgere/<string:person_id>", methods=["GET", "POST"])
@access("caseworker")
def start(person_id: str) -> ResponseReturnValue:
    entry = _caseload_entry(person_id)
    if entry is None:
        # Only an attempt to start (POST) is logged: a link (GET) must not write to
        # a citizen's log in the caseworker's name.
        if request.method == "POST":
            return _refuse_outside_caseload(person_id)
        return render_template("pages/preview/refused.html"), 403
    form = PurposeForm()
    if request.method == "POST" and form.validate():
        start_preview(person_id, form.purpose.data)
        return redirect(url_for("overview.index"))
    return (
        render_template(
            "pages/preview/start.html", entry=entry, form=form, purpose_max=PURPOSE_MAX
        ),
        400 if form.errors else 200,
    )


@bp.post("/medarbejder/afslut-visning")
@access("caseworker")
def end() -> ResponseReturnValue:
    end_preview()
    return redirect(url_for("preview.index"))
