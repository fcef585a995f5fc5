"""Out-of-hours change requests and their history.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from opsdesk.adapters.db.tables import ID
from opsdesk.adapters.db.types import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_requests",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("requester", sa.String(100), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("submitted_at", UtcDateTime(), nullable=False),
        sa.Column("window_start", UtcDateTime(), nullable=True),
        sa.Column("window_end", UtcDateTime(), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("assigned", sa.String(100), nullable=True),
        sa.Column("instructions", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(100), nullable=True),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("monitoring_until", UtcDateTime(), nullable=True),
        sa.Column("repository", sa.String(140), nullable=True),
        sa.Column("issue", sa.Integer(), nullable=True),
    )
    op.create_index("ix_change_requests_issue", "change_requests", ["repository", "issue"], unique=True)
    op.create_index("ix_change_requests_state", "change_requests", ["state"])
    op.create_table(
        "change_entries",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("change_id", ID, sa.ForeignKey("change_requests.id"), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
    )
    op.create_index("ix_change_entries_change", "change_entries", ["change_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_change_entries_change", "change_entries")
    op.drop_table("change_entries")
    op.drop_index("ix_change_requests_state", "change_requests")
    op.drop_index("ix_change_requests_issue", "change_requests")
    op.drop_table("change_requests")
