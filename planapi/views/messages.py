"""One voice: conversations with the contacts who take messages, documents the citizen
sends (to a message or to what the case asks for), and letters and decisions.

The citizen side is person-scoped (`messages:*`, `documents:*`, `letters:read`) and checked
like every other read; the caseworker answers from an inbox of the conversations addressed
to them for the persons in their caseload.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from flask import Blueprint, Response, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from planapi import clock, events, serialize
from planapi.access import (
    ID_RE,
    Caller,
    actor_name,
    authorize,
    authorize_caseworker,
    in_caseload,
    log_access,
)
from planapi.extensions import db
from planapi.idempotency import key_from_headers, run_once
from planapi.inputs import DocumentIn, MessageIn, StaffMessageIn, parse
from planapi.models import (
    Case,
    Caseworker,
    Contact,
    Conversation,
    Document,
    Letter,
    Message,
    MissingDocument,
    Person,
    new_id,
)
from planapi.notify import notify_caseworkers
from planapi.problems import Problem, invalid

bp = Blueprint("messages", __name__, url_prefix="/v1")

# The first bytes of each accepted type; the portal sniffs with a library, this is the
# plan API's own check that a body is what it says it is.
MAGIC = {
    "application/pdf": lambda b: b.startswith(b"%PDF-"),
    "image/jpeg": lambda b: b.startswith(b"\xff\xd8\xff"),
    "image/png": lambda b: b.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/heic": lambda b: b[4:8] == b"ftyp" and b[8:12] in (b"heic", b"heix", b"mif1", b"msf1"),
}


def _conversations(person_id: str) -> list[Conversation]:
    return list(
        db.session.scalars(
            select(Conversation)
            .where(Conversation.person_id == person_id)
            .order_by(Conversation.last_message_at.desc())
        )
    )


def _person_conversation(person: Person, conversation_id: str) -> Conversation:
    found = (
        db.session.get(Conversation, conversation_id) if ID_RE.fullmatch(conversation_id) else None
    )
    if found is None or found.person_id != person.id:
        raise Problem(404, "No such conversation for this person.", kind="not-found")
    return found


def _writer(person_id: str, scope: str, resource: str) -> tuple[Caller, Person]:
    caller, person = authorize(person_id, scope, resource=resource)
    return caller, person


def _mark_read(conversation: Conversation, author_kind: str, reader: str) -> None:
    moment = clock.now()
    for item in conversation.messages:
        if item.author_kind == author_kind and item.read_at is None:
            item.read_at = moment
            item.read_by_name = reader


def _attach(person: Person, document_ids: list[str], message: Message) -> None:
    if len(set(document_ids)) != len(document_ids):
        raise invalid([{"field": "document_ids", "message": "each document may appear once"}])
    for document_id in document_ids:
        found = db.session.get(Document, document_id)
        if (
            found is None
            or found.person_id != person.id
            or found.kind != "upload"
            or found.message_id is not None
        ):
            raise invalid(
                [{"field": "document_ids", "message": f"no unattached upload {document_id!r}"}]
            )
        found.message_id = message.id


def _new_message(
    conversation: Conversation,
    *,
    author_kind: str,
    author_id: str,
    author_name: str,
    basis: str | None,
    body: str,
    letter_id: str | None = None,
) -> Message:
    moment = clock.now()
    item = Message(
        id=new_id("m"),
        conversation_id=conversation.id,
        author_kind=author_kind,
        author_id=author_id,
        author_name=author_name,
        basis=basis,
        body=body.strip(),
        letter_id=letter_id,
        sent_at=moment,
        read_at=None,
        read_by_name=None,
    )
    conversation.messages.append(item)
    conversation.last_message_at = moment
    db.session.add(item)
    return item


# -- the citizen's side ----------------------------------------------------------------------


@bp.get("/persons/<id:person_id>/conversations")
def list_conversations(person_id: str) -> ResponseReturnValue:
    _, person = authorize(person_id, "messages:read", resource="conversations")
    contacts = db.session.scalars(
        select(Contact)
        .where(Contact.person_id == person.id, Contact.takes_messages.is_(True))
        .order_by(Contact.position)
    )
    return jsonify(
        {
            "items": [serialize.conversation(c) for c in _conversations(person.id)],
            "recipients": [serialize.contact_ref(c) for c in contacts],
        }
    )


@bp.post("/persons/<id:person_id>/messages")
def send_message(person_id: str) -> ResponseReturnValue:
    caller, person = _writer(person_id, "messages:write", "messages")
    key = key_from_headers()
    body = parse(MessageIn)
    contact = db.session.get(Contact, body.contact_id)
    if contact is None or contact.person_id != person.id or not contact.takes_messages:
        raise invalid([{"field": "contact_id", "message": "not a contact who takes messages"}])
    if body.letter_id is not None:
        letter = db.session.get(Letter, body.letter_id)
        if letter is None or letter.person_id != person.id:
            raise invalid([{"field": "letter_id", "message": "no such letter for this person"}])

    def work() -> tuple[dict[str, Any], int]:
        conversation = db.session.scalar(
            select(Conversation).where(
                Conversation.person_id == person.id, Conversation.contact_id == contact.id
            )
        )
        if conversation is None:
            conversation = Conversation(
                id=new_id("cv"),
                person_id=person.id,
                contact_id=contact.id,
                last_message_at=clock.now(),
            )
            conversation.person = person
            conversation.contact = contact
            db.session.add(conversation)
        item = _new_message(
            conversation,
            author_kind="citizen",
            author_id=caller.actor_id,
            author_name=actor_name(caller),
            basis=caller.basis,
            body=body.body,
            letter_id=body.letter_id,
        )
        db.session.flush()
        _attach(person, body.document_ids, item)
        # The notification service tells the caseworker it is addressed to; no content.
        events.record(
            "message.received",
            person.id,
            f"messages/{item.id}",
            {
                "from": "citizen",
                "conversation_id": conversation.id,
                "caseworker_id": contact.caseworker_id,
            },
        )
        log_access(person.id, caller, action="change", resource=f"conversations/{conversation.id}")
        db.session.flush()
        db.session.refresh(item)
        return serialize.message(item) | {"conversation_id": conversation.id}, 201

    return run_once(key, work)


@bp.post("/persons/<id:person_id>/conversations/<id:conversation_id>/read")
def citizen_read(person_id: str, conversation_id: str) -> ResponseReturnValue:
    caller, person = _writer(person_id, "messages:write", f"conversations/{conversation_id}")
    conversation = _person_conversation(person, conversation_id)
    key = key_from_headers()

    def work() -> tuple[dict[str, Any], int]:
        _mark_read(conversation, "staff", actor_name(caller))
        db.session.flush()
        return serialize.conversation(conversation, with_messages=False), 200

    return run_once(key, work)


def _decode(body: DocumentIn) -> bytes:
    try:
        content = base64.b64decode(body.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise invalid([{"field": "content_base64", "message": "not base64"}]) from None
    limit = current_app.config["PLANAPI_DOCUMENT_MAX_BYTES"]
    if not content:
        raise invalid([{"field": "content_base64", "message": "the file is empty"}])
    if len(content) > limit:
        raise invalid([{"field": "content_base64", "message": f"larger than {limit} bytes"}])
    if hashlib.sha256(content).hexdigest() != body.sha256:
        raise invalid([{"field": "sha256", "message": "does not match the content"}])
    if not MAGIC[body.content_type](content):
        raise invalid([{"field": "content_type", "message": "the content is not of this type"}])
    return content


def _store(person: Person, uploader_id: str, uploader_name: str, body: DocumentIn) -> Document:
    content = _decode(body)
    document = Document(
        id=new_id("d"),
        person_id=person.id,
        kind="upload",
        filename=body.filename.strip() or "dokument",
        content_type=body.content_type,
        size=len(content),
        sha256=body.sha256,
        content=content,
        uploaded_at=clock.now(),
        uploaded_by_id=uploader_id,
        uploaded_by_name=uploader_name,
        message_id=None,
        missing_document_id=None,
    )
    db.session.add(document)
    return document


def _missing_document(person: Person, missing_id: str) -> MissingDocument:
    found = db.session.get(MissingDocument, missing_id)
    case = db.session.get(Case, found.case_id) if found is not None else None
    if found is None or case is None or case.person_id != person.id or not found.uploadable:
        raise invalid(
            [{"field": "missing_document_id", "message": "nothing asked for with this id"}]
        )
    return found


@bp.post("/persons/<id:person_id>/documents")
def upload(person_id: str) -> ResponseReturnValue:
    caller, person = _writer(person_id, "documents:write", "documents")
    key = key_from_headers()
    body = parse(DocumentIn)
    missing = (
        _missing_document(person, body.missing_document_id)
        if body.missing_document_id is not None
        else None
    )

    def work() -> tuple[dict[str, Any], int]:
        document = _store(person, caller.actor_id, actor_name(caller), body)
        if missing is not None:
            document.missing_document_id = missing.id
            missing.status = "received"
            missing.received_on = clock.today()
            missing.document_id = document.id
            notify_caseworkers(
                person.id, "document_received", f"{person.name}: {missing.title} er modtaget."
            )
        log_access(person.id, caller, action="change", resource=f"documents/{document.id}")
        db.session.flush()
        return serialize.document(document), 201

    return run_once(key, work)


def _file(document: Document) -> Response:
    response = Response(document.content, mimetype=document.content_type)
    response.headers["Content-Length"] = str(document.size)
    response.headers["X-Content-SHA256"] = document.sha256
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/persons/<id:person_id>/documents/<id:document_id>/content")
def document_content(person_id: str, document_id: str) -> ResponseReturnValue:
    _, person = authorize(person_id, "documents:read", resource=f"documents/{document_id}")
    found = db.session.get(Document, document_id)
    if found is None or found.person_id != person.id or found.kind != "upload":
        raise Problem(404, "No such document for this person.", kind="not-found")
    return _file(found)


def _letter(person: Person, letter_id: str) -> Letter:
    found = db.session.get(Letter, letter_id) if ID_RE.fullmatch(letter_id) else None
    if found is None or found.person_id != person.id:
        raise Problem(404, "No such letter for this person.", kind="not-found")
    return found


@bp.get("/persons/<id:person_id>/letters")
def list_letters(person_id: str) -> ResponseReturnValue:
    _, person = authorize(person_id, "letters:read", resource="letters")
    rows = db.session.scalars(
        select(Letter)
        .where(Letter.person_id == person.id)
        .order_by(Letter.sent_on.desc(), Letter.id)
    )
    return jsonify({"items": [serialize.letter(item) for item in rows]})


@bp.get("/persons/<id:person_id>/letters/<id:letter_id>")
def get_letter(person_id: str, letter_id: str) -> ResponseReturnValue:
    _, person = authorize(person_id, "letters:read", resource=f"letters/{letter_id}")
    return jsonify(serialize.letter(_letter(person, letter_id), detail=True))


@bp.get("/persons/<id:person_id>/letters/<id:letter_id>/pdf")
def letter_pdf(person_id: str, letter_id: str) -> ResponseReturnValue:
    _, person = authorize(person_id, "letters:read", resource=f"letters/{letter_id}/pdf")
    item = _letter(person, letter_id)
    document = db.session.get(Document, item.document_id)
    assert document is not None
    return _file(document)


@bp.post("/persons/<id:person_id>/letters/<id:letter_id>/read")
def letter_read(person_id: str, letter_id: str) -> ResponseReturnValue:
    caller, person = authorize(person_id, "letters:read", resource=f"letters/{letter_id}")
    if caller.basis == "caseworker_preview":
        raise Problem(403, "A caseworker preview is read-only.", kind="forbidden")
    item = _letter(person, letter_id)
    key = key_from_headers()

    def work() -> tuple[dict[str, Any], int]:
        if item.read_at is None:
            item.read_at = clock.now()
        db.session.flush()
        return serialize.letter(item), 200

    return run_once(key, work)


# -- the caseworker's inbox ------------------------------------------------------------------


def _staff_caller(worker: Caseworker) -> Caller:
    """How a caseworker answering messages appears in the citizen's access log."""
    return Caller(
        actor_id=worker.id, role="caseworker", basis="caseworker_preview", purpose="Beskeder"
    )


