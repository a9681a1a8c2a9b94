"""Samtykke: see, give, withdraw and renew the consent that lets departments share
information, with a receipt for every change and the history of changes.

Every change goes through the outbox (`portal/outbox.py`) with the form key that is
created when the confirming form is rendered (a hidden field); the outbox binds it to the
person, the actor and the consent. A double click, or
going back and sending the same form again, reaches the plan API with the same key and
records one change. If the browser fetches a fresh form (pages are `no-store`), the new
key is caught here instead: departments already covered are not granted again, a
consent that was just renewed is not renewed again, and the plan API refuses a second
withdrawal of the same departments (409).

Only the person themself or a parent with custody may change a consent; a caseworker
preview and a power of attorney see the page with every action disabled and are
refused with 403 on every change view.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectMultipleField

from auth.access import access
from auth.session import ActingAs, AuthSession
from portal import outbox, pages, waiting
from portal.clients.base import Caller, PlanAPIRejected, PlanAPIUnavailable, Write
from portal.clients.consents import GRANT, RENEW, WITHDRAW, Consent, ConsentsClient, ConsentText
from portal.clients.plan import Plan
from portal.forms import PortalForm, choices, form_key_field, strip
from portal.i18n import TZ, language, short_date
from portal.models import OutboxMessage
from portal.outbox import form_key as _form_key
from portal.pages import DEPARTMENTS, load_plan, optional

bp = Blueprint("consent", __name__)

KINDS = (GRANT, WITHDRAW, RENEW)
VALID_MONTHS = 12
RENEW_WITHIN_DAYS = 30

# Sent to the plan API in Danish (the municipality's record); shown in the reader's language.
PURPOSE = _l("To make and follow one joint plan for the holistic intervention.")
INFORMATION = {
    "employment": _l("Information about job, education, internships and benefits"),
    "social": _l("Information about support in everyday life, such as bostøtte, and housing"),
    "children_family": _l("Information about the case in Children and family"),
    "youth_education": _l("Information about the education plan and guidance"),
    "health": _l("Information about treatment and courses in the municipality's health services"),
    "school": _l("Information about schooling and absence"),
    "elderly": _l("Information about help and care at home"),
    "daycare": _l("Information about the child's daycare"),
}
EVENT_LABELS = {
    "granted": _l("Consent given"),
    "withdrawn": _l("Consent withdrawn"),
    "department_withdrawn": _l("Withdrawn for some departments"),
    "renewed": _l("Consent renewed"),
    "expired": _l("Consent expired"),
}


# --- who is asking -------------------------------------------------------------------


def may_change(acting: ActingAs | None) -> bool:
    """Consent is given or withdrawn by the person or by a parent with custody."""
    return acting is not None and not acting.read_only and acting.basis in ("self", "custody")


def _require_change() -> None:
    if not may_change(pages.acting()):
        abort(403)


def _client(caller: Caller | None = None) -> ConsentsClient:
    return ConsentsClient(caller or pages.caller())


def _departments(values: Iterable[str]) -> list[str]:
    """Known department codes, in the usual order, each once."""
    chosen = set(values)
    return [d for d in DEPARTMENTS if d in chosen]


def _consent_or_404(consent_id: str) -> Consent:
    # Always the acting person's id in the path: an id of someone else's consent is a 404.
    return _client().get_consent(pages.person_id(), consent_id)


def _consents() -> list[Consent]:
    return _client().list_consents(pages.person_id())


def _covered(consents: list[Consent]) -> set[str]:
    return {s.department for c in consents for s in c.active_scopes}


def _pending() -> list[OutboxMessage]:
    return outbox.pending(pages.person_id(), KINDS)


def _sent(kind: str, consent_id: str, form_key: str) -> bool:
    return outbox.sent(kind, pages.person_id(), consent_id, pages.caller(), form_key)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; the outbox stores UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@bp.app_template_global()
def consent_event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind, kind))


@bp.app_template_global()
def consent_information(department: str) -> str:
    return str(INFORMATION.get(department, ""))


def _text_paragraphs(text: ConsentText) -> list[str]:
    body = text.body.in_language(language())
    return [p.strip() for p in body.split("\n\n") if p.strip()]


# --- the overview's waiting list -----------------------------------------------------


@waiting.register(reads=("consents",), when=may_change)
def expiring_consents(caller: Caller, person_id: str) -> list[waiting.WaitingItem]:
    """An active consent that runs out within 30 days: renew it in one step."""
    if not may_change(g.get("acting")):
        return []
    ending = [
        c for c in pages.load_consents(caller, person_id) if c.expires_within(RENEW_WITHIN_DAYS)
    ]
    if not ending:  # most days: the portal's own database is not asked at all
        return []
    renewing = {m.resource_id for m in outbox.pending(person_id, [RENEW])}
    items = []
    for consent in ending:
        if consent.id in renewing:
            continue
        items.append(
            waiting.WaitingItem(
                kind="consent",
                title=(
                    _("Renew the consent for %(name)s", name=pages.acting().subject_name)
                    if pages.acting().basis == "custody"
                    else _("Renew your consent")
                ),
                detail=_(
                    "Your consent to share information ends %(date)s. Renewing takes one step.",
                    date=short_date(consent.expires_at),
                ),
                url=url_for("consent.renew", consent_id=consent.id),
                due=_local_date(consent.expires_at),
                urgency="soon",
            )
        )
    return items


def _local_date(moment: datetime) -> date:
    return moment.astimezone(TZ).date()


# --- the page ------------------------------------------------------------------------


@bp.get("/samtykke")
@access("citizen")
def index() -> ResponseReturnValue:
    acting = pages.acting()
    if may_change(acting):
        outbox.deliver_soon(pages.person_id())
    consents = _consents()
    active = [c for c in consents if c.active]
    history = sorted(
        ((event, consent) for consent in consents for event in consent.history),
        key=lambda pair: pair[0].at,
        reverse=True,
    )
    try:
        can_give = bool(_offered(consents))
    except PlanAPIUnavailable:
        can_give = True  # the give flow says so if there is nothing left to give
    return render_template(
        "pages/consent/index.html",
        plan=_plan_or_none(),
        can_give=can_give,
        active=active,
        earlier=[c for c in consents if not c.active],
        history=history,
        pending=_pending(),
        may_change=may_change(acting),
        renew_within=RENEW_WITHIN_DAYS,
    )


# --- give: explanation → scope → summary → receipt -----------------------------------


class ConsentForm(PortalForm):
    """Departments to give or withdraw consent for (and the consent text given on),
    carried from the choice to the summary; the form key is made on the server."""

    form_key = form_key_field()
    text_version = HiddenField(filters=[strip(32)])
    department = SelectMultipleField(validate_choice=False)

    def departments(self, allowed: Iterable[str] | None = None) -> list[str]:
        """The known departments ticked (of `allowed`, if given), in the usual order."""
        chosen = _departments(self.department.data or [])
        return chosen if allowed is None else [d for d in chosen if d in set(allowed)]

    def offer(self, departments: Iterable[str], chosen: list[str]) -> ConsentForm:
        self.department.choices = choices((d, str(DEPARTMENTS.get(d, d))) for d in departments)
        self.department.data = chosen
        return self


class ConsentSendForm(ConsentForm):
    """The sending step: a form without a valid key is refused, not given a new one."""

    form_key = form_key_field(new=False)


def _plan_or_none() -> Plan | None:
    """The person's plan when it can be read (read once per request, shared with _offered)."""
    caller, person_id = pages.caller(), pages.person_id()
    try:
        return optional(lambda: load_plan(caller, person_id))
    except PlanAPIUnavailable:
        return None


