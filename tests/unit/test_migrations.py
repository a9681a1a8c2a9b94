"""The portal's Alembic migrations build exactly the tables its models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal import create_app, drafts, models
from portal.extensions import db


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
    # How init-db made the tables before there were migrations: create_all() of the models
    # of then (the initial schema's tables; later ones come from their migrations).
    # (The initial schema itself, without Alembic's version table: models have moved on since.)
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE alembic_version"))
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert "alembic_version" in tables and set(db.metadata.tables) <= tables
        with db.engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() is not None
