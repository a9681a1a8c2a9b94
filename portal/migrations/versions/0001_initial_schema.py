"""initial schema: outbox, questionnaire drafts, calendar feeds

Revision ID: 0001
Revises: -
Create Date: 2026-11-24 02:10:54.139965
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "calendar_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("calendar_feed", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_feed_person_id"), ["person_id"], unique=False)

    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("caller", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_message_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index("ix_outbox_status_created", ["status", "created_at"], unique=False)

    op.create_table(
        "questionnaire_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.String(length=100), nullable=False),
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("instrument_id", sa.String(length=100), nullable=False),
        sa.Column("instrument_version", sa.String(length=50), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("form_key", sa.String(length=64), nullable=False),
        sa.Column("instrument", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("actor_id", "person_id", "instrument_id"),
    )
    with op.batch_alter_table("questionnaire_draft", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_questionnaire_draft_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("questionnaire_draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questionnaire_draft_person_id"))

    op.drop_table("questionnaire_draft")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_created")
        batch_op.drop_index(batch_op.f("ix_outbox_message_person_id"))

    op.drop_table("outbox_message")
    with op.batch_alter_table("calendar_feed", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_feed_person_id"))

    op.drop_table("calendar_feed")
