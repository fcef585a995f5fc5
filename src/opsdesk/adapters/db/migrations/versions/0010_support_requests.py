"""The support board: user support requests, their labels, comments and history.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from opsdesk.adapters.db.tables import ID
from opsdesk.adapters.db.types import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "support_requests",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("requester", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("triage", sa.String(16), nullable=False),
        sa.Column("priority", sa.String(2), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("assignee", sa.String(100), nullable=True),
        sa.Column("link", sa.String(500), nullable=True),
        sa.Column("repository", sa.String(140), nullable=True),
        sa.Column("issue", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("triaged_at", UtcDateTime(), nullable=True),
        sa.Column("triaged_by", sa.String(100), nullable=True),
        sa.Column("first_response_at", UtcDateTime(), nullable=True),
        sa.Column("done_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_support_requests_issue", "support_requests", ["repository", "issue"], unique=True)
    op.create_index("ix_support_requests_status", "support_requests", ["status", "triage"])
    op.create_index("ix_support_requests_created", "support_requests", ["created_at"])
    op.create_table(
        "support_labels",
        sa.Column("request_id", ID, sa.ForeignKey("support_requests.id"), primary_key=True),
        sa.Column("folded", sa.String(200), primary_key=True),
        sa.Column("label", sa.String(50), nullable=False),
    )
    op.create_index("ix_support_labels_folded", "support_labels", ["folded", "request_id"])
    for table, columns in (
        (
            "support_entries",
            [
                sa.Column("actor", sa.String(100), nullable=False),
                sa.Column("source", sa.String(16), nullable=False),
                sa.Column("kind", sa.String(32), nullable=False),
                sa.Column("message", sa.Text(), nullable=False),
            ],
        ),
        (
            "support_comments",
            [
                sa.Column("author", sa.String(100), nullable=False),
                sa.Column("source", sa.String(16), nullable=False),
                sa.Column("text", sa.Text(), nullable=False),
            ],
        ),
    ):
        op.create_table(
            table,
            sa.Column("id", ID, primary_key=True, autoincrement=True),
            sa.Column("request_id", ID, sa.ForeignKey("support_requests.id"), nullable=False),
            sa.Column("at", UtcDateTime(), nullable=False),
            *columns,
        )
        op.create_index(f"ix_{table}_request", table, ["request_id", "id"])


def downgrade() -> None:
    for table in ("support_comments", "support_entries"):
        op.drop_index(f"ix_{table}_request", table_name=table)
        op.drop_table(table)
    op.drop_index("ix_support_labels_folded", table_name="support_labels")
    op.drop_table("support_labels")
    for index in ("ix_support_requests_created", "ix_support_requests_status", "ix_support_requests_issue"):
        op.drop_index(index, table_name="support_requests")
    op.drop_table("support_requests")