def _offered(consents: list[Consent]) -> list[str]:
    """The departments of the person's plan (or all) that no active consent covers yet."""
    caller, person_id = pages.caller(), pages.person_id()
    plan = optional(lambda: load_plan(caller, person_id))
    listed = (
        _departments(plan.departments)
        if plan and plan.departments
        else fitting_departments(pages.acting().subject_age, _cares_for_children())
    )
    covered = _covered(consents)
    return [d for d in listed if d not in covered]


def fitting_departments(age: int | None, cares_for_children: bool) -> list[str]:
    """Without a plan, the departments that can concern this person at all.

    Daycare and school concern a child or the parent of one; children and family also a
    young person; the youth unit those under 25; elderly care those 65 or over.
    """
    if age is None:
        return list(DEPARTMENTS)
    child = age < 18
    fits = {
        "employment": age >= 15,
        "social": age >= 18,
        "children_family": child or cares_for_children,
        "youth_education": 15 <= age < 25,
        "health": True,
        "school": (6 <= age < 18) or cares_for_children,
        "elderly": age >= 65,
        "daycare": age < 6 or cares_for_children,
    }
    return [d for d in DEPARTMENTS if fits[d]]


def _cares_for_children() -> bool:
    """Whether the person shown holds custody of a child (only known when acting as self)."""
    if not pages.acting().is_self:
        return False
    current = AuthSession.load()
    return current is not None and any(o.basis == "custody" for o in current.options)


