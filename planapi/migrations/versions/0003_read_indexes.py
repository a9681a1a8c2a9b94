"""indexes for the access-log and consent-expiry lookups

One person's access log newest first is how the log is always read: one index on
(person_id, at) in place of the two single-column ones. Consent expiry looks up consents
by expires_at across all persons.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.drop_index("ix_access_log_at")
        batch_op.drop_index("ix_access_log_person_id")
        batch_op.create_index("ix_access_log_person_id_at", ["person_id", "at"], unique=False)
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index("ix_consents_expires_at", ["expires_at"], unique=False)


def downgrade():
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index("ix_consents_expires_at")
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.drop_index("ix_access_log_person_id_at")
        batch_op.create_index("ix_access_log_person_id", ["person_id"], unique=False)
        batch_op.create_index("ix_access_log_at", ["at"], unique=False)
