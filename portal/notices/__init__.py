"""The portal speaks first: notices by e-mail, SMS and Digital Post (issue 12).

`service` follows the plan API's change feed and sends; `rules` decides who is told, on
which channel and when; `channels` delivers; `jobs` runs it on huey; `views` holds the
citizen's "Beskeder til dig" page and the caseworker's advisering list.
"""

from __future__ import annotations

import os
from typing import Any

import click
from flask import Flask

from portal.config import ROOT


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def defaults() -> dict[str, Any]:
    var = ROOT / "var"
    return {
        "NOTICES_QUEUE_URL": _env(
            "PORTAL_NOTICES_QUEUE_URL", f"sqlite:///{var / 'notices-queue.db'}"
        ),
        "NOTICES_TICK_SECONDS": int(_env("PORTAL_NOTICES_TICK_SECONDS", "60")),
        "NOTICES_LEASE_SECONDS": int(_env("PORTAL_NOTICES_LEASE_SECONDS", "120")),
        "NOTICES_CHILD_FROM_15": _env("PORTAL_NOTICES_CHILD_FROM_15", "0") == "1",
        "NOTICES_SMS_QUIET_HOURS": _env("PORTAL_NOTICES_SMS_QUIET_HOURS", "21:00-08:00"),
        "NOTICES_CODE_MINUTES": int(_env("PORTAL_NOTICES_CODE_MINUTES", "15")),
        "SMTP_HOST": _env("PORTAL_SMTP_HOST", "127.0.0.1"),
        "SMTP_PORT": int(_env("PORTAL_SMTP_PORT", "5025")),
        "SMTP_USER": _env("PORTAL_SMTP_USER", ""),
        "SMTP_PASSWORD": _env("PORTAL_SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _env("PORTAL_SMTP_STARTTLS", "0") == "1",
        "MAIL_FROM": _env("PORTAL_MAIL_FROM", "Mit Overblik <ikke-svar@demo-kommune.example>"),
        "SMS_URL": _env("PORTAL_SMS_URL", "http://127.0.0.1:5003/sms"),
        "SMS_USER": _env("PORTAL_SMS_USER", ""),
        "SMS_PASSWORD": _env("PORTAL_SMS_PASSWORD", ""),
        "SMS_SENDER": _env("PORTAL_SMS_SENDER", "Kommunen"),
        "DIGITAL_POST_MODE": _env("PORTAL_DIGITAL_POST_MODE", "spool"),
        "DIGITAL_POST_SPOOL": _env("PORTAL_DIGITAL_POST_SPOOL", str(var / "digital-post")),
        "SF1601_URL": _env("PORTAL_SF1601_URL", ""),
        "SF1601_CERT": _env("PORTAL_SF1601_CERT", ""),
        "SF1601_KEY": _env("PORTAL_SF1601_KEY", ""),
        "SENDER_CVR": _env("PORTAL_SENDER_CVR", "11111111"),
    }


def init_app(app: Flask) -> None:
    from portal.notices import channels, jobs

    for key, value in defaults().items():
        app.config.setdefault(key, value)
    app.extensions["notice_channels"] = channels.from_config(app.config)
    huey = jobs.make_queue(app.config["NOTICES_QUEUE_URL"])
    app.extensions["notices_huey"] = huey
    app.extensions["notices_tasks"] = jobs.register(app, huey)

    @app.cli.group()
    def notices() -> None:
        """The notification service: follow the plan API's feed and send notices."""

    @notices.command("worker")
    @click.option("--workers", default=2, help="Threads sending notices.")
    def worker(workers: int) -> None:
        """Run a huey consumer: ticks (follow the feed, queue what is due) and sends."""
        tick = int(app.config["NOTICES_TICK_SECONDS"])
        click.echo(f"notices worker: {workers} thread(s), a tick every {tick} s")
        jobs.consumer(huey, workers, tick).run()

    @notices.command("tick")
    def tick_once() -> None:
        """Follow the feed once and send what is due now, in this process."""
        from portal.notices import service

        sent: list[str] = []
        taken = service.follow_all()
        service.queue_due(lambda notice_id: sent.append(service.send_one(notice_id)))
        click.echo(f"{taken} event(s) taken in, {sent.count('sent')} notice(s) sent")
