"""Critical-incident email: each message taken in, kept once by its Message-ID, with the incident it opened
or joined, the raw message (cut) for audit, and the reply sent (and to whom, in lower case for counting).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from opsdesk.adapters.db.tables import ID
from opsdesk.adapters.db.types import UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None
INDEXES = {
    "ix_incident_emails_incident": ["incident_id", "received_at"],
    "ix_incident_emails_reply_id": ["reply_id"],
    "ix_incident_emails_reply_to": ["reply_to_key", "received_at"],
}


def upgrade() -> None:
    op.create_table(
        "incident_emails",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(255), nullable=False, unique=True),
        sa.Column("incident_id", ID, sa.ForeignKey("incidents.id"), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("sender", sa.Text(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(100), nullable=True),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("raw_size", sa.BigInteger(), nullable=False),
        sa.Column("reply_id", sa.String(255), nullable=True),
        sa.Column("reply_to", sa.Text(), nullable=True),
        sa.Column("reply_to_key", sa.String(320), nullable=True),
        sa.Column("silent", sa.Text(), nullable=True),
    )
    for name, columns in INDEXES.items():
        op.create_index(name, "incident_emails", columns)


def downgrade() -> None:
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="incident_emails")
    op.drop_table("incident_emails")