def _inbox_conversation(worker: Caseworker, conversation_id: str) -> Conversation:
    found = (
        db.session.get(Conversation, conversation_id) if ID_RE.fullmatch(conversation_id) else None
    )
    if (
        found is None
        or found.contact.caseworker_id != worker.id
        or not in_caseload(worker.id, found.person_id)
    ):
        raise Problem(404, "No such conversation in this caseworker's inbox.", kind="not-found")
    return found


@bp.get("/caseworkers/<id:caseworker_id>/conversations")
def inbox(caseworker_id: str) -> ResponseReturnValue:
    worker = authorize_caseworker(caseworker_id)
    rows = [
        c
        for c in db.session.scalars(
            select(Conversation)
            .join(Contact, Contact.id == Conversation.contact_id)
            .where(Contact.caseworker_id == worker.id)
            .order_by(Conversation.last_message_at.desc())
        )
        if in_caseload(worker.id, c.person_id)
    ]
    items = [serialize.conversation(c, with_messages=False) for c in rows]
    items.sort(key=lambda c: c["unread_by_staff"] == 0)  # unread first, newest first within
    return jsonify({"items": items})


@bp.get("/caseworkers/<id:caseworker_id>/conversations/<id:conversation_id>")
def inbox_conversation(caseworker_id: str, conversation_id: str) -> ResponseReturnValue:
    worker = authorize_caseworker(caseworker_id)
    conversation = _inbox_conversation(worker, conversation_id)
    log_access(
        conversation.person_id,
        _staff_caller(worker),
        action="read",
        resource=f"conversations/{conversation.id}",
    )
    db.session.commit()
    return jsonify(serialize.conversation(conversation))


