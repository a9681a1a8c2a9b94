"""The portal's Alembic migrations build exactly the tables its models describe."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal import create_app, drafts, models, outbox
from portal.clients.base import Caller
from portal.extensions import db
from tests.unit.conftest import FakePlanAPI


def test_upgrade_gives_the_models_schema_and_is_repeatable(tmp_path: Path) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}"}, env="test")
    with app.app_context():
        upgrade()
        upgrade()  # a second run (every demo start does one) changes nothing
        tables = set(inspect(db.engine).get_table_names())
        assert {
            models.OutboxMessage.__tablename__,
            models.CalendarFeed.__tablename__,
            drafts.QuestionnaireDraft.__tablename__,
        } <= tables
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert diff == [], f"models changed without a migration: {diff}"
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}


def _head(app: Flask) -> str | None:
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        return ScriptDirectory.from_config(config).get_current_head()


def test_init_db_adopts_tables_made_before_migrations(tmp_path: Path) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"}, env="test")
    with app.app_context():
        # The tables as create_all() made them before there were migrations: the
        # initial schema, without Alembic's bookkeeping.
        upgrade(revision="0001")
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE alembic_version"))
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert "alembic_version" in inspect(db.engine).get_table_names()
        with db.engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == _head(app)


def test_outbox_rows_queued_before_the_ids_were_columns_keep_working(
    tmp_path: Path, fake_planapi: FakePlanAPI
) -> None:
    """A consent withdrawal queued by the old code (ids only in its path and key) gets its
    ids filled in, shows on its receipt and is delivered with its original key."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'queued.db'}",
            "PLANAPI_TRANSPORT": httpx.MockTransport(fake_planapi),
        },
        env="test",
    )
    form_key = "0123456789abcdef0123456789abcdef"
    old_key = f"consent:p-emma:p-anders:{form_key}"
    path = "/v1/persons/p-emma/consents/c-emma/withdrawals"
    caller = {"actor_id": "p-anders", "actor_role": "citizen", "basis": "custody", "purpose": ""}
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO outbox_message (idempotency_key, kind, person_id, path, payload,"
                    " caller, status, attempts, created_at) VALUES (:key, 'consent.withdraw',"
                    " 'p-emma', :path, :payload, :caller, 'pending', 1, '2026-11-30 10:00:00')"
                ),
                {
                    "key": old_key,
                    "path": path,
                    "payload": json.dumps({"departments": ["school"]}),
                    "caller": json.dumps(caller),
                },
            )
        upgrade()
    fake_planapi.on("POST", path, status=201, json={"id": "c-emma"})
    with app.test_request_context():
        anders = Caller(actor_id="p-anders", actor_role="citizen", basis="custody")
        message = outbox.receipt(["consent.withdraw"], "p-emma", anders, form_key)
        assert message is not None
        assert (message.actor_id, message.resource_id, message.method) == (
            "p-anders",
            "c-emma",
            "POST",
        )
        assert [m.resource_id for m in outbox.pending("p-emma", ["consent.withdraw"])] == ["c-emma"]
        assert outbox.deliver_pending() == 1
    sent = fake_planapi.requests[-1]
    assert sent.headers["Idempotency-Key"] == old_key and sent.url.path == path
    assert json.loads(sent.content) == {"departments": ["school"]}
