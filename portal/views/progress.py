"""Sådan går det: short recurring questionnaires, and the citizen's own progress over time.

Answering takes the answers plus two taps: "Se dine svar" (summary) and "Send". The
summary carries the answers and the form key in hidden fields, so a double click, or
going back and sending again, reaches the outbox with the same idempotency key and
records one response. Drafts ("Gem og fortsæt senere") live in the portal's DB.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from auth.access import access
from auth.session import ActingAs
from portal import cadence, charts, drafts, outbox, pages, scoring, waiting
from portal.clients.base import Caller, PlanAPINotFound, PlanAPIRejected, PlanAPIUnavailable
from portal.clients.questionnaires import (
    RESPONSE,
    WHO5,
    DueQuestionnaire,
    Instrument,
    QuestionnairesClient,
    Score,
    submit_response,
)
from portal.i18n import language
from portal.models import OutboxMessage
from portal.outbox import new_form_key
from portal.pages import optional
from portal.progress_forms import AnswerForm, answer_form
from portal.progress_sections import score_section

bp = Blueprint("progress", __name__)

_ANSWER_FIELD = re.compile(r"answers\.(\d+)\b")
# A parent answers the child-perspective version for a child under this age.
PARENT_ANSWERS_UNDER = 15


# --- who is asking -------------------------------------------------------------------


def _may_answer(acting: ActingAs | None) -> bool:
    """The person themself, or a parent with custody of a child under 15."""
    if acting is None or acting.read_only:
        return False
    if acting.basis == "self":
        return True
    age = acting.subject_age
    return acting.basis == "custody" and age is not None and age < PARENT_ANSWERS_UNDER


def _client(caller: Caller | None = None) -> QuestionnairesClient:
    return QuestionnairesClient(caller or pages.caller())


def _pending(person_id: str) -> dict[str, OutboxMessage]:
    """Answers registered in the portal but not yet delivered, by instrument."""
    return {m.resource_id: m for m in outbox.pending(person_id, [RESPONSE])}


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; the outbox stores UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- the overview's waiting list -----------------------------------------------------


@waiting.register(reads=("questionnaires",), when=lambda acting: _may_answer(acting))
def due_questionnaires(caller: Caller, person_id: str) -> list[waiting.WaitingItem]:
    """Questionnaires the person (or their parent) can answer now."""
    if not _may_answer(g.get("acting")):
        return []
    ready = [d for d in pages.load_due(caller, person_id) if d.status in ("due", "overdue")]
    if not ready:  # most days: the portal's own database is not asked at all
        return []
    pending = _pending(person_id)
    return [
        waiting.WaitingItem(
            kind="questionnaire",
            title=_("Answer: %(title)s", title=str(due.title)),
            detail=ngettext("About %(num)d minute", "About %(num)d minutes", due.estimated_minutes),
            url=url_for("progress.answer", instrument_id=due.instrument_id),
            ready_since=due.due_on,
        )
        for due in ready
        if due.instrument_id not in pending
    ]


# --- my progress ---------------------------------------------------------------------


@bp.get("/saadan-gaar-det")
@access("citizen")
def index() -> ResponseReturnValue:
    person_id = pages.person_id()
    acting = pages.acting()
    if not acting.read_only:
        outbox.deliver_soon(person_id)
    client = _client()
    due_list: list[DueQuestionnaire] | None
    try:
        due_list = client.list_due(person_id)
    except PlanAPIUnavailable:
        due_list = None
    sections: list[dict[str, Any]] | None
    try:
        sections = []
        by_instrument: dict[str, list[Score]] = {}
        for score in client.list_scores(person_id):
            by_instrument.setdefault(score.instrument_id, []).append(score)
        order = [d.instrument_id for d in due_list or []]
        for instrument_id in sorted(
            by_instrument, key=lambda i: (order.index(i) if i in order else len(order), i)
        ):
            try:
                instrument = client.get_person_questionnaire(person_id, instrument_id)
            except PlanAPINotFound:
                instrument = None
            sections.append(score_section(instrument_id, by_instrument[instrument_id], instrument))
    except PlanAPIUnavailable:
        sections = None
    pending = _pending(person_id)
    cadences = {d.instrument_id: d.cadence_weeks for d in due_list or []}
    return render_template(
        "pages/progress/index.html",
        due_list=due_list,
        may_answer=_may_answer(acting),
        pending=pending,
        next_after_pending={
            instrument_id: cadence.next_due(_aware(message.created_at), cadences[instrument_id])
            for instrument_id, message in pending.items()
            if instrument_id in cadences
        },
        drafts=drafts.for_person(acting.actor_id, person_id),
        sections=sections,
        who5=WHO5,
        legend_key=charts.legend_key,
    )


# --- answering -----------------------------------------------------------------------


def _answerable(instrument_id: str) -> tuple[str, Instrument]:
    """The instrument as this person answers it, if the one acting may answer it."""
    if not _may_answer(pages.acting()):
        abort(403)
    person_id = pages.person_id()
    return person_id, _client().get_person_questionnaire(person_id, instrument_id)


def _render_form(form: AnswerForm, status: int = 200) -> ResponseReturnValue:
    return (
        render_template(
            "pages/progress/answer.html",
            instrument=form.instrument,
            form=form,
            for_child=pages.acting().basis == "custody",
            who5=WHO5,
        ),
        status,
    )


@bp.get("/saadan-gaar-det/<string:instrument_id>/besvar")
@access("citizen_write")
def answer(instrument_id: str) -> ResponseReturnValue:
    person_id, instrument = _answerable(instrument_id)
    draft = drafts.find(pages.acting().actor_id, person_id, instrument_id)
    if draft is not None and draft.instrument_version == str(instrument.version):
        return _render_form(answer_form(instrument, draft.answers, draft.form_key))
    return _render_form(answer_form(instrument))


@bp.post("/saadan-gaar-det/<string:instrument_id>/besvar")
@access("citizen_write")
def review(instrument_id: str) -> ResponseReturnValue:
    """ "Se dine svar" (to the summary) or "Gem og fortsæt senere" (keep a draft)."""
    person_id, instrument = _answerable(instrument_id)
    form = answer_form(instrument)
    valid = form.validate()
    save = request.form.get("action") == "save"
    if not save and not valid:
        return _render_form(form, 400)
    drafts.save(
        actor_id=pages.acting().actor_id,
        person_id=person_id,
        instrument_id=instrument_id,
        instrument_version=str(instrument.version),
        answers=form.checked.answers,
        form_key=form.form_key.data,
        instrument=instrument.model_dump(mode="json"),
    )
    if save:
        flash(_("Your answers are saved. You can continue later."), "success")
        return redirect(url_for("progress.index"), 303)
    return render_template(
        "pages/progress/summary.html",
        instrument=instrument,
        form=form,
        for_child=pages.acting().basis == "custody",
    )


def _sendable(instrument_id: str, form_key: str) -> Instrument:
    """The instrument to check the answers against, also while the plan API is down.

    The summary step stored the instrument (after checking that this person may answer
    it) in the draft; if the plan API cannot be asked now, that copy is used.
    """
    try:
        return _answerable(instrument_id)[1]
    except PlanAPIUnavailable:
        draft = drafts.find(pages.acting().actor_id, pages.person_id(), instrument_id)
        if draft is None or draft.form_key != form_key or draft.instrument is None:
            raise
        return Instrument.model_validate(draft.instrument)


@bp.post("/saadan-gaar-det/<string:instrument_id>/send")
@access("citizen_write")
def send(instrument_id: str) -> ResponseReturnValue:
    person_id = pages.person_id()
    form_key = outbox.form_key(request.form.get("form_key"))
    if form_key is not None and outbox.sent(
        RESPONSE, person_id, instrument_id, pages.caller(), form_key
    ):
        # Sent before (a double click, or back and send again): one response, same receipt.
        return redirect(url_for("progress.receipt", form_key=form_key), 303)
    form = answer_form(_sendable(instrument_id, form_key or ""))
    instrument = form.instrument
    if not form.validate() or form_key is None:
        return _render_form(form, 400)
    acting = pages.acting()
    write = submit_response(person_id, instrument, form.checked.answers, language())
    try:
        outbox.submit(write, pages.caller(), form_key)
    except PlanAPIRejected as refused:
        items = instrument.ordered_items
        for field, reason in refused.field_errors.items():
            # "answers.<n>.value": n indexes the answers as sent, in item order
            index = _ANSWER_FIELD.match(field)
            if index and int(index.group(1)) < len(items):
                number = int(index.group(1)) + 1
                form.add_error(
                    scoring.field_name(items[number - 1]),
                    _(
                        "Question %(number)d: the answer was not accepted (%(reason)s).",
                        number=number,
                        reason=reason,
                    ),
                )
        if not form.errors:
            flash(
                _("Your answers could not be received. Please check them and send again."), "error"
            )
        form.form_key.data = new_form_key()
        return _render_form(form, 400)
    drafts.discard(acting.actor_id, person_id, instrument_id)
    return redirect(url_for("progress.receipt", form_key=form_key), 303)


@bp.get("/saadan-gaar-det/kvittering/<string:form_key>")
@access("citizen")
def receipt(form_key: str) -> ResponseReturnValue:
    person_id = pages.person_id()
    if outbox.form_key(form_key) is None:
        abort(404)
    message = outbox.receipt([RESPONSE], person_id, pages.caller(), form_key)
    if message is None or message.status == "rejected":
        abort(404)
    reported = None
    low = high = None
    if message.status == "delivered" and message.response:
        stored = message.response.get("score") or {}
        reported, low, high = (
            stored.get("reported"),
            stored.get("reported_min"),
            stored.get("reported_max"),
        )
    title = None
    instrument_id = message.resource_id
    instrument: Instrument | None
    try:
        instrument = optional(lambda: _client().get_person_questionnaire(person_id, instrument_id))
    except PlanAPIUnavailable:
        instrument = None
    if instrument is not None:
        title = str(instrument.title)
        if reported is None and instrument.version == message.payload.get("instrument_version"):
            answers = {a["item_id"]: int(a["value"]) for a in message.payload.get("answers", [])}
            if set(answers) == {i.id for i in instrument.items}:
                result = scoring.score(instrument, answers)
                reported = result.reported
                low, high = instrument.scoring.reported_min, instrument.scoring.reported_max
    return render_template(
        "pages/progress/receipt.html",
        delivered=message.status == "delivered",
        title=title,
        instrument=instrument,
        reported=reported,
        low=low,
        high=high,
        answered_at=message.created_at,
        is_who5=instrument_id == WHO5,
    )