@bp.post("/caseworkers/<id:caseworker_id>/conversations/<id:conversation_id>/messages")
def answer(caseworker_id: str, conversation_id: str) -> ResponseReturnValue:
    worker = authorize_caseworker(caseworker_id)
    conversation = _inbox_conversation(worker, conversation_id)
    key = key_from_headers()
    body = parse(StaffMessageIn)

    def work() -> tuple[dict[str, Any], int]:
        item = _new_message(
            conversation,
            author_kind="staff",
            author_id=worker.id,
            author_name=worker.name,
            basis=None,
            body=body.body,
        )
        db.session.flush()
        _attach(conversation.person, body.document_ids, item)
        # The notification service tells the citizen (and a parent with custody) that a
        # message is waiting; no content.
        events.record(
            "message.received",
            conversation.person_id,
            f"messages/{item.id}",
            {"from": "staff", "conversation_id": conversation.id, "caseworker_id": worker.id},
        )
        log_access(
            conversation.person_id,
            _staff_caller(worker),
            action="change",
            resource=f"conversations/{conversation.id}",
        )
        db.session.flush()
        db.session.refresh(item)
        return serialize.message(item) | {"conversation_id": conversation.id}, 201

    return run_once(key, work)


@bp.post("/caseworkers/<id:caseworker_id>/conversations/<id:conversation_id>/read")
def staff_read(caseworker_id: str, conversation_id: str) -> ResponseReturnValue:
    worker = authorize_caseworker(caseworker_id)
    conversation = _inbox_conversation(worker, conversation_id)
    key = key_from_headers()

    def work() -> tuple[dict[str, Any], int]:
        _mark_read(conversation, "citizen", worker.name)
        db.session.flush()
        return serialize.conversation(conversation, with_messages=False), 200

    return run_once(key, work)


