"""The portal's Alembic migrations build exactly the tables its models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

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


def test_init_db_adopts_tables_made_before_migrations(tmp_path: Path) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"}, env="test")
    with app.app_context():
        db.create_all()  # how init-db made the tables before there were migrations
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert "alembic_version" in inspect(db.engine).get_table_names()
        with db.engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == "0001"
