"""One voice in the plan API: conversations, read receipts, documents (to a message or to
what the case asks for), letters and decisions with complaint guidance, the caseworker inbox."""

from __future__ import annotations

import base64
import hashlib
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from planapi.extensions import db
from planapi.models import Document, Message, Relation
from tests.unit.planapi.conftest import (
    TODAY,
    As,
    PlanAPI,
    attorney,
    caseworker,
    citizen,
    guardian,
    ok,
    problem,
    staff,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
PDF = b"%PDF-1.4\n%test\n"
METTE = "/v1/persons/p-mette"
INBOX = "/v1/caseworkers/cw-lene/conversations"


def upload_body(
    content: bytes = PNG, content_type: str = "image/png", **extra: Any
) -> dict[str, Any]:
    return {
        "filename": "foto.png",
        "content_type": content_type,
        "content_base64": base64.b64encode(content).decode(),
        "sha256": hashlib.sha256(content).hexdigest(),
        **extra,
    }


def documents(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Document)) or 0)


def conversation(api: PlanAPI, person: str = "p-mette", who: As | None = None) -> dict[str, Any]:
    found: dict[str, Any] = ok(
        api.get(f"/v1/persons/{person}/conversations", who or citizen(person))
    )
    return found


def test_mette_sees_her_conversation_with_lene_newest_first(api: PlanAPI) -> None:
    found = conversation(api)
    assert [r["name"] for r in found["recipients"]] == ["Lene Bach", "Birgitte Holm"]
    assert found["recipients"][0]["answer_days"] == 2
    (talk,) = found["items"]
    assert talk["contact"]["name"] == "Lene Bach" and talk["unread_by_citizen"] == 1
    bodies = [m["body"] for m in talk["messages"]]
    assert bodies[0] == "Ja, det er helt fint. Hun er velkommen."
    assert talk["messages"][1]["read_by"] == "Lene Bach"


def test_mette_writes_with_a_photo_lene_reads_and_answers(api: PlanAPI) -> None:
    photo = ok(api.post(f"{METTE}/documents", upload_body(), citizen("p-mette")), 201)
    assert photo["size"] == len(PNG) and photo["sha256"] == hashlib.sha256(PNG).hexdigest()
    sent = ok(
        api.post(
            f"{METTE}/messages",
            {"contact_id": "ct-mette-1", "body": "Her er brevet", "document_ids": [photo["id"]]},
            citizen("p-mette"),
        ),
        201,
    )
    assert sent["read_at"] is None and sent["attachments"][0]["id"] == photo["id"]
    inbox = ok(api.get(INBOX, staff("cw-lene")))["items"]
    assert inbox[0]["id"] == sent["conversation_id"] and inbox[0]["unread_by_staff"] == 1
    talk = ok(api.get(f"{INBOX}/{sent['conversation_id']}", staff("cw-lene")))
    assert talk["messages"][0]["body"] == "Her er brevet"
    content = api.get(
        f"{INBOX}/{sent['conversation_id']}/documents/{photo['id']}/content", staff("cw-lene")
    )
    assert content.status_code == 200 and content.data == PNG
    assert content.headers["Content-Type"] == "image/png"
    ok(api.post(f"{INBOX}/{sent['conversation_id']}/read", None, staff("cw-lene")))
    ok(
        api.post(f"{INBOX}/{sent['conversation_id']}/messages", {"body": "Tak!"}, staff("cw-lene")),
        201,
    )
    talk = conversation(api)["items"][0]
    assert [m["body"] for m in talk["messages"][:2]] == ["Tak!", "Her er brevet"]
    assert talk["messages"][1]["read_by"] == "Lene Bach" and talk["messages"][1]["read_at"]
    assert talk["unread_by_citizen"] == 2
    ok(api.post(f"{METTE}/conversations/{talk['id']}/read", None, citizen("p-mette")))
    talk = conversation(api)["items"][0]
    assert talk["unread_by_citizen"] == 0
    assert talk["messages"][0]["read_by"] == "Mette Lund Sørensen"
    log = ok(api.get(f"{METTE}/access-log", citizen("p-mette")))["items"]
    assert any(e["actor"]["id"] == "cw-lene" and "conversations/" in e["resource"] for e in log)


def test_the_same_message_sent_twice_is_one_message(api: PlanAPI, api_app: Flask) -> None:
    body = {"contact_id": "ct-mette-1", "body": "Hej"}
    first = api.post(f"{METTE}/messages", body, citizen("p-mette"), key="k-msg")
    again = api.post(f"{METTE}/messages", body, citizen("p-mette"), key="k-msg")
    assert first.get_json() == again.get_json() and again.headers["Idempotent-Replayed"]
    with api_app.app_context():
        assert db.session.scalar(select(func.count()).where(Message.body == "Hej")) == 1


