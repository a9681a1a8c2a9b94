"""The caseworker's inbox: conversations from the citizens in the caseload, unread first;
open one (the citizen then sees "Læst af ..."), answer, attach a file."""

from __future__ import annotations

import secrets
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import TextAreaField, ValidationError

from auth.access import access
from auth.session import auth_data
from portal import pages, uploads
from portal.clients.base import (
    Caller,
    PlanAPIError,
    PlanAPIRejected,
    PlanAPIUnavailable,
)
from portal.clients.messages import MessagesClient
from portal.forms import PortalForm, form_key_field, strip

bp = Blueprint("inbox", __name__)

BODY_MAX = 5000


def _caseworker_id() -> str:
    data = auth_data()
    if not data or data.get("role") != "caseworker":
        abort(403)
    return str(data["actor_id"])


def _client() -> MessagesClient:
    return MessagesClient(
        Caller(actor_id=_caseworker_id(), actor_role="caseworker", basis="caseworker_preview")
    )


@bp.get("/medarbejder/beskeder")
@access("caseworker")
def index() -> ResponseReturnValue:
    return render_template(
        "pages/inbox/index.html", conversations=_client().inbox(_caseworker_id())
    )


class AnswerForm(PortalForm):
    """A caseworker's answer in a conversation, with a file if wanted."""

    form_key = form_key_field()
    body = TextAreaField(_l("Message"), filters=[strip(BODY_MAX * 2)])
    file = FileField(_l("Attach a photo or a PDF (optional)"))

    def validate_body(self, field: Any) -> None:
        if not field.data:
            raise ValidationError(_("Write your answer"))
        if len(field.data) > BODY_MAX:
            raise ValidationError(_("The message can be at most %(max)d characters", max=BODY_MAX))


def _conversation_page(conversation_id: str, form: AnswerForm, status: int) -> ResponseReturnValue:
    client = _client()
    conversation = client.inbox_conversation(_caseworker_id(), conversation_id)
    if conversation.unread_by_staff and status == 200:
        try:
            client.staff_mark_read(_caseworker_id(), conversation.id, secrets.token_hex(16))
        except PlanAPIError as exc:
            current_app.logger.info("read receipt not recorded: %s", exc)
    response = pages.render_page(
        "pages/inbox/show.html",
        "conversation",
        conversation=conversation,
        form=form,
        accept=uploads.ACCEPT_ATTRIBUTE,
        body_max=BODY_MAX,
        sent=request.args.get("sendt", ""),
    )
    # htmx swaps only 2xx answers: to it a form with errors comes back as 200.
    response.status_code = 200 if pages.is_htmx() else status
    return response


@bp.get("/medarbejder/beskeder/<string:conversation_id>")
@access("caseworker")
def show(conversation_id: str) -> ResponseReturnValue:
    return _conversation_page(conversation_id, AnswerForm(), 200)


@bp.post("/medarbejder/beskeder/<string:conversation_id>")
@access("caseworker")
@uploads.accepts_files
def answer(conversation_id: str) -> ResponseReturnValue:
    form = AnswerForm()
    form.validate()
    form_key, body = form.form_key.data, form.body.data
    client = _client()
    me = _caseworker_id()
    key = f"answer:{me}:{conversation_id[:64]}:{form_key}"
    document_ids: list[str] = []
    file = form.file.data
    if not form.errors and file is not None:
        try:
            checked = uploads.check(file)
            document = client.staff_upload(
                me, conversation_id, checked.as_json(), f"{key}:{checked.sha256[:16]}"
            )
            document_ids.append(document.id)
        except uploads.UploadRefused as exc:
            form.add_error("file", str(exc.message))
        except (PlanAPIUnavailable, PlanAPIRejected):
            form.add_error(
                "file",
                _(
                    "We cannot receive files right now, so nothing was sent. Please try again "
                    "in a few minutes."
                ),
            )
    if form.errors:
        return _conversation_page(conversation_id, form, 400)
    client.staff_answer(me, conversation_id, {"body": body, "document_ids": document_ids}, key)
    return redirect(url_for("inbox.show", conversation_id=conversation_id, sendt=1), 303)


@bp.get("/medarbejder/beskeder/<string:conversation_id>/dokument/<string:document_id>")
@access("caseworker")
def document(conversation_id: str, document_id: str) -> ResponseReturnValue:
    file = _client().staff_document(_caseworker_id(), conversation_id, document_id)
    response = Response(file.content, mimetype=file.content_type)
    response.headers["Content-Disposition"] = f'inline; filename="{document_id}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
