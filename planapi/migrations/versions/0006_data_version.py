"""data_version: one number every change raises, for the composite read's version stamp

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 15:20:00

Every table but the access log (a read writes it, and no read shows it back) gets a trigger
that raises `data_version.n` in each transaction that inserts, updates or deletes a row.
On PostgreSQL it is a deferred constraint trigger, once per transaction as it commits: the
row lock comes last, so writers queue for it only at their commit and never deadlock over
it, and a reader sees the new number exactly when it sees the change. SQLite has one writer
at a time, so a plain trigger per statement and row does.

A table added later needs the same triggers in its own migration; the test
tests/unit/planapi/test_freshness.py fails for a table without them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The tables at this revision, the access log and alembic's own left out.
TABLES = (
    "persons", "caseworkers", "caseload_entries", "relations", "plans", "plan_members",
    "sub_goals", "sector_plans", "interventions", "benefits", "agreements", "cases",
    "case_steps", "missing_documents", "appointments", "change_requests", "contacts",
    "consent_texts", "consents", "consent_scopes", "consent_events", "notifications",
    "questionnaire_responses", "idempotency_records", "conversations", "messages",
    "documents", "letters", "events",
)  # fmt: skip
EVENTS = ("insert", "update", "delete")

BUMP_PG = """
CREATE OR REPLACE FUNCTION data_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('planapi.data_version_txid', true)
       IS DISTINCT FROM txid_current()::text THEN
        PERFORM set_config('planapi.data_version_txid', txid_current()::text, true);
        UPDATE data_version SET n = n + 1 WHERE id = 1;
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade():
    op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO data_version (id, n) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(BUMP_PG)
        for table in TABLES:
            op.execute(
                f"CREATE CONSTRAINT TRIGGER data_version_{table} "
                f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_bump()"
            )
            op.execute(
                f"CREATE TRIGGER data_version_{table}_truncate AFTER TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump()"
            )
        return
    for table in TABLES:
        for event in EVENTS:
            op.execute(
                f"CREATE TRIGGER data_version_{table}_{event} AFTER {event.upper()} ON {table} "
                "BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS data_version_{table}_truncate ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS data_version_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS data_version_bump()")
    else:
        for table in TABLES:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS data_version_{table}_{event}")
    op.drop_table("data_version")
