"""Who has seen my data (like sundhed.dk's Min Log) and My data (GDPR art. 15 / aktindsigt).

The log is the plan API's access log of the person: every read and change, by whom, on
what basis, newest first, filtered and paged by the plan API. The export gathers everything
the portal shows about the person, as a printable HTML document and as JSON; the export
itself is written to the log.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from babel.lists import format_list
from flask import Blueprint, Response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField

from auth.access import access
from auth.session import ActingAs
from portal import access_visits, pages
from portal.clients.access_log import ACTOR_KINDS, AccessLogClient, AccessLogEntry
from portal.clients.appointments import Appointment, AppointmentsClient
from portal.clients.base import APIModel, PlanAPINotFound
from portal.clients.consents import Consent, ConsentsClient
from portal.clients.contacts import Contact, ContactsClient
from portal.clients.plan import Case, Plan, PlanClient
from portal.clients.questionnaires import (
    Instrument,
    QuestionnaireResponse,
    QuestionnairesClient,
    Score,
)
from portal.forms import PortalForm, choices, strip
from portal.i18n import TZ, date_example, language, long_datetime, parse_date_input

bp = Blueprint("mydata", __name__)

PAGE_SIZE = 20

ACTIONS = {
    "read": _l("looked at"),
    "preview": _l("looked at, in a caseworker preview,"),
    "change": _l("changed"),
    "export": _l("downloaded"),
}
AREAS = {
    "person": _l("name and age"),
    "plan": _l("the plan"),
    "goal": _l("the plan's goal"),
    "cases": _l("cases"),
    "appointments": _l("appointments"),
    "contacts": _l("contacts"),
    "consents": _l("consents"),
    "questionnaires": _l("questionnaires and answers"),
    "scores": _l("questionnaire results"),
    "relations": _l("custody and powers of attorney"),
    "representations": _l("whom they may act for"),
    "access-log": _l("this log"),
    "export": _l("all data (download)"),
    "conversations": _l("messages"),
    "documents": _l("documents sent"),
    "letters": _l("letters and decisions"),
    "involvements": _l("the parts of a plan about them"),
}
BASES = {
    "self": _l("Own data"),
    "custody": _l("Custody (parent of a child under 18)"),
    "power_of_attorney": _l("Power of attorney"),
    "caseworker_preview": _l("Caseworker preview"),
    "plan_member": _l("Named in the plan (family member)"),
    "system": _l("Automatic processing"),
}
CONSENT_STATUS = {
    "active": _l("in force"),
    "withdrawn": _l("withdrawn"),
    "expired": _l("expired"),
}
SCOPE_STATUS = {
    "active": _l("shared"),
    "withdrawn": _l("no longer shared"),
}
KIND_FILTER = {
    "citizen": _l("The person themself"),
    "guardian": _l("Parents with custody"),
    "representative": _l("Holders of a power of attorney"),
    "caseworker": _l("Caseworkers"),
    "family_member": _l("Family members named in the plan"),
    "system": _l("Automatic processing"),
}


def who_label(entry: AccessLogEntry, acting: ActingAs) -> str:
    """The actor's role as the reader of the log sees it: "you", "your parent", ..."""
    own = acting.is_self
    if entry.actor.id == acting.actor_id and acting.actor_role == "citizen":
        return _("you yourself")
    kind = entry.actor.kind
    if kind == "citizen":
        return _("you yourself") if own else _("the person themself")
    if kind == "guardian":
        return _("your parent") if own else _("parent with custody")
    if kind == "caseworker":
        return _("your caseworker") if own else _("caseworker")
    if kind == "family_member":
        return _("family member in your plan") if own else _("family member in the plan")
    if kind == "representative":
        return _("holds your power of attorney") if own else _("holds a power of attorney")
    return _("automatic processing")


@bp.app_template_global()
def access_action(code: str) -> str:
    return str(ACTIONS.get(code, code))


@bp.app_template_global()
def access_area(entry: AccessLogEntry) -> str:
    """What was read, in words; one page view can read several kinds ("the plan and cases")."""
    labels = [str(AREAS.get(area, area)) for area in entry.areas] or [entry.resource]
    return format_list(labels, locale=language())


@bp.app_template_global()
def access_area_name(code: str) -> str:
    return str(AREAS.get(code, code))


@bp.app_template_global()
def access_areas(codes: list[str]) -> str:
    """Kinds of data in words as one list ("the plan, cases and appointments")."""
    return format_list([access_area_name(c) for c in codes], locale=language())


