"""Handovers: the briefings made and kept, the support engineer's notes, and indexes of the alert and page
entries by time (a briefing counts a day's alerts, a storm's hundreds of thousands among them).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from opsdesk.adapters.db.tables import ID
from opsdesk.adapters.db.types import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handovers",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(100), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("stretch_start", UtcDateTime(), nullable=False),
        sa.Column("stretch_end", UtcDateTime(), nullable=False),
        sa.Column("timeliness", sa.String(16), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("made_at", UtcDateTime(), nullable=False),
        sa.Column("acknowledged_by", sa.String(100), nullable=True),
        sa.Column("acknowledged_at", UtcDateTime(), nullable=True),
        sa.Column("acknowledged_via", sa.String(16), nullable=True),
        sa.Column("reminded_at", UtcDateTime(), nullable=True),
        sa.Column("escalated_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_handovers_at", "handovers", ["at", "kind"])
    op.create_table(
        "handover_notes",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_index("ix_handover_notes_at", "handover_notes", ["at"])
    op.create_index("ix_incidents_resolved", "incidents", ["resolved_at"])
    for name, columns, kind in (
        ("ix_incident_entries_alerts_at", ["at", "incident_id", "kind"], "alert"),
        ("ix_incident_entries_pages_at", ["at"], "paged"),
    ):
        op.create_index(
            name,
            "incident_entries",
            columns,
            postgresql_where=sa.text(f"kind = '{kind}'"),
            sqlite_where=sa.text(f"kind = '{kind}'"),
        )


def downgrade() -> None:
    op.drop_index("ix_incident_entries_pages_at", table_name="incident_entries")
    op.drop_index("ix_incident_entries_alerts_at", table_name="incident_entries")
    op.drop_index("ix_handover_notes_at", table_name="handover_notes")
    op.drop_index("ix_incidents_resolved", table_name="incidents")
    op.drop_table("handover_notes")
    op.drop_index("ix_handovers_at", table_name="handovers")
    op.drop_table("handovers")
