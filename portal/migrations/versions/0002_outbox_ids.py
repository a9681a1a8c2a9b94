"""outbox: the write's ids as columns (actor, resource, form key) and its method

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 22:30:00

Rows queued before this revision stay deliverable: their path and key are kept, and
their ids are filled in from what they stored (the actor from the caller, the resource
from the path, the form key from the key).
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

RESOURCE_IN_PATH = ("consent.withdraw", "consent.renew", "questionnaire.response")


def upgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        for name, length, default in (
            ("actor_id", 100, ""),
            ("resource_id", 100, ""),
            ("form_key", 64, ""),
            ("method", 10, "POST"),
        ):
            batch_op.add_column(
                sa.Column(name, sa.String(length=length), nullable=False, server_default=default)
            )
    outbox = sa.table(
        "outbox_message",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("path", sa.String),
        sa.column("caller", sa.JSON),
        sa.column("idempotency_key", sa.String),
        sa.column("actor_id", sa.String),
        sa.column("resource_id", sa.String),
        sa.column("form_key", sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            outbox.c.id, outbox.c.kind, outbox.c.path, outbox.c.caller, outbox.c.idempotency_key
        )
    ).all()
    for row in rows:
        parts = row.path.rstrip("/").split("/")
        resource = (
            parts[-2] if row.kind in RESOURCE_IN_PATH or row.kind.startswith("appointment") else ""
        )
        # consent:<person>:<actor>:<form key> and questionnaire:<person>:<actor>:<form key>
        key_parts = row.idempotency_key.split(":")
        form_key = key_parts[-1] if len(key_parts) == 4 else ""
        connection.execute(
            outbox.update()
            .where(outbox.c.id == row.id)
            .values(
                actor_id=str((row.caller or {}).get("actor_id", ""))[:100],
                resource_id=resource[:100],
                form_key=form_key[:64],
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        for name in ("method", "form_key", "resource_id", "actor_id"):
            batch_op.drop_column(name)