@bp.app_template_global()
def access_bases(codes: list[str]) -> str:
    return ", ".join(access_basis(code) for code in codes)


@bp.app_template_global()
def consent_status_word(code: str, scope: bool = False) -> str:
    """A consent's (or a department's) status in words, as on the consent page."""
    return str((SCOPE_STATUS if scope else CONSENT_STATUS).get(code, code))


@bp.app_template_global()
def access_basis(code: str | None) -> str:
    return str(BASES.get(code or "", code or ""))


def _kind(value: object) -> str:
    return value if isinstance(value, str) and value in ACTOR_KINDS else ""


class LogFilter(PortalForm):
    """The access log's filter: a GET form over the query (`LogFilter(request.args)`), so a
    filtered page can be bookmarked; the parameters keep their Danish names in the URL."""

    hvem = SelectField(_l("Who"), default="", validate_choice=False, filters=[_kind])
    fra = StringField(_l("From date"), filters=[strip(20)])
    til = StringField(_l("To date"), filters=[strip(20)])
    egne = StringField()  # "1": also the reader's own visits
    side = StringField()

    since: date | None = None
    until: date | None = None

    def __init__(self, formdata: Any) -> None:
        super().__init__(formdata=formdata)
        self.hvem.choices = choices([("", _("Everyone")), *KIND_FILTER.items()])
        self.own = self.egne.data == "1"
        page = self.side.data or "1"
        self.page = int(page) if page.isdigit() and 0 < int(page) <= 10000 else 1

    @property
    def kind(self) -> str:
        return str(self.hvem.data or "")

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        for field, attribute in ((self.fra, "since"), (self.til, "until")):
            if not field.data:
                continue
            day = parse_date_input(field.data)
            if day is None:
                self.add_error(
                    field.name,
                    _("Write the date like this: %(example)s.", example=date_example(-30)),
                )
            setattr(self, attribute, day)
        if self.since and self.until and self.since > self.until:
            self.add_error("til", _("The end date must be on or after the start date"))
            self.until = None
        return not self.errors

    def args(self, **override: Any) -> dict[str, Any]:
        values = {
            "hvem": self.kind,
            "fra": self.fra.data,
            "til": self.til.data,
            "egne": 1 if self.own else 0,
        } | override
        return {k: v for k, v in values.items() if v not in ("", None, 1, 0) or (k == "egne" and v)}


