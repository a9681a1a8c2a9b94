"""Beskeder: one secure conversation with each contact who takes messages, and "Send
dokument" straight to what the case asks for.

A message goes through the outbox (nothing is lost when the plan API is down; the receipt
says whether it has arrived). A file goes straight to the plan API, checked first
(portal/uploads.py): files never sit on the portal's disk, so while the plan API is down a
file is refused with a clear "try again later" and the text stays in the form.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf.file import FileField
from markupsafe import Markup
from wtforms import HiddenField, RadioField, TextAreaField, ValidationError

from auth.access import access
from portal import outbox, pages, uploads
from portal.clients.base import (
    PlanAPIError,
    PlanAPINotFound,
    PlanAPIRejected,
    PlanAPIUnavailable,
)
from portal.clients.messages import SEND, Conversations, MessagesClient
from portal.clients.plan import PlanClient
from portal.forms import PortalForm, choices, form_key_field, strip
from portal.i18n import TZ, short_date, time_of_day

bp = Blueprint("messages", __name__)

BODY_MAX = 5000


def _person_id() -> str:
    return pages.person_id()


def may_write() -> bool:
    acting = g.get("acting")
    return bool(acting and not acting.read_only and acting.covers("messages:write"))


def may_upload() -> bool:
    acting = g.get("acting")
    return bool(acting and not acting.read_only and acting.covers("documents:write"))


def _mark_read(conversations: Conversations) -> None:
    """The contact sees "Læst af ..." once the citizen has had the page (not in a preview)."""
    if not may_write():
        return
    client = MessagesClient(pages.caller())
    for conversation in conversations.items:
        if conversation.unread_by_citizen:
            try:
                client.mark_read(_person_id(), conversation.id, secrets.token_hex(16))
            except PlanAPIError as exc:  # a read receipt can wait for the next visit
                current_app.logger.info("read receipt not recorded: %s", exc)


class MessageForm(PortalForm):
    """A message to one of the contacts who take messages, with a file if wanted."""

    form_key = form_key_field()
    contact_id = RadioField(_l("To"), validate_choice=False)
    body = TextAreaField(_l("Message"), filters=[strip(BODY_MAX * 2)])
    letter_id = HiddenField(filters=[strip(64)])
    file = FileField(_l("Attach a photo or a PDF (optional)"))

    def validate_body(self, field: Any) -> None:
        if not field.data:
            raise ValidationError(_("Write your message"))
        if len(field.data) > BODY_MAX:
            raise ValidationError(_("The message can be at most %(max)d characters", max=BODY_MAX))
        if not _sendable(field.data):
            raise ValidationError(_("The message contains characters that cannot be sent"))


def _recipient_label(recipient: Any) -> Markup:
    label = Markup("{}, {}").format(recipient.name, recipient.role_title)
    if recipient.answer_days:
        usually = ngettext(
            "usually answers within %(num)d working day",
            "usually answers within %(num)d working days",
            recipient.answer_days,
        )
        label += Markup(' <span class="muted">– {}</span>').format(usually)
    return label


def _page(form: MessageForm | None = None, status: int = 200) -> ResponseReturnValue:
    conversations: Conversations | None = None
    failed = False
    try:
        conversations = MessagesClient(pages.caller()).list_conversations(_person_id())
    except PlanAPIUnavailable:
        failed = True
    recipients = conversations.recipients if conversations else []
    if form is None:  # a fresh form: whom to (?til=) and a complaint about a letter (?klage=)
        form = MessageForm(formdata=None, contact_id=request.args.get("til", ""))
        form.letter_id.data = request.args.get("klage", "")[:64]
        if form.letter_id.data:
            form.body.data = _("I want to complain about the decision. I disagree because: ")
    if recipients and not any(r.id == form.contact_id.data for r in recipients):
        form.contact_id.data = recipients[0].id
    form.contact_id.choices = choices((r.id, _recipient_label(r)) for r in recipients)
    pending = outbox.pending(_person_id(), [SEND])
    if conversations is not None and status == 200:
        _mark_read(conversations)
    response = pages.render_page(
        "pages/messages/index.html",
        "conversation",
        conversations=conversations,
        failed=failed,
        recipients=recipients,
        complaint=form.letter_id.data,
        pending=pending,
        form=form,
        may_write=may_write(),
        may_upload=may_upload(),
        accept=uploads.ACCEPT_ATTRIBUTE,
        body_max=BODY_MAX,
        sent=request.args.get("sendt", ""),
        queued=request.args.get("venter", ""),
    )
    # htmx swaps only 2xx answers: to it a form with errors comes back as 200.
    response.status_code = 200 if pages.is_htmx() else status
    return response


@bp.get("/beskeder")
@access("citizen")
def index() -> ResponseReturnValue:
    if may_write():
        outbox.deliver_pending(_person_id(), limit=10)
    return _page()


def _upload(checked: uploads.CheckedFile, form_key: str, **extra: Any) -> str:
    document = MessagesClient(pages.caller()).upload(
        _person_id(),
        checked.as_json() | extra,
        # Uploads go straight to the plan API (never queued), with the outbox's kind of key.
        outbox.idempotency_key(
            "document.upload", _person_id(), pages.acting().actor_id, checked.sha256[:16], form_key
        ),
    )
    return document.id


def _sendable(text: str) -> bool:
    """Text a database can hold: no NUL characters, no lone surrogates."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def _checked_refs(
    form: MessageForm, contact_id: str, letter_id: str | None
) -> tuple[str, str | None]:
    """The recipient must take messages; a complaint must name one of the person's letters.

    Checked against the plan API when it answers; when it is down the message is queued and
    the plan API checks again when it is delivered.
    """
    client = MessagesClient(pages.caller())
    try:
        recipients = client.list_conversations(_person_id()).recipients
    except PlanAPIUnavailable:
        return contact_id, letter_id
    if not any(r.id == contact_id for r in recipients):
        form.add_error("contact_id", _("Choose who the message is for"))
    wanted = letter_id or ""
    if wanted and pages.refused(lambda: client.get_letter(_person_id(), wanted)):
        letter_id = None  # not one of this person's letters: an ordinary message
    return contact_id, letter_id


