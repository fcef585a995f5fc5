"""Incidents, their timelines, and intake receipts.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from opsdesk.adapters.db.tables import ID
from opsdesk.adapters.db.types import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("dedup_key", sa.String(255), nullable=False),
        sa.Column("open_key", sa.String(330), nullable=True, unique=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("summary", sa.String(1024), nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("cover", sa.String(16), nullable=False),
        sa.Column("priority", sa.String(2), nullable=True),
        sa.Column("lead", sa.String(100), nullable=True),
        sa.Column("scribe", sa.String(100), nullable=True),
        sa.Column("alert_count", sa.Integer(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("opened_at", UtcDateTime(), nullable=False),
        sa.Column("acknowledged_at", UtcDateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(100), nullable=True),
        sa.Column("resolved_at", UtcDateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(100), nullable=True),
        sa.Column("deferred_at", UtcDateTime(), nullable=True),
        sa.Column("informed", sa.Text(), nullable=True),
        sa.Column("plan", sa.Text(), nullable=True),
    )
    op.create_index("ix_incidents_opened", "incidents", ["opened_at"])
    op.create_index("ix_incidents_state", "incidents", ["state"])
    op.create_table(
        "incident_entries",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("incident_id", ID, sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_incident_entries_incident", "incident_entries", ["incident_id", "id"])
    op.create_table(
        "intake_receipts",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("received_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("intake_receipts")
    op.drop_index("ix_incident_entries_incident", "incident_entries")
    op.drop_table("incident_entries")
    op.drop_index("ix_incidents_state", "incidents")
    op.drop_index("ix_incidents_opened", "incidents")
    op.drop_table("incidents")