@bp.get("/hvem-har-set-mine-oplysninger")
@access("citizen")
def access_log() -> ResponseReturnValue:
    acting = pages.acting()
    found = LogFilter(request.args)
    found.validate()
    entries = AccessLogClient(pages.caller()).list_all(
        acting.subject_id,
        actor_kind=found.kind or None,  # type: ignore[arg-type]
        since=found.since,
        until=found.until,
    )
    # The reader's own page views apart (a caseworker's preview hides nothing).
    grouped = access_visits.group(
        entries, acting.actor_id if acting.actor_role == "citizen" else None
    )
    shown = grouped.others + (grouped.own if found.own else [])
    page_count = max(1, -(-len(shown) // PAGE_SIZE))
    found.page = min(found.page, page_count)
    start = (found.page - 1) * PAGE_SIZE

    def page_url(number: int) -> str:
        return url_for("mydata.access_log", **found.args(side=number))

    return (
        render_template(
            "pages/mydata/access_log.html",
            visits=[(v, who_label(v.entries[0], acting)) for v in shown[start : start + PAGE_SIZE]],
            grouped=grouped,
            own_url=url_for("mydata.access_log", **found.args(egne=0 if found.own else 1, side=1)),
            found=found,
            form=found,
            page_urls=[(n, page_url(n)) for n in range(1, page_count + 1)],
            previous_url=page_url(found.page - 1) if found.page > 1 else None,
            next_url=page_url(found.page + 1) if found.page < page_count else None,
        ),
        400 if found.errors else 200,
    )


# --- my data (aktindsigt) -------------------------------------------------------------


class Export(APIModel):
    """Everything the portal shows about the person, as one document."""

    generated_at: datetime
    person: dict[str, Any]
    plan: Plan | None
    cases: list[Case]
    appointments_upcoming: list[Appointment]
    appointments_past: list[Appointment]
    contacts: list[Contact]
    consents: list[Consent]
    questionnaire_responses: list[QuestionnaireResponse]
    scores: list[Score]
    access_log: list[AccessLogEntry]
    instruments: dict[str, Instrument] = {}

    def instrument_title(self, response: QuestionnaireResponse) -> str:
        found = self.instruments.get(response.instrument_id)
        return str(found.title) if found else response.instrument_id

    def answer_words(self, response: QuestionnaireResponse) -> list[tuple[str, str]]:
        """Each answer as (question, the answer's words), not item ids and numbers."""
        found = self.instruments.get(response.instrument_id)
        items = {i.id: i for i in found.items} if found else {}
        labels = {i.item_id: str(i.label) for i in response.score.items if i.label}
        words = []
        for answer in response.answers:
            item = items.get(answer.item_id)
            question = str(item.text) if item else labels.get(answer.item_id, answer.item_id)
            said = str(answer.value)
            if found and item:
                options = found.scale_of(item).options
                said = next((str(o.label) for o in options if o.value == answer.value), said)
            words.append((question, said))
        return words


def gather(acting: ActingAs) -> Export:
    """Read every part from the plan API; the reads themselves land in the access log."""
    caller, person_id = pages.caller(), acting.subject_id
    plan = PlanClient(caller).get_plan(person_id)
    try:
        cases = PlanClient(caller).list_cases(person_id)
    except PlanAPINotFound:
        cases = []
    appointments = AppointmentsClient(caller)
    questionnaires = QuestionnairesClient(caller)
    scores = questionnaires.list_scores(person_id)
    instruments = dict.fromkeys(
        [s.instrument_id for s in scores]
        + [d.instrument_id for d in questionnaires.list_due(person_id)]
    )
    responses = [r for i in instruments for r in questionnaires.list_responses(person_id, i)]
    wording = {i: questionnaires.get_person_questionnaire(person_id, i) for i in instruments}
    AccessLogClient(caller).write_access_log(person_id, "export", "export")
    return Export(
        generated_at=datetime.now(TZ),
        person={"id": person_id, "name": acting.subject_name, "age": acting.subject_age},
        plan=plan,
        cases=cases,
        appointments_upcoming=appointments.list_appointments(person_id, "upcoming"),
        appointments_past=appointments.list_appointments(person_id, "past"),
        contacts=ContactsClient(caller).list_contacts(person_id),
        consents=ConsentsClient(caller).list_consents(person_id),
        questionnaire_responses=sorted(responses, key=lambda r: r.answered_at),
        scores=scores,
        access_log=AccessLogClient(caller).list_all(person_id),
        instruments=wording,
    )


def _log_lines(entries: list[AccessLogEntry], acting: ActingAs) -> list[tuple[str, ...]]:
    """The export's log in words, one line per entry: (when, who, role, what, basis, purpose).

    A log holds up to 2000 entries with a handful of distinct roles, actions, areas and
    bases: each is put into words once, not once per line (it was most of the export's time).
    """
    words: dict[tuple[Any, ...], str] = {}
    lines: list[tuple[str, ...]] = []
    for e in entries:
        role = ("role", e.actor.id, e.actor.kind)
        what = ("what", e.refused, e.action, tuple(e.areas), e.resource)
        basis = ("basis", e.basis)
        if role not in words:
            words[role] = who_label(e, acting)
        if what not in words:
            done = _("tried to see") if e.refused else access_action(e.action)
            words[what] = f"{done} {access_area(e)}"
        if basis not in words:
            words[basis] = access_basis(e.basis)
        at = long_datetime(e.at)
        lines.append((at, e.actor.name, words[role], words[what], words[basis], e.purpose or ""))
    return lines


def _filename(acting: ActingAs, extension: str) -> str:
    return f"mine-data-{acting.subject_id}-{datetime.now(TZ).date().isoformat()}.{extension}"


@bp.get("/mine-data")
@access("citizen")
def index() -> ResponseReturnValue:
    return render_template("pages/mydata/index.html")


@bp.post("/mine-data/oplysninger")
@access("citizen_write")
def export() -> ResponseReturnValue:
    """The readable document; `hent=1` sends it as a file to keep.

    A POST, like the JSON: an export writes to the person's access log, and a link (a
    prefetch, an image on another site) must never do that."""
    acting = pages.acting()
    data = gather(acting)
    response = Response(
        render_template(
            "pages/mydata/export.html",
            data=data,
            log=_log_lines(data.access_log, acting),
        )
    )
    if request.form.get("hent") == "1":
        response.headers["Content-Disposition"] = (
            f'attachment; filename="{_filename(acting, "html")}"'
        )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/mine-data/oplysninger.json")
@access("citizen_write")
def export_json() -> ResponseReturnValue:
    acting = pages.acting()
    body = json.dumps(gather(acting).model_dump(mode="json"), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{_filename(acting, "json")}"',
            "Cache-Control": "no-store",
        },
    )