@bp.post("/caseworkers/<id:caseworker_id>/conversations/<id:conversation_id>/documents")
def staff_upload(caseworker_id: str, conversation_id: str) -> ResponseReturnValue:
    worker = authorize_caseworker(caseworker_id)
    conversation = _inbox_conversation(worker, conversation_id)
    key = key_from_headers()
    body = parse(DocumentIn)
    if body.missing_document_id is not None:
        raise invalid([{"field": "missing_document_id", "message": "only the citizen sends these"}])

    def work() -> tuple[dict[str, Any], int]:
        document = _store(conversation.person, worker.id, worker.name, body)
        log_access(
            conversation.person_id,
            _staff_caller(worker),
            action="change",
            resource=f"documents/{document.id}",
        )
        db.session.flush()
        return serialize.document(document), 201

    return run_once(key, work)


@bp.get(
    "/caseworkers/<id:caseworker_id>/conversations/<id:conversation_id>/documents/"
    "<id:document_id>/content"
)
def staff_document(
    caseworker_id: str, conversation_id: str, document_id: str
) -> ResponseReturnValue:
    worker = authorize_caseworker(caseworker_id)
    conversation = _inbox_conversation(worker, conversation_id)
    found = db.session.get(Document, document_id)
    if found is None or found.person_id != conversation.person_id or found.kind != "upload":
        raise Problem(404, "No such document in this conversation.", kind="not-found")
    log_access(
        conversation.person_id,
        _staff_caller(worker),
        action="read",
        resource=f"documents/{document_id}",
    )
    db.session.commit()
    return _file(found)
