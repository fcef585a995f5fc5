"""Leased work tables (the outbox, jobs): claim due rows for a while, give them back; shared by both."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Row, and_, or_, select, update

PENDING = "pending"


def claim_due(
    engine: Engine,
    model: Any,
    due_column: Any,
    *,
    owner: str,
    now: datetime,
    limit: int,
    lease: timedelta,
    ready: Any = None,
) -> list[Row[Any]]:
    """Take up to `limit` pending rows due at `now` (and `ready`, a further condition) for `owner` until
    `now + lease`.

    PostgreSQL skips rows another worker is claiming (`FOR UPDATE SKIP LOCKED`); on SQLite the
    transaction holds the write lock from its start (`BEGIN IMMEDIATE`), so claims never overlap.
    """
    due = and_(
        model.state == PENDING,
        due_column <= now,
        or_(model.lease_until.is_(None), model.lease_until < now),
        *(() if ready is None else (ready,)),
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


def if_held(engine: Engine, model: Any, row_id: int, owner: str, values: dict[str, Any]) -> bool:
    """Set `values` on the pending row `row_id` if `owner` still holds it; False when it does not (the
    lease was lost meanwhile, or the row was settled): then nothing changes."""
    with engine.begin() as connection:
        result = connection.execute(
            update(model)
            .where(model.id == row_id, model.lease_owner == owner, model.state == PENDING)
            .values(**values)
        )
        return result.rowcount == 1


def outcome(
    model: Any, *, state: str | None, error: str | None = None, limit: int = 2000, **extra: Any
) -> dict[str, Any]:
    """The values that record one attempt's outcome and give the lease back: a new state (None: stays
    pending), the error (NUL shown as \\0: PostgreSQL text holds none), and any other columns."""
    values: dict[str, Any] = {
        "attempts": model.attempts + 1,
        "lease_owner": None,
        "lease_until": None,
        **extra,
    }
    if state is not None:
        values["state"] = state
    if error is not None:
        values["last_error"] = error.replace("\x00", "\\0")[:limit]
    return values