def test_a_message_goes_only_to_a_contact_who_takes_messages(api: PlanAPI) -> None:
    camilla = {"contact_id": "ct-mette-3", "body": "Hej"}
    assert "contact_id" in str(
        problem(api.post(f"{METTE}/messages", camilla, citizen("p-mette")), 422)
    )
    emmas = {"contact_id": "ct-emma-1", "body": "Hej"}
    problem(api.post(f"{METTE}/messages", emmas, citizen("p-mette")), 422)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (upload_body(b""), "content_base64"),
        (
            upload_body(b"MZ\x90\x00" + b"\x00" * 60, "application/pdf", filename="brev.pdf"),
            "content_type",
        ),
        (upload_body(PNG) | {"sha256": "0" * 64}, "sha256"),
        (upload_body(PNG) | {"content_base64": "@@@"}, "content_base64"),
        (upload_body(PNG, "image/gif"), "content_type"),
        (upload_body(PNG, filename="../../etc/passwd"), "filename"),
    ],
    ids=["empty", "renamed-executable", "checksum", "not-base64", "gif", "path-in-name"],
)
def test_bad_documents_are_refused_and_nothing_is_stored(
    api: PlanAPI, api_app: Flask, body: dict[str, Any], field: str
) -> None:
    before = documents(api_app)
    refusal = problem(api.post(f"{METTE}/documents", body, citizen("p-mette")), 422)
    assert field in [e["field"] for e in refusal["errors"]]
    assert documents(api_app) == before


def test_a_document_over_the_limit_is_refused(api: PlanAPI, api_app: Flask) -> None:
    before = documents(api_app)
    api_app.config["PLANAPI_DOCUMENT_MAX_BYTES"] = 1000
    try:
        huge = upload_body(PDF + b"x" * 100_000, "application/pdf")
        refusal = problem(api.post(f"{METTE}/documents", huge, citizen("p-mette")), 413)
        assert "larger" in refusal["detail"]
        over = upload_body(PDF + b"x" * 1000, "application/pdf")
        refusal = problem(api.post(f"{METTE}/documents", over, citizen("p-mette")), 422)
        assert "larger than 1000" in str(refusal["errors"])
    finally:
        api_app.config["PLANAPI_DOCUMENT_MAX_BYTES"] = 10 * 1024 * 1024
    assert documents(api_app) == before


def test_anders_sends_the_economy_statement_for_emma(api: PlanAPI) -> None:
    body = upload_body(PDF, "application/pdf", missing_document_id="doc-emma-4")
    stored = ok(api.post("/v1/persons/p-emma/documents", body, guardian("p-anders")), 201)
    assert stored["missing_document_id"] == "doc-emma-4"
    assert stored["uploaded_by"]["name"] == "Anders Kjær Poulsen"
    for who in (guardian("p-anders"), caseworker("cw-lene")):
        (case,) = ok(api.get("/v1/persons/p-emma/cases", who))["items"]
        item = next(d for d in case["missing_documents"] if d["id"] == "doc-emma-4")
        assert item["status"] == "received" and item["received_on"] == TODAY.isoformat()
        assert item["document_id"] == stored["id"]
    notes = ok(api.get("/v1/caseworkers/cw-lene/notifications", staff("cw-lene")))["items"]
    assert notes[0]["kind"] == "document_received" and "økonomi" in notes[0]["message"]
    received = {"missing_document_id": "doc-emma-1"}
    refusal = problem(
        api.post("/v1/persons/p-emma/documents", body | received, guardian("p-anders")), 422
    )
    assert refusal["errors"][0]["field"] == "missing_document_id"


