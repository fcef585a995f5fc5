"""A support request made from a Slack message keeps where it came from: the channel, the thread's root
(where the requester is told what becomes of it) and the message itself (found again by it, once per
message). Requests from elsewhere leave them empty.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None
COLUMNS = {"slack_channel": 40, "slack_thread": 32, "slack_ts": 32}
INDEX = "ix_support_requests_slack"


def upgrade() -> None:
    for name, length in COLUMNS.items():
        op.add_column("support_requests", sa.Column(name, sa.String(length), nullable=True))
    op.create_index(INDEX, "support_requests", ["slack_channel", "slack_ts"], unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="support_requests")
    # Not a batch (a copied table) on SQLite: the labels', entries' and comments' foreign keys would refuse
    # the drop of the original; SQLite drops a plain column in place since 3.35.
    for name in reversed(COLUMNS):
        op.drop_column("support_requests", name)