def _file_error(exc: Exception) -> str:
    if isinstance(exc, uploads.UploadRefused):
        return str(exc.message)
    if isinstance(exc, PlanAPIUnavailable):
        return _(
            "We cannot receive files right now, so nothing was sent. Please try again in a "
            "few minutes."
        )
    return _("The file could not be sent. Choose another file")


@bp.post("/beskeder")
@access("citizen_write")
@uploads.accepts_files
def send() -> ResponseReturnValue:
    if not may_write():
        abort(403)
    form = MessageForm()
    form.validate()
    form_key, body = form.form_key.data, form.body.data
    contact_id, letter_id = _checked_refs(form, form.contact_id.data or "", form.letter_id.data)
    file = form.file.data
    document_ids: list[str] = []
    if file is not None:
        if not may_upload():
            form.add_error("file", _("You cannot send files for this person"))
        elif not form.errors:
            try:
                document_ids.append(_upload(uploads.check(file), form_key))
            except (uploads.UploadRefused, PlanAPIUnavailable, PlanAPIRejected) as exc:
                form.add_error("file", _file_error(exc))
    if form.errors:
        return _page(form, status=400)
    payload: dict[str, Any] = {"contact_id": contact_id, "body": body}
    if document_ids:
        payload["document_ids"] = document_ids
    if letter_id:
        payload["letter_id"] = letter_id
    try:
        delivery = outbox.submit(
            MessagesClient.new_message(_person_id(), payload), pages.caller(), form_key
        )
    except (PlanAPIRejected, PlanAPINotFound):
        form.add_error(
            "contact_id", _("The message could not be sent to this person. Choose again")
        )
        return _page(form, status=400)
    if delivery.status == "delivered":
        return redirect(url_for("messages.index", sendt=1, _anchor="receipt"), 303)
    return redirect(url_for("messages.index", venter=1, _anchor="receipt"), 303)


def _inline(content: bytes, content_type: str, filename: str) -> Response:
    response = Response(content, mimetype=content_type)
    safe = "".join(ch for ch in filename if ch.isalnum() or ch in "._-") or "dokument"
    response.headers["Content-Disposition"] = f'inline; filename="{safe}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/beskeder/dokument/<string:document_id>")
@access("citizen")
def document(document_id: str) -> ResponseReturnValue:
    file = MessagesClient(pages.caller()).document(_person_id(), document_id)
    return _inline(file.content, file.content_type, document_id)


# -- Send dokument: straight to what the case asks for ----------------------------------------


def _asked_for(missing_id: str) -> tuple[Any, Any]:
    for case in PlanClient(pages.caller()).list_cases(_person_id()):
        for item in case.missing_documents:
            if item.id == missing_id:
                return case, item
    abort(404)


class DocumentForm(PortalForm):
    """A document the case asks for; the file is checked by `portal.uploads`."""

    form_key = form_key_field()
    file = FileField(_l("Choose a photo or a PDF"))


@bp.route("/send-dokument/<string:missing_id>", methods=["GET", "POST"])
@access("citizen_write")
@uploads.accepts_files
def send_document(missing_id: str) -> ResponseReturnValue:
    if not may_upload():
        abort(403)
    case, item = _asked_for(missing_id)
    if not item.uploadable:
        abort(404)
    form = DocumentForm()
    if request.method == "POST":
        form.validate()
        try:
            _upload(uploads.check(form.file.data), form.form_key.data, missing_document_id=item.id)
        except (uploads.UploadRefused, PlanAPIUnavailable, PlanAPIRejected) as exc:
            form.add_error("file", _file_error(exc))
        else:
            flash(
                _("%(title)s is received. Thank you.", title=item.title),
                "success",
            )
            return redirect(url_for("plan.index", _anchor=f"case-{case.id}"), 303)
    return (
        render_template(
            "pages/messages/send_document.html",
            case=case,
            item=item,
            form=form,
            accept=uploads.ACCEPT_ATTRIBUTE,
            max_mb=current_app.config["PORTAL_UPLOAD_MAX_BYTES"] // (1024 * 1024),
            today=date.today(),
        ),
        400 if form.errors else 200,
    )


@bp.app_template_global()
def can_send_documents() -> bool:
    """Whether "Send dokument" is offered on the plan (not in a preview, not outside scope)."""
    return may_upload()


@bp.app_template_filter()
def message_time(value: datetime) -> str:
    """'i dag 10.14', 'i går 17.05', or '3. december 2026 10.14'."""
    day = value.astimezone(TZ).date()
    today = datetime.now(TZ).date()
    if day == today:
        when = _("today")
    elif day == today - timedelta(days=1):
        when = _("yesterday")
    else:
        when = short_date(day)
    return f"{when} {time_of_day(value)}"
