"""Leased work tables (the outbox, jobs): claim due rows for a while, give them back; shared by both."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Row, and_, or_, select, update

PENDING = "pending"


def claim_due(
    engine: Engine, model: Any, due_column: Any, *, owner: str, now: datetime, limit: int, lease: timedelta
) -> list[Row[Any]]:
    """Take up to `limit` pending rows due at `now` for `owner` until `now + lease`.

    PostgreSQL skips rows another worker is claiming (`FOR UPDATE SKIP LOCKED`); on SQLite the
    transaction holds the write lock from its start (`BEGIN IMMEDIATE`), so claims never overlap.
    """
    due = and_(
        model.state == PENDING,
        due_column <= now,
        or_(model.lease_until.is_(None), model.lease_until < now),
    )
    with engine.begin() as connection:
        ids = list(
            connection.scalars(
                select(model.id)
                .where(due)
                .order_by(due_column, model.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if not ids:
            return []
        connection.execute(
            update(model).where(model.id.in_(ids)).values(lease_owner=owner, lease_until=now + lease)
        )
        return list(
            connection.execute(select(*model.__table__.columns).where(model.id.in_(ids)).order_by(model.id))
        )


def release_all(engine: Engine, model: Any, owner: str) -> None:
    """Give back every pending row `owner` holds (a graceful shutdown), for another worker at once."""
    with engine.begin() as connection:
        connection.execute(
            update(model)
            .where(model.lease_owner == owner, model.state == PENDING)
            .values(lease_owner=None, lease_until=None)
        )
