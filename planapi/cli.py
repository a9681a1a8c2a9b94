"""`flask --app planapi load-demo` and `flask --app planapi expire-consents`."""

from __future__ import annotations

from datetime import date

import click
from flask import Flask
from flask_migrate import upgrade

from planapi import clock
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