def _give_page(step: str, text: ConsentText, form: ConsentForm) -> str:
    return render_template(
        "pages/consent/give.html",
        step=step,
        text=text,
        paragraphs=_text_paragraphs(text),
        information={d: str(INFORMATION[d]) for d in DEPARTMENTS},
        form=form,
        valid_months=VALID_MONTHS,
        purpose=PURPOSE,
    )


def _nothing_to_give() -> ResponseReturnValue:
    flash(_("You have already given consent for every department in your plan."), "info")
    return redirect(url_for("consent.index"), 303)


@bp.get("/samtykke/giv")
@access("citizen_write")
def give() -> ResponseReturnValue:
    """Step 1: what consent means, in plain words, on the text version that will be recorded."""
    _require_change()
    offered = _offered(_consents())
    if not offered:
        return _nothing_to_give()
    text = _client().get_current_text()
    return _give_page("explain", text, ConsentForm(text_version=text.version))


def _text_or_404(version: str) -> ConsentText:
    if not version or len(version) > 32:
        abort(404)
    return _client().get_text(version)  # an unknown version is a 404 from the plan API


@bp.route("/samtykke/giv/omfang", methods=["GET", "POST"])
@access("citizen_write")
def give_scope() -> ResponseReturnValue:
    """Step 2 (GET, or POST to change the choice) and on to step 3, the summary (POST)."""
    _require_change()
    form = ConsentForm(formdata=request.form if request.method == "POST" else request.args)
    text = _text_or_404(form.text_version.data or "")
    offered = _offered(_consents())
    if not offered:
        return _nothing_to_give()
    chosen = form.departments(offered)
    if request.method == "GET":
        chosen = chosen or list(offered)  # every department is explained; untick to leave out
    form.offer(offered, chosen)
    if request.method == "GET" or "edit" in request.form:
        return _give_page("scope", text, form)
    if not chosen:
        form.add_error("department", _("Choose at least one department."))
        return _give_page("scope", text, form), 400
    return _give_page("summary", text, form)


@bp.post("/samtykke/giv/send")
@access("citizen_write")
def give_send() -> ResponseReturnValue:
    """Confirm: send through the outbox. Works while the plan API is down (then queued)."""
    _require_change()
    form = ConsentSendForm()
    form_key, text_version, departments = (
        form.form_key.data,
        form.text_version.data,
        form.departments(),
    )
    if form_key is None or not text_version or not departments:
        abort(400)
    if _sent(GRANT, "", form_key):
        return redirect(url_for("consent.receipt", form_key=form_key), 303)
    if any(m.kind == GRANT for m in _pending()):
        flash(_("Your consent is already registered and will be delivered."), "info")
        return redirect(url_for("consent.index"), 303)
    try:
        covered = _covered(_client().list_consents(pages.person_id()))
    except PlanAPIUnavailable:
        covered = set()  # checked again by the plan API's idempotency key when delivered
    if covered.intersection(departments):
        flash(_("You have already given consent for these departments."), "info")
        return redirect(url_for("consent.index"), 303)
    with force_locale("da"):
        write = ConsentsClient.grant(
            pages.person_id(),
            text_version,
            str(PURPOSE),
            [(d, str(INFORMATION[d])) for d in departments],
            VALID_MONTHS,
        )
    return _submit(write, form_key)


def _submit(write: Write, form_key: str) -> ResponseReturnValue:
    try:
        outbox.submit(write, pages.caller(), form_key)
    except PlanAPIRejected as refused:
        if refused.status == 409:
            flash(_("This change has already been made. See your consent below."), "info")
        else:
            flash(_("The change could not be made. Please try again."), "error")
        return redirect(url_for("consent.index"), 303)
    return redirect(url_for("consent.receipt", form_key=form_key), 303)


# --- withdraw: (choose) → confirm → receipt ------------------------------------------


def _withdraw_page(consent: Consent, step: str, form: ConsentForm) -> str:
    held = [s.department for s in consent.active_scopes]
    return render_template(
        "pages/consent/withdraw.html",
        consent=consent,
        step=step,
        chosen=form.department.data,
        form=form,
        information={s.department: s.information for s in consent.active_scopes},
        everything=set(form.department.data) == set(held),
    )


def _withdrawable(consent_id: str) -> Consent:
    consent = _consent_or_404(consent_id)
    if not consent.active_scopes:
        flash(_("This consent is no longer active, so there is nothing to withdraw."), "info")
        abort(redirect(url_for("consent.index"), 303))
    return consent


