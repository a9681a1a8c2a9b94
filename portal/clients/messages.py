"""Messages, documents and letters: the citizen's conversations, what they send, the letters
and decisions in their case, and the caseworker's inbox."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

import httpx

from portal.clients.base import APIModel, PlanAPIClient, Write

SEND = "message.send"


class ContactRef(APIModel):
    id: str
    name: str
    role: str
    role_title: str
    answer_days: int | None = None


class PersonRef(APIModel):
    id: str
    name: str


class Author(APIModel):
    kind: Literal["citizen", "staff"]
    id: str
    name: str


class Document(APIModel):
    id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    missing_document_id: str | None = None


class Message(APIModel):
    id: str
    author: Author
    basis: str | None = None
    body: str
    letter_id: str | None = None
    sent_at: datetime
    read_at: datetime | None = None
    read_by: str | None = None
    attachments: list[Document] = []


class Conversation(APIModel):
    id: str
    person: PersonRef
    contact: ContactRef
    last_message_at: datetime
    unread_by_citizen: int = 0
    unread_by_staff: int = 0
    messages: list[Message] = []  # newest first


class Conversations(APIModel):
    items: list[Conversation]
    recipients: list[ContactRef]

    def with_contact(self, contact_id: str) -> Conversation | None:
        return next((c for c in self.items if c.contact.id == contact_id), None)


class _Inbox(APIModel):
    items: list[Conversation]


class Complaint(APIModel):
    to: str
    weeks: int
    deadline: date
    how: str
    contact_id: str | None = None


class Decision(APIModel):
    decided: str
    legal_basis: str
    complaint: Complaint


class Letter(APIModel):
    id: str
    kind: Literal["letter", "decision"]
    title: str
    department: str
    sender: str
    sent_on: date
    read_at: datetime | None = None
    summary: str = ""
    decision: Decision | None = None


class _Letters(APIModel):
    items: list[Letter]


class _Sent(APIModel):
    model_config = {"extra": "allow", "frozen": True}


class File(APIModel):
    content: bytes
    content_type: str


class MessagesClient(PlanAPIClient):
    @staticmethod
    def new_message(person_id: str, payload: dict[str, Any]) -> Write:
        """POST /v1/persons/{person_id}/messages (through the outbox)."""
        return Write(SEND, person_id, "", f"/v1/persons/{person_id}/messages", payload)

    def list_conversations(self, person_id: str) -> Conversations:
        """GET /v1/persons/{person_id}/conversations"""
        return self.get(f"/v1/persons/{person_id}/conversations", Conversations)

    def mark_read(self, person_id: str, conversation_id: str, key: str) -> None:
        """POST /v1/persons/{person_id}/conversations/{conversation_id}/read"""
        self.post(
            f"/v1/persons/{person_id}/conversations/{conversation_id}/read",
            _Sent,
            idempotency_key=key,
        )

    def upload(self, person_id: str, body: dict[str, Any], key: str) -> Document:
        """POST /v1/persons/{person_id}/documents (straight, never queued: see uploads.py)"""
        return self.post(
            f"/v1/persons/{person_id}/documents", Document, json=body, idempotency_key=key
        )

    def document(self, person_id: str, document_id: str) -> File:
        """GET /v1/persons/{person_id}/documents/{document_id}/content"""
        return self._file(f"/v1/persons/{person_id}/documents/{document_id}/content")

    def list_letters(self, person_id: str) -> list[Letter]:
        """GET /v1/persons/{person_id}/letters"""
        return self.get(f"/v1/persons/{person_id}/letters", _Letters).items

    def get_letter(self, person_id: str, letter_id: str) -> Letter:
        """GET /v1/persons/{person_id}/letters/{letter_id}"""
        return self.get(f"/v1/persons/{person_id}/letters/{letter_id}", Letter)

    def letter_pdf(self, person_id: str, letter_id: str) -> File:
        """GET /v1/persons/{person_id}/letters/{letter_id}/pdf"""
        return self._file(f"/v1/persons/{person_id}/letters/{letter_id}/pdf")

    def mark_letter_read(self, person_id: str, letter_id: str, key: str) -> None:
        """POST /v1/persons/{person_id}/letters/{letter_id}/read"""
        self.post(f"/v1/persons/{person_id}/letters/{letter_id}/read", _Sent, idempotency_key=key)

    # The caseworker's inbox --------------------------------------------------------------

    def inbox(self, caseworker_id: str) -> list[Conversation]:
        """GET /v1/caseworkers/{caseworker_id}/conversations"""
        return self.get(f"/v1/caseworkers/{caseworker_id}/conversations", _Inbox).items

    def inbox_conversation(self, caseworker_id: str, conversation_id: str) -> Conversation:
        """GET /v1/caseworkers/{caseworker_id}/conversations/{conversation_id}"""
        return self.get(
            f"/v1/caseworkers/{caseworker_id}/conversations/{conversation_id}", Conversation
        )

    def staff_mark_read(self, caseworker_id: str, conversation_id: str, key: str) -> None:
        """POST /v1/caseworkers/{caseworker_id}/conversations/{conversation_id}/read"""
        self.post(
            f"/v1/caseworkers/{caseworker_id}/conversations/{conversation_id}/read",
            _Sent,
            idempotency_key=key,
        )

    def staff_upload(
        self, caseworker_id: str, conversation_id: str, body: dict[str, Any], key: str
    ) -> Document:
        """POST /v1/caseworkers/{caseworker_id}/conversations/{conversation_id}/documents"""
        return self.post(
            f"/v1/caseworkers/{caseworker_id}/conversations/{conversation_id}/documents",
            Document,
            json=body,
            idempotency_key=key,
        )

    def staff_answer(
        self, caseworker_id: str, conversation_id: str, body: dict[str, Any], key: str
    ) -> None:
        """POST /v1/caseworkers/{caseworker_id}/conversations/{conversation_id}/messages"""
        self.post(
            f"/v1/caseworkers/{caseworker_id}/conversations/{conversation_id}/messages",
            _Sent,
            json=body,
            idempotency_key=key,
        )

    def staff_document(self, caseworker_id: str, conversation_id: str, document_id: str) -> File:
        """GET /v1/caseworkers/{caseworker_id}/conversations/{conversation_id}/documents/…"""
        return self._file(
            f"/v1/caseworkers/{caseworker_id}/conversations/{conversation_id}"
            f"/documents/{document_id}/content"
        )

    def _file(self, path: str) -> File:
        response: httpx.Response = self._check(self._send("GET", path))
        return File(
            content=response.content,
            content_type=response.headers.get("Content-Type", "application/octet-stream"),
        )
