"""A change's checklist ticks say who ticked each item and when; when a change started and finished.

Ticks were stored as item ids only. Each is carried over with who and when from the change's history
(the `ticked` entry the tick wrote in the same transaction); a tick whose entry is missing is kept, by
"unknown" at the request's submission. Started and finished come from the history's `in-progress`,
`completed` and `rolled-back` entries.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from opsdesk.adapters.db.types import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The items as they were before this revision, with the words their history entries used.
OLD_LABELS = {
    "stakeholders-informed": "stakeholders informed",
    "backup-and-rollback-verified": "backup and rollback verified",
}

changes = sa.table(
    "change_requests",
    sa.column("id", sa.BigInteger()),
    sa.column("submitted_at", UtcDateTime()),
    sa.column("checklist", sa.JSON()),
    sa.column("started_at", UtcDateTime()),
    sa.column("finished_at", UtcDateTime()),
)
entries = sa.table(
    "change_entries",
    sa.column("id", sa.BigInteger()),
    sa.column("change_id", sa.BigInteger()),
    sa.column("at", UtcDateTime()),
    sa.column("actor", sa.String()),
    sa.column("kind", sa.String()),
    sa.column("message", sa.Text()),
)


def upgrade() -> None:
    op.add_column("change_requests", sa.Column("started_at", UtcDateTime(), nullable=True))
    op.add_column("change_requests", sa.Column("finished_at", UtcDateTime(), nullable=True))
    bind = op.get_bind()
    for change_id, submitted_at, checklist in bind.execute(
        sa.select(changes.c.id, changes.c.submitted_at, changes.c.checklist)
    ).all():
        history = bind.execute(
            sa.select(entries.c.at, entries.c.actor, entries.c.kind, entries.c.message)
            .where(entries.c.change_id == change_id)
            .order_by(entries.c.id)
        ).all()
        ticks = [_tick(item, history, submitted_at) for item in checklist or () if isinstance(item, str)]
        started = next((at for at, _, kind, _ in history if kind == "in-progress"), None)
        finished = next((at for at, _, kind, _ in history if kind in ("completed", "rolled-back")), None)
        bind.execute(
            sa.update(changes)
            .where(changes.c.id == change_id)
            .values(checklist=ticks, started_at=started, finished_at=finished)
        )


def _tick(item: str, history: Any, submitted_at: datetime) -> dict[str, str]:
    said = f"ticked: {OLD_LABELS.get(item, item.replace('-', ' '))}"
    found = next(
        ((at, actor) for at, actor, kind, message in history if kind == "ticked" and message == said), None
    )
    at, by = found if found is not None else (submitted_at, "unknown")
    return {"item": item, "by": by, "at": at.astimezone(UTC).isoformat()}


def downgrade() -> None:
    bind = op.get_bind()
    for change_id, checklist in bind.execute(sa.select(changes.c.id, changes.c.checklist)).all():
        ids = [t["item"] if isinstance(t, dict) else t for t in checklist or ()]
        bind.execute(sa.update(changes).where(changes.c.id == change_id).values(checklist=ids))
    # Not a batch (a copied table) on SQLite: change_entries' foreign key would refuse the drop of the
    # original; SQLite drops a plain column in place since 3.35.
    op.drop_column("change_requests", "finished_at")
    op.drop_column("change_requests", "started_at")
