"""An index of an incident's entries other than joined alerts: the default timeline view skips a storm's
alerts without passing over them.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_incident_entries_not_alerts",
        "incident_entries",
        ["incident_id", "id"],
        postgresql_where=sa.text("kind <> 'alert'"),
        sqlite_where=sa.text("kind <> 'alert'"),
    )


def downgrade() -> None:
    op.drop_index("ix_incident_entries_not_alerts", table_name="incident_entries")
