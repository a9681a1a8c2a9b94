"""Notices end to end inside one process: the real plan API's feed, the portal's notifier,
a real SMTP server (aiosmtpd), the demo SMS gateway and the Digital Post spool."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from flask import Flask
from sqlalchemy import func, select

from identity import Caller
from portal.extensions import db
from portal.notices import texts
from portal.notices.channels import MEMO_NS
from portal.notices.models import Notice, NoticeSettings
from tests.unit.notices.conftest import Gateway, Mailbox, at, choose, tick
from tests.unit.planapi.conftest import TODAY, PlanAPI, citizen, ok, staff, who5

NOON = datetime(TODAY.year, TODAY.month, TODAY.day, 11, 0, tzinfo=UTC)  # 12:00 in Copenhagen
METTE_SECRETS = ("Mette", "090685", "0906852990", "Rehabiliteringsteamet", "Sundhedscentret")


def demo_event(api_app: Flask, *args: str) -> None:
    result = api_app.test_cli_runner().invoke(args=["demo-event", *args])
    assert result.exit_code == 0, result.output


def settle(app: Flask, mailbox: Mailbox, gateway: Gateway) -> None:
    """Send what the demo data's events give, then start counting from nothing."""
    tick(app)
    mailbox.messages.clear()
    gateway.clear()


def assert_harmless(text: str) -> None:
    assert texts.unsafe_words(text) == []
    for secret in METTE_SECRETS:
        assert secret not in text


def test_an_appointment_moved_gives_one_email_and_one_sms_in_her_language(
    notices_app: Flask, api_app: Flask, mailbox: Mailbox, sms_gateway: Gateway, tmp_path: Path
) -> None:
    at(notices_app, NOON)
    choose(notices_app, "p-mette", language="en")
    settle(notices_app, mailbox, sms_gateway)
    demo_event(api_app, "appointment-moved", "p-mette", "--days", "2")
    outcomes = tick(notices_app)
    # Mette by e-mail, SMS and Digital Post; Bent (power of attorney for her appointments)
    # by Digital Post, as he has chosen nothing else.
    assert outcomes.count("sent") == 4

    (mail,) = mailbox.messages
    assert mail["To"] == "p-mette@example.dk" and mail["Content-Language"] == "en"
    assert mail["Subject"] == "News from Mit Overblik"
    plain = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = mail.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "One of your appointments has moved" in plain
    assert "https://mit-overblik.example/aftaler" in plain and 'lang="en"' in html
    (sms,) = sms_gateway.messages()
    assert sms["to"] == "+4520304050" and sms["text"].startswith("One of your appointments")
    for text in (plain, html, sms["text"], str(mail["Subject"])):
        assert_harmless(text)

    ns = {"memo": MEMO_NS}
    memos = [
        ET.fromstring(p.read_bytes())  # noqa: S314 - our own files
        for p in (tmp_path / "digital-post").glob("*.xml")
    ]
    header = "memo:MessageHeader/memo:Recipient/memo:"
    told = {m.findtext(header + "recipientID", namespaces=ns) for m in memos}
    assert {"0906852990", "1708522990"} <= told  # Mette and Bent
    assert {m.findtext(header + "idType", namespaces=ns) for m in memos} == {"CPR"}
    # A second round sends nothing again.
    assert tick(notices_app) == []
    assert len(mailbox.messages) == 1 and len(sms_gateway.messages()) == 1


def test_a_notice_made_stale_by_a_later_move_is_not_sent(
    notices_app: Flask, api_app: Flask, mailbox: Mailbox, sms_gateway: Gateway
) -> None:
    at(notices_app, NOON)
    choose(notices_app, "p-mette")
    settle(notices_app, mailbox, sms_gateway)
    demo_event(api_app, "appointment-moved", "p-mette", "--days", "1")
    demo_event(api_app, "appointment-moved", "p-mette", "--days", "1")
    outcomes = tick(notices_app)
    # The first move's e-mail, SMS and two letters (Mette, Bent) are stale; the second's go.
    assert outcomes.count("stale") == 4 and outcomes.count("sent") == 4
    assert len(mailbox.messages) == 1 and len(sms_gateway.messages()) == 1
    assert mailbox.texts()[0].startswith("En af dine aftaler er flyttet. Log ind på https://")