@bp.get("/samtykke/<string:consent_id>/traek-tilbage")
@access("citizen_write")
def withdraw(consent_id: str) -> ResponseReturnValue:
    """The confirm step for the departments asked for (all if none); ?vaelg=1 to choose."""
    _require_change()
    consent = _withdrawable(consent_id)
    held = [s.department for s in consent.active_scopes]
    asked = [d for d in _departments(request.args.getlist("afdeling")) if d in held]
    form = ConsentForm(formdata=None).offer(held, asked or held)
    return _withdraw_page(consent, "choose" if request.args.get("vaelg") else "confirm", form)


@bp.post("/samtykke/<string:consent_id>/traek-tilbage")
@access("citizen_write")
def withdraw_choose(consent_id: str) -> ResponseReturnValue:
    _require_change()
    consent = _withdrawable(consent_id)
    held = [s.department for s in consent.active_scopes]
    form = ConsentForm()
    form.offer(held, form.departments(held))
    if not form.department.data:
        form.add_error("department", _("Choose at least one department."))
        return _withdraw_page(consent, "choose", form), 400
    return _withdraw_page(consent, "confirm", form)


@bp.post("/samtykke/<string:consent_id>/traek-tilbage/send")
@access("citizen_write")
def withdraw_send(consent_id: str) -> ResponseReturnValue:
    """Sends without reading first, so a withdrawal is never lost to a down plan API."""
    _require_change()
    form = ConsentSendForm()
    form_key, departments = form.form_key.data, form.departments()
    if form_key is None or not departments:
        abort(400)
    if _sent(WITHDRAW, consent_id, form_key):
        return redirect(url_for("consent.receipt", form_key=form_key), 303)
    return _submit(ConsentsClient.withdraw(pages.person_id(), consent_id, departments), form_key)


# --- renew: one step from the overview -----------------------------------------------


def _renewal_due(consent: Consent) -> bool:
    return consent.status == "expired" or consent.expires_within(RENEW_WITHIN_DAYS)


@bp.get("/samtykke/<string:consent_id>/forny")
@access("citizen_write")
def renew(consent_id: str) -> ResponseReturnValue:
    _require_change()
    consent = _consent_or_404(consent_id)
    if consent.status == "withdrawn":
        flash(_("A withdrawn consent cannot be renewed. You can give a new consent."), "info")
        return redirect(url_for("consent.index"), 303)
    return render_template(
        "pages/consent/renew.html",
        consent=consent,
        form=ConsentForm(formdata=None),
        valid_months=VALID_MONTHS,
        due=_renewal_due(consent),
    )


@bp.post("/samtykke/<string:consent_id>/forny")
@access("citizen_write")
def renew_send(consent_id: str) -> ResponseReturnValue:
    _require_change()
    form_key = ConsentSendForm().form_key.data
    if form_key is None:
        abort(400)
    if _sent(RENEW, consent_id, form_key):
        return redirect(url_for("consent.receipt", form_key=form_key), 303)
    for message in _pending():
        if message.kind == RENEW and message.resource_id == consent_id:
            flash(_("Your renewal is already registered and will be delivered."), "info")
            return redirect(url_for("consent.index"), 303)
    try:
        current: Consent | None = _client().get_consent(pages.person_id(), consent_id)
    except PlanAPIUnavailable:
        current = None  # queued; the plan API checks the consent when it is delivered
    if current is not None and not _renewal_due(current):
        # e.g. a fresh form after going back: it was renewed a moment ago
        flash(_("The consent does not need renewing now."), "info")
        return redirect(url_for("consent.index"), 303)
    return _submit(ConsentsClient.renew(pages.person_id(), consent_id, VALID_MONTHS), form_key)


# --- the receipt ---------------------------------------------------------------------


@bp.get("/samtykke/kvittering/<string:form_key>")
@access("citizen")
def receipt(form_key: str) -> ResponseReturnValue:
    if _form_key(form_key) is None:
        abort(404)
    message = outbox.receipt(KINDS, pages.person_id(), pages.caller(), form_key)
    if message is None:
        abort(404)
    consent: Consent | None = None
    if message.status == "delivered" and message.response:
        try:
            consent = Consent.model_validate(message.response)
        except ValueError:
            consent = None
    payload = message.payload
    if message.kind == GRANT:
        departments = [s["department"] for s in payload.get("scopes", [])]
    elif message.kind == WITHDRAW:
        departments = list(payload.get("departments", []))
    else:
        departments = [s.department for s in consent.active_scopes] if consent else []
    return render_template(
        "pages/consent/receipt.html",
        kind=message.kind.removeprefix("consent."),
        delivered=message.status == "delivered",
        rejected=message.status == "rejected",
        registered_at=_aware(message.created_at),
        departments=departments,
        text_version=consent.text.version if consent else payload.get("text_version"),
        consent=consent,
        valid_months=VALID_MONTHS,
    )
