"""messages, documents and letters; contacts who take messages; uploadable missing documents

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 22:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(
            sa.Column("takes_messages", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("answer_days", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("caseworker_id", sa.String(length=64), nullable=True))
        batch.create_foreign_key(
            "fk_contacts_caseworker_id", "caseworkers", ["caseworker_id"], ["id"]
        )
    with op.batch_alter_table("missing_documents") as batch:
        batch.add_column(
            sa.Column("uploadable", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("document_id", sa.String(length=64), nullable=True))
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("contact_id", sa.String(length=64), nullable=False),
        sa.Column("last_message_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_conversations_person_id", "conversations", ["person_id"])
    op.create_index("ix_conversations_contact_id", "conversations", ["contact_id"])
    op.create_table(
        "messages",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=False),
        sa.Column("author_kind", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.String(length=64), nullable=False),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("basis", sa.String(length=32), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("letter_id", sa.String(length=64), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column("read_by_name", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_messages_conversation_id", "messages", ["conversation_id"])
    op.create_table(
        "documents",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("uploaded_by_id", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_name", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("missing_document_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_documents_person_id", "documents", ["person_id"])
    op.create_index("ix_documents_message_id", "documents", ["message_id"])
    op.create_table(
        "letters",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("department", sa.String(length=32), nullable=False),
        sa.Column("sender", sa.String(length=300), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("decided", sa.Text(), nullable=True),
        sa.Column("legal_basis", sa.String(length=300), nullable=True),
        sa.Column("complaint_to", sa.String(length=300), nullable=True),
        sa.Column("complaint_weeks", sa.Integer(), nullable=True),
        sa.Column("complaint_how", sa.Text(), nullable=True),
        sa.Column("complaint_contact_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["complaint_contact_id"], ["contacts.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_letters_person_id", "letters", ["person_id"])


def downgrade():
    op.drop_index("ix_letters_person_id", table_name="letters")
    op.drop_table("letters")
    op.drop_index("ix_documents_message_id", table_name="documents")
    op.drop_index("ix_documents_person_id", table_name="documents")
    op.drop_table("documents")
    op.drop_index("ix_messages_conversation_id", table_name="messages")
    op.drop_table("messages")
    op.drop_index("ix_conversations_contact_id", table_name="conversations")
    op.drop_index("ix_conversations_person_id", table_name="conversations")
    op.drop_table("conversations")
    with op.batch_alter_table("missing_documents") as batch:
        batch.drop_column("document_id")
        batch.drop_column("uploadable")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_constraint("fk_contacts_caseworker_id", type_="foreignkey")
        batch.drop_column("caseworker_id")
        batch.drop_column("answer_days")
        batch.drop_column("takes_messages")
