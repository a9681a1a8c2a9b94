"""A real SMTP server (aiosmtpd) and the demo SMS gateway, both in the test process, and
the portal wired to the real plan API (in process) for notice tests."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from time import tzset
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask
from werkzeug.serving import make_server

from portal import create_app
from portal.clients.events import Recipient
from portal.devstack import free_port
from portal.extensions import db
from portal.notices import service
from portal.notices.models import NoticeSettings
from portal.notices.standins import gateway_app
from tests.unit.planapi.conftest import TOKEN, api_app, planapi_app  # noqa: F401 - fixtures


@dataclass
class Mailbox:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        with self.lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 Message accepted"

    def texts(self) -> list[str]:
        return [m.get_body(preferencelist=("plain",)).get_content() for m in self.messages]  # type: ignore[union-attr]


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@dataclass
class Gateway:
    url: str
    folder: Path

    def messages(self) -> list[dict[str, Any]]:
        return [json.loads(p.read_text("utf-8")) for p in sorted(self.folder.glob("sms/*.json"))]

    def clear(self) -> None:
        for p in self.folder.glob("sms/*.json"):
            p.unlink()


@pytest.fixture
def sms_gateway(tmp_path: Path) -> Iterator[Gateway]:
    port = free_port()
    server = make_server("127.0.0.1", port, gateway_app(tmp_path / "gateway"), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Gateway(f"http://127.0.0.1:{port}/sms", tmp_path / "gateway")
    server.shutdown()


def notices_config(mailbox: Mailbox, gateway: Gateway, spool: Path) -> dict[str, Any]:
    return {
        "SMTP_PORT": mailbox.port,
        "SMS_URL": gateway.url,
        "DIGITAL_POST_SPOOL": str(spool),
        "NOTICES_QUEUE_URL": "memory://",
        "PUBLIC_BASE_URL": "https://mit-overblik.example",
        "PLANAPI_SERVICE_TOKEN": TOKEN,
    }


@pytest.fixture
def notices_app(
    api_app: Flask,  # noqa: F811 - the plan API's fixture
    mailbox: Mailbox,
    sms_gateway: Gateway,
    tmp_path: Path,
) -> Iterator[Flask]:
    """The portal in test config on the real plan API (demo data), SMTP and SMS gateway."""
    config = notices_config(mailbox, sms_gateway, tmp_path / "digital-post")
    config["PLANAPI_TRANSPORT"] = httpx.WSGITransport(app=api_app)
    app = create_app(config, env="test")
    with app.app_context():
        db.create_all()
    yield app


def at(app: Flask, moment: datetime) -> None:
    app.config["NOTICES_NOW"] = lambda: moment


def tick(app: Flask) -> list[str]:
    """One round as a worker does it: take in the feed, send what is due, in this process."""
    outcomes: list[str] = []
    with app.app_context():
        service.follow_all()
        service.queue_due(lambda notice_id: outcomes.append(service.send_one(notice_id)))
    return outcomes


@pytest.fixture
def server_in_new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The server's own zone must not leak into plans or the clock (SQLite keeps a time's
    digits and drops its offset)."""
    monkeypatch.setenv("TZ", "America/New_York")
    tzset()
    yield
    monkeypatch.undo()
    tzset()


# Every scope a notice may need: a recipient with all of them is told everything.
ALL = ["person:read", "plan:read", "appointments:read", "consents:read", "questionnaires:read"]


def person(pid: str, basis: str = "self", age: int | None = 41, scope: list[str] | None = None):
    return Recipient(
        person_id=pid, cpr="0101019999", name=pid, basis=basis, age=age,
        scope=ALL if scope is None else scope,
    )  # fmt: skip


def choose(
    app: Flask, person_id: str = "p-mette", *, language: str = "da", muted: list[str] | None = None
) -> None:
    """Stored settings: a confirmed e-mail and mobile, in `language`, the `muted` kinds off."""
    confirmed = datetime(2026, 1, 1, tzinfo=UTC)  # only that they were confirmed counts
    with app.app_context():
        db.session.merge(
            NoticeSettings(
                person_id=person_id, email=f"{person_id}@example.dk", email_confirmed_at=confirmed,
                mobile="+4520304050", mobile_confirmed_at=confirmed, language=language,
                muted=muted or [],
            )
        )  # fmt: skip
        db.session.commit()
