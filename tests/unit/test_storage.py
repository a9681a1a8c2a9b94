"""SQLite files (the demo, the tests' SQLite profile) are opened in write-ahead-log mode by
both apps, so a reader never waits for a writer's commit (every plan-API read writes to the
access log). Without it a hundred citizens queue behind one lock and the portal gives up."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import text

import planapi
import portal
from planapi.extensions import db as plan_db
from portal.extensions import db as portal_db


def test_the_plan_api_opens_its_sqlite_file_in_write_ahead_log_mode(tmp_path: Path) -> None:
    app = planapi.create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'plan.db'}"}
    )
    with app.app_context():
        assert plan_db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_the_portal_opens_its_sqlite_file_in_write_ahead_log_mode(tmp_path: Path) -> None:
    app = portal.create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'portal.db'}",
            "PLANAPI_TRANSPORT": httpx.MockTransport(lambda request: httpx.Response(503)),
        },
        env="test",
    )
    with app.app_context():
        assert portal_db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_an_in_memory_database_is_left_as_it_is() -> None:
    app = planapi.create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        assert plan_db.session.execute(text("PRAGMA journal_mode")).scalar() == "memory"