def test_questionnaire_second_reminder_only_if_unanswered(
    notices_app: Flask, api_app: Flask, mailbox: Mailbox, sms_gateway: Gateway
) -> None:
    at(notices_app, NOON)
    choose(notices_app, "p-mette")
    choose(notices_app, "p-jonas")
    settle(notices_app, mailbox, sms_gateway)
    demo_event(api_app, "questionnaire-due", "p-mette")
    demo_event(api_app, "questionnaire-due", "p-jonas")
    tick(notices_app)
    assert sorted(str(m["To"]) for m in mailbox.messages) == [
        "p-jonas@example.dk",
        "p-mette@example.dk",
    ]
    assert all("/saadan-gaar-det/who-5/besvar" in t for t in mailbox.texts())
    mailbox.messages.clear()
    ok(PlanAPI(api_app.test_client()).post(
        "/v1/persons/p-mette/questionnaires/who-5/responses", who5(), citizen("p-mette")
    ), 201)  # fmt: skip
    at(notices_app, NOON + timedelta(days=3))
    outcomes = tick(notices_app)
    assert [str(m["To"]) for m in mailbox.messages] == ["p-jonas@example.dk"]
    assert outcomes.count("stale") == 2  # Mette's e-mail and SMS


def test_sms_waits_until_eight_in_the_morning(
    notices_app: Flask, api_app: Flask, mailbox: Mailbox, sms_gateway: Gateway
) -> None:
    at(notices_app, NOON)
    choose(notices_app, "p-mette")
    settle(notices_app, mailbox, sms_gateway)
    late = datetime(TODAY.year, TODAY.month, TODAY.day, 21, 30, tzinfo=UTC)  # 22:30 here
    at(notices_app, late)
    demo_event(api_app, "message-received", "p-mette")
    tick(notices_app)
    assert len(mailbox.messages) == 1 and sms_gateway.messages() == []
    at(notices_app, late + timedelta(hours=9, minutes=29))  # 07:59
    tick(notices_app)
    assert sms_gateway.messages() == []
    at(notices_app, late + timedelta(hours=9, minutes=31))  # 08:01
    tick(notices_app)
    assert len(sms_gateway.messages()) == 1 and len(mailbox.messages) == 1


def test_opted_out_kinds_and_unconfirmed_addresses_get_nothing(
    notices_app: Flask, api_app: Flask, mailbox: Mailbox, sms_gateway: Gateway
) -> None:
    at(notices_app, NOON)
    choose(notices_app, "p-mette", muted=["messages"])
    with notices_app.app_context():
        db.session.merge(NoticeSettings(person_id="p-jonas", email="j@example.dk", muted=[]))
        db.session.commit()
    settle(notices_app, mailbox, sms_gateway)
    demo_event(api_app, "message-received", "p-mette")
    demo_event(api_app, "message-received", "p-jonas")
    assert tick(notices_app) == []
    assert mailbox.messages == [] and sms_gateway.messages() == []
    with notices_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notice).where(
            Notice.event_type == "message.received")) == 0  # fmt: skip


def test_advisering_mail_to_the_coordinating_caseworker(
    notices_app: Flask, api_app: Flask, mailbox: Mailbox, sms_gateway: Gateway
) -> None:
    at(notices_app, NOON)
    settle(notices_app, mailbox, sms_gateway)
    ok(PlanAPI(api_app.test_client()).post(
        "/v1/persons/p-mette/consents/c-mette/withdrawals", {}, citizen("p-mette")
    ), 201)  # fmt: skip
    tick(notices_app)
    (mail,) = mailbox.messages
    assert mail["To"] == "lene.bach@nordby.example"
    assert "/medarbejder/advisering" in mailbox.texts()[0]
    assert_harmless(mailbox.texts()[0])


