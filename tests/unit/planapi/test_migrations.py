"""The plan API's Alembic migrations build exactly the tables its models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from planapi import MIGRATIONS, create_app
from planapi.extensions import db


def test_upgrade_gives_the_models_schema_and_downgrade_removes_it(tmp_path: Path) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'planapi.db'}"})
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert diff == [], f"models changed without a migration: {diff}"
        indexes = {i["name"] for i in inspect(db.engine).get_indexes("access_log")}
        assert "ix_access_log_person_id_at" in indexes
        downgrade(directory=MIGRATIONS, revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
