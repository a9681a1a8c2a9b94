"""Alembic environment for the portal's own tables (outbox, questionnaire drafts, calendar
feeds), run through Flask-Migrate: `flask --app portal db upgrade` (or `init-db`)."""

from alembic import context
from flask import current_app

from portal import drafts, models  # noqa: F401 - register the tables on the metadata

db = current_app.extensions["migrate"].db

with db.engine.connect() as connection:
    # Batch mode: SQLite (demo, tests) cannot ALTER most things in place.
    context.configure(connection=connection, target_metadata=db.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