def test_karim_reads_a_decision_with_complaint_guidance(api: PlanAPI) -> None:
    karim = "/v1/persons/p-karim"
    letters = ok(api.get(f"{karim}/letters", citizen("p-karim")))["items"]
    assert [(x["kind"], x["read_at"] is None) for x in letters] == [
        ("decision", True),
        ("letter", False),
    ]
    decision = ok(api.get(f"{karim}/letters/l-karim-decision", citizen("p-karim")))
    sent = date.fromisoformat(decision["sent_on"])
    complaint = decision["decision"]["complaint"]
    deadline = date.fromisoformat(complaint["deadline"])
    assert deadline >= sent + timedelta(weeks=4) and deadline.weekday() < 5
    assert (deadline - (sent + timedelta(weeks=4))).days <= 2
    assert complaint["contact_id"] == "ct-karim-1" and "Ankestyrelsen" in complaint["to"]
    assert "§ 85" in decision["decision"]["legal_basis"]
    pdf = api.get(f"{karim}/letters/l-karim-decision/pdf", citizen("p-karim"))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert pdf.headers["Content-Type"] == "application/pdf"
    problem(api.post(f"{karim}/letters/l-karim-decision/read", None, caseworker("cw-lene")), 403)
    ok(api.post(f"{karim}/letters/l-karim-decision/read", None, citizen("p-karim")))
    assert ok(api.get(f"{karim}/letters", citizen("p-karim")))["items"][0]["read_at"]
    complaint_message = {
        "contact_id": "ct-karim-1",
        "body": "Jeg klager over afgørelsen.",
        "letter_id": "l-karim-decision",
    }
    sent_message = ok(api.post(f"{karim}/messages", complaint_message, citizen("p-karim")), 201)
    assert sent_message["letter_id"] == "l-karim-decision"
    problem(api.get(f"{karim}/letters/l-karim-decision", citizen("p-mette")), 403)
    problem(api.get(f"{METTE}/letters/l-karim-decision", citizen("p-mette")), 404)


# Who may: the plan API's half of the matrix for the new operations ---------------------------


def _poa_with(api_app: Flask, scopes: list[str]) -> None:
    with api_app.app_context():
        relation = db.session.scalar(
            select(Relation).where(
                Relation.kind == "power_of_attorney", Relation.holder_id == "p-bent"
            )
        )
        assert relation is not None
        relation.scope = scopes
        db.session.commit()


# (name, caller, may write, may read)
CALLERS = [
    ("self", citizen("p-mette"), True, True),
    ("power of attorney out of scope", attorney("p-bent"), False, False),
    ("other citizen", As("p-freja"), False, False),
    ("parent claiming custody of an adult", guardian("p-anders"), False, False),
    ("caseworker preview", caseworker("cw-lene"), False, True),
    ("caseworker preview outside caseload", caseworker("cw-peter"), False, False),
]


@pytest.mark.parametrize(("name", "who", "writes", "reads"), CALLERS, ids=[c[0] for c in CALLERS])
def test_who_may_write_upload_and_read_for_mette(
    api: PlanAPI, api_app: Flask, name: str, who: As, writes: bool, reads: bool
) -> None:
    before = documents(api_app)
    posts = [
        api.post(f"{METTE}/messages", {"contact_id": "ct-mette-1", "body": "Hej"}, who),
        api.post(f"{METTE}/documents", upload_body(), who),
        api.post(f"{METTE}/conversations/cv-mette-lene/read", None, who),
    ]
    gets = [api.get(f"{METTE}/conversations", who), api.get(f"{METTE}/letters", who)]
    for response in posts:
        if writes:
            assert response.status_code in (200, 201), (name, response.get_json())
        else:
            problem(response, 403)
    for response in gets:
        if reads:
            ok(response)
        else:
            assert "velkommen" not in problem(response, 403)["detail"]
    assert documents(api_app) == before + (1 if writes else 0)


def test_power_of_attorney_within_a_messages_scope(api: PlanAPI, api_app: Flask) -> None:
    _poa_with(api_app, ["messages:read", "messages:write"])
    ok(api.get(f"{METTE}/conversations", attorney("p-bent")))
    sent = ok(
        api.post(
            f"{METTE}/messages",
            {"contact_id": "ct-mette-1", "body": "Fra Bent"},
            attorney("p-bent"),
        ),
        201,
    )
    assert sent["author"]["name"] == "Bent Nielsen" and sent["basis"] == "power_of_attorney"
    problem(api.post(f"{METTE}/documents", upload_body(), attorney("p-bent")), 403)
    problem(api.get(f"{METTE}/letters", attorney("p-bent")), 403)


def test_the_inbox_is_only_the_caseworkers_own(api: PlanAPI) -> None:
    assert ok(api.get("/v1/caseworkers/cw-peter/conversations", staff("cw-peter")))["items"] == []
    problem(api.get(INBOX, staff("cw-peter")), 403)
    problem(api.get("/v1/caseworkers/cw-peter/conversations/cv-mette-lene", staff("cw-peter")), 404)
    problem(
        api.post(
            "/v1/caseworkers/cw-peter/conversations/cv-mette-lene/messages",
            {"body": "x"},
            staff("cw-peter"),
        ),
        404,
    )
    problem(api.get(INBOX, citizen("p-mette")), 400)
