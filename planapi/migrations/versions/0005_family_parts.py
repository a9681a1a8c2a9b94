"""family parts of a plan: whom an intervention is for, whom an agreement asks

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 22:55:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("interventions") as batch:
        batch.add_column(sa.Column("member_ids", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("agreements") as batch:
        batch.add_column(sa.Column("responsible_person_id", sa.String(length=64), nullable=True))
        batch.create_index(
            "ix_agreements_responsible_person_id", ["responsible_person_id"], unique=False
        )
        batch.create_foreign_key(
            "fk_agreements_responsible_person_id", "persons", ["responsible_person_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("agreements") as batch:
        batch.drop_constraint("fk_agreements_responsible_person_id", type_="foreignkey")
        batch.drop_index("ix_agreements_responsible_person_id")
        batch.drop_column("responsible_person_id")
    with op.batch_alter_table("interventions") as batch:
        batch.drop_column("member_ids")
