"""`flask --app planapi load-demo`, `expire-consents`, `daily` and `demo-event`."""

from __future__ import annotations

from datetime import date

import click
from flask import Flask
from flask_migrate import upgrade

from planapi import clock
from planapi.demo.events import MAKERS
from planapi.extensions import db


def init_app(app: Flask) -> None:
    @app.cli.command("load-demo")
    @click.option("--today", default=None, help="Build the demo around this date (YYYY-MM-DD).")
    def load_demo(today: str | None) -> None:
        """Bring the schema up to date, then reset and load the demo data."""
        from planapi.demo import load

        upgrade(directory=app.extensions["migrate"].directory)
        day = date.fromisoformat(today) if today else clock.today()
        load(db.session(), day)
        click.echo(f"plan API demo data loaded for {day.isoformat()}")

    @app.cli.command("expire-consents")
    def expire_consents() -> None:
        """Record consents that ran out and notify their caseworkers (run daily)."""
        from planapi.views.consents import expire_due

        click.echo(f"{expire_due()} consent(s) expired")

    @app.cli.command("daily")
    def daily() -> None:
        """Record what became due today in the change feed (run each morning)."""
        from planapi.daily import record_due

        click.echo(f"{record_due(clock.today())} event(s) recorded")

    @app.cli.command("demo-event")
    @click.argument("kind", type=click.Choice(sorted(MAKERS)))
    @click.argument("person_id")
    @click.option(
        "--days",
        default=1,
        help="How far to move, how many days ahead, or (questionnaire-due) how many days ago.",
    )
    def demo_event(kind: str, person_id: str, days: int) -> None:
        """Make one change a case system would make and record its event (demo, tests)."""
        from planapi.demo.events import make

        event = make(kind, person_id, days)
        click.echo(f"{event.type} {event.id} cursor {event.seq} for {person_id}")