def test_a_message_is_told_to_the_other_side_never_its_content(
    notices_app: Flask, api_app: Flask, mailbox: Mailbox, sms_gateway: Gateway
) -> None:
    at(notices_app, NOON)
    choose(notices_app, "p-mette")
    settle(notices_app, mailbox, sms_gateway)
    api = PlanAPI(api_app.test_client())
    body = {"contact_id": "ct-mette-1", "body": "Min depression er værre"}
    sent = ok(api.post("/v1/persons/p-mette/messages", body, citizen("p-mette")), 201)
    tick(notices_app)
    (mail,) = mailbox.messages  # to Lene only: Mette wrote it
    assert mail["To"] == "lene.bach@nordby.example" and sms_gateway.messages() == []
    assert "/medarbejder/beskeder" in mailbox.texts()[0]
    assert_harmless(mailbox.texts()[0])
    mailbox.messages.clear()
    answer = f"/v1/caseworkers/cw-lene/conversations/{sent['conversation_id']}/messages"
    ok(api.post(answer, {"body": "Om din depression: ring"}, staff("cw-lene")), 201)
    tick(notices_app)
    assert [str(m["To"]) for m in mailbox.messages] == ["p-mette@example.dk"]
    (text,) = [m["text"] for m in sms_gateway.messages()]
    for told in (mailbox.texts()[0], text):
        assert "/beskeder" in told and "depression" not in told
        assert_harmless(told)


def test_a_changed_plan_goes_by_digital_post_with_the_fridge_plan_as_pdf(
    notices_app: Flask,
    api_app: Flask,
    mailbox: Mailbox,
    sms_gateway: Gateway,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The wiring: whom the plan is read as, which plan, which language, where the file goes
    (WeasyPrint's output itself: tests/unit/test_messages.py, ~4 s a render, not repeated)."""
    made: list[tuple[Caller, str, str, str]] = []

    def plan_pdf(caller: Caller, person_id: str, *, kind: str, language: str) -> bytes:
        made.append((caller, person_id, kind, language))
        return b"%PDF-1.7 " + person_id.encode() + caller.actor_id.encode()

    monkeypatch.setattr("portal.pdf.plan_pdf", plan_pdf)
    at(notices_app, NOON)
    choose(notices_app, "p-mette", language="en")
    settle(notices_app, mailbox, sms_gateway)
    for old in (tmp_path / "digital-post").glob("*.xml"):
        old.unlink()
    demo_event(api_app, "plan-changed", "p-mette")
    tick(notices_app)
    # Mette reads her own plan; Bent's power of attorney covers her plan (but not her
    # appointments, which the fridge plan shows: the plan API would refuse that read).
    assert (Caller.as_self("p-mette"), "p-mette", "fridge", "en") in made
    assert all(c.basis in ("self", "power_of_attorney") for c, *_ in made)
    ns = {"memo": MEMO_NS}
    letters = {}
    for path in (tmp_path / "digital-post").glob("*.xml"):
        memo = ET.fromstring(path.read_bytes())  # noqa: S314 - our own files
        to = memo.findtext("memo:MessageHeader/memo:Recipient/memo:recipientID", namespaces=ns)
        letters[to] = memo.findall("memo:MessageBody/memo:AdditionalDocument", ns)
    (pdf,) = letters["0906852990"]  # Mette
    assert pdf.findtext("memo:File/memo:filename", namespaces=ns) == "my-plan.pdf"
    assert pdf.findtext("memo:File/memo:encodingFormat", namespaces=ns) == "application/pdf"
    content = base64.b64decode(pdf.findtext("memo:File/memo:content", namespaces=ns) or "")
    assert content == b"%PDF-1.7 p-mettep-mette"
    parts = [part.get_content_type() for m in mailbox.messages for part in m.walk()]
    assert mailbox.messages and "application/pdf" not in parts  # e-mail never carries it
