"""login state: logins under way, taken once by an atomic delete

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 22:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_state",
        sa.Column("state", sa.String(length=100), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state"),
    )
    with op.batch_alter_table("login_state", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_state_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_state_created_at"))
    op.drop_table("login_state")
