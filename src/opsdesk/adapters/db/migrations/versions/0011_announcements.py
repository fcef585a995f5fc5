"""Announcements, and outbox messages that follow another (an announcement's forward after its post): the
key they follow, and what the vendor called a delivered message, so the one following can link to it.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from opsdesk.adapters.db.tables import ID
from opsdesk.adapters.db.types import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None
OPEN_PROMISES = "kept_at IS NULL AND next_update IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("outbox") as table:
        table.add_column(sa.Column("after_key", sa.String(255), nullable=True))
        table.add_column(sa.Column("reference", sa.JSON(), nullable=True))
    op.create_table(
        "announcements",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("incident_id", ID, sa.ForeignKey("incidents.id"), nullable=True),
        sa.Column("change_id", ID, sa.ForeignKey("change_requests.id"), nullable=True),
        sa.Column("priority", sa.String(2), nullable=True),
        sa.Column("mention", sa.String(8), nullable=True),
        sa.Column("starts_at", UtcDateTime(), nullable=True),
        sa.Column("next_update", UtcDateTime(), nullable=True),
        sa.Column("overdue_from", UtcDateTime(), nullable=True),
        sa.Column("reminded_at", UtcDateTime(), nullable=True),
        sa.Column("kept_by", ID, nullable=True),
        sa.Column("kept_at", UtcDateTime(), nullable=True),
        sa.Column("update_channel", sa.String(100), nullable=True),
        sa.Column("ask_channel", sa.String(100), nullable=True),
        sa.Column("reminders", sa.JSON(), nullable=False),
    )
    op.create_index("ix_announcements_at", "announcements", ["at"])
    op.create_index("ix_announcements_mention", "announcements", ["mention", "at"])
    op.create_index("ix_announcements_incident", "announcements", ["incident_id", "id"])
    op.create_index("ix_announcements_change", "announcements", ["change_id", "id"])
    op.create_index(
        "ix_announcements_open_promises",
        "announcements",
        ["overdue_from"],
        postgresql_where=sa.text(OPEN_PROMISES),
        sqlite_where=sa.text(OPEN_PROMISES),
    )


def downgrade() -> None:
    for name in (
        "ix_announcements_open_promises",
        "ix_announcements_change",
        "ix_announcements_incident",
        "ix_announcements_mention",
        "ix_announcements_at",
    ):
        op.drop_index(name, table_name="announcements")
    op.drop_table("announcements")
    with op.batch_alter_table("outbox") as table:
        table.drop_column("reference")
        table.drop_column("after_key")
