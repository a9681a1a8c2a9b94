"""Notices per second that one worker sends to an SMTP server.

    .venv/bin/python bench/notices.py [--count 500] [--threads 1]

Self-contained: a portal database in a temporary folder with COUNT pending e-mail notices,
a real SMTP server in this process (aiosmtpd, accepting and discarding), and one worker
(the same `send_one` the huey task runs) sending them one after another. Prints the rate.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from portal import create_app
from portal.devstack import free_port
from portal.extensions import db
from portal.notices import service
from portal.notices.models import Notice


class Counting:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.count += 1
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=500, help="notices to send")
    parser.add_argument("--threads", type=int, default=1, help="sending threads in the worker")
    args = parser.parse_args()
    sink = Counting()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/portal.db",
                "SMTP_PORT": port,
                "NOTICES_QUEUE_URL": "memory://",
            },
            env="test",
        )
        now = datetime.now(UTC) - timedelta(seconds=1)
        with app.app_context():
            db.create_all()
            db.session.add_all(
                Notice(
                    event_id=f"ev-{n}",
                    event_seq=n,
                    event_type="message.received",
                    person_id="p-mette",
                    resource=f"messages/m-{n}",
                    recipient_id="p-mette",
                    recipient_kind="citizen",
                    channel="email",
                    slot="now",
                    kind="message_received",
                    address="mette@example.dk",
                    language="da",
                    send_after=now,
                    status="pending",
                    attempts=0,
                    created_at=now,
                )
                for n in range(args.count)
            )
            db.session.commit()
            ids: list[int] = []
            service.queue_due(ids.append, limit=args.count)

        def send(notice_id: int) -> str:
            with app.app_context():
                return service.send_one(notice_id)

        started = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            outcomes = list(pool.map(send, ids))
        elapsed = time.perf_counter() - started
    controller.stop()
    sent = outcomes.count("sent")
    print(f"{sent} notices sent by one worker ({args.threads} thread(s)) in {elapsed:.2f} s")
    print(f"{sent / elapsed:.0f} notices per second; SMTP server received {sink.count}")


if __name__ == "__main__":
    main()
