"""Rota changes made as commands: the record of swaps, overrides and leave, and the layer over a
read-only policy file.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from opsdesk.adapters.db.tables import ID
from opsdesk.adapters.db.types import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rota_changes",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("entries", sa.JSON(), nullable=False),
        sa.Column("proposed_by", sa.String(100), nullable=False),
        sa.Column("proposed_at", UtcDateTime(), nullable=False),
        sa.Column("partner", sa.String(100), nullable=True),
        sa.Column("accepted_by", sa.String(100), nullable=True),
        sa.Column("accepted_at", UtcDateTime(), nullable=True),
        sa.Column("folded_at", UtcDateTime(), nullable=True),
    )
    op.create_index("ix_rota_changes_state", "rota_changes", ["state"])


def downgrade() -> None:
    op.drop_index("ix_rota_changes_state", table_name="rota_changes")
    op.drop_table("rota_changes")
