"""The ask channel: each question's thread, kept once by its channel and ts, with who asked when and when
the team answered, the support engineer was reminded, and opsdesk answered it out of hours.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from opsdesk.adapters.db.tables import ID
from opsdesk.adapters.db.types import UtcDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ask_threads",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("thread_ts", sa.String(32), nullable=False),
        sa.Column("asked_by", sa.String(40), nullable=False),
        sa.Column("asked_at", UtcDateTime(), nullable=False),
        sa.Column("answered_at", UtcDateTime(), nullable=True),
        sa.Column("reminded_at", UtcDateTime(), nullable=True),
        sa.Column("out_of_hours_answered_at", UtcDateTime(), nullable=True),
        sa.UniqueConstraint("channel", "thread_ts", name="uq_ask_threads_thread"),
    )


def downgrade() -> None:
    op.drop_table("ask_threads")
