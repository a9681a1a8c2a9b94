"""Demo stand-ins a person can look at: a mail catcher (SMTP, aiosmtpd), an SMS gateway
(HTTP) and a page listing both plus the Digital Post spool.

    python -m portal.notices.standins --dir var/demo/notices --smtp-port 5025 --http-port 5003

Mails land in DIR/mail/*.eml, SMS in DIR/sms/*.json; http://127.0.0.1:5003/ shows them all,
with the MeMo files of DIR/digital-post. Nothing is forwarded anywhere.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import threading
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask, jsonify, request
from markupsafe import escape
from werkzeug.serving import make_server


class MailFolder:
    """An aiosmtpd handler that files every accepted message as one .eml file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        with self.lock:
            name = f"{time.time_ns()}.eml"
            (self.folder / name).write_bytes(content)
        return "250 Message accepted"


def _read_mail(path: Path) -> dict[str, str]:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    return {
        "to": str(message["To"]),
        "subject": str(message["Subject"]),
        "message_id": str(message["Message-ID"]),
        "language": str(message["Content-Language"]),
        "text": body.get_content() if body is not None else "",
    }


def gateway_app(folder: Path) -> Flask:
    app = Flask(__name__)
    sms = folder / "sms"
    sms.mkdir(parents=True, exist_ok=True)

    @app.post("/sms")
    def receive() -> Any:
        body = request.get_json(silent=True) or {}
        if not all(isinstance(body.get(k), str) for k in ("to", "text", "reference")):
            return jsonify({"error": "to, text and reference are required"}), 400
        (sms / f"{time.time_ns()}.json").write_text(json.dumps(body), encoding="utf-8")
        return jsonify({"status": "queued"}), 202

    @app.get("/sms.json")
    def sms_json() -> Any:
        return jsonify([json.loads(p.read_text("utf-8")) for p in sorted(sms.glob("*.json"))])

    @app.get("/mail.json")
    def mail_json() -> Any:
        return jsonify([_read_mail(p) for p in sorted((folder / "mail").glob("*.eml"))])

    @app.get("/")
    def index() -> str:
        rows = []
        for p in sorted(sms.glob("*.json"), reverse=True):
            item = json.loads(p.read_text("utf-8"))
            rows.append(f"<li>SMS to {escape(item['to'])}: {escape(item['text'])}</li>")
        for p in sorted((folder / "mail").glob("*.eml"), reverse=True):
            mail = _read_mail(p)
            rows.append(
                f"<li>E-mail to {escape(mail['to'])} ({escape(mail['subject'])}): "
                f"{escape(mail['text'])}</li>"
            )
        for p in sorted((folder / "digital-post").glob("*.xml"), reverse=True):
            rows.append(f"<li>Digital Post (MeMo): {escape(p.name)}</li>")
        return (
            '<!doctype html><html lang="en"><meta charset="utf-8">'
            "<title>Demo notices</title><h1>Notices sent in the demo</h1>"
            f"<p>Folder: {escape(str(folder))}</p><ul>{''.join(rows) or '<li>none yet</li>'}</ul>"
        )

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="demo mail catcher and SMS gateway")
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument("--smtp-port", type=int, default=5025)
    parser.add_argument("--http-port", type=int, default=5003)
    args = parser.parse_args()
    controller = Controller(
        MailFolder(args.dir / "mail"), hostname="127.0.0.1", port=args.smtp_port
    )
    controller.start()
    server = make_server("127.0.0.1", args.http_port, gateway_app(args.dir), threaded=True)
    try:
        server.serve_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
