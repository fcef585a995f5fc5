"""Leased work tables (the outbox, jobs): claim due rows for a while, give them back; shared by both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    Engine,
    Integer,
    Row,
    Select,
    Update,
    and_,
    bindparam,
    or_,
    select,
    update,
)

PENDING = "pending"


@dataclass(frozen=True)
class Claim:
    """A claim's three statements on a leased table, built once (a statement built per claim cost more
    than running it): the due rows' ids (`now`, `limit`), their lease (`ids`, `owner`, `until`), and
    the rows (`ids`)."""

    due: Select[Any]
    lease: Update
    rows: Select[Any]


def claim_statements(model: Any, due_column: Any, ready: Any = None) -> Claim:
    """The claim of pending rows due by `due_column` (and `ready`, a further condition) and not held."""
    now = bindparam("now", type_=due_column.type)
    due = and_(
        model.state == PENDING,
        due_column <= now,
        or_(model.lease_until.is_(None), model.lease_until < now),
        *(() if ready is None else (ready,)),
    )
    ids: BindParameter[Any] = bindparam("ids", expanding=True)
    return Claim(
        select(model.id)
        .where(due)
        .order_by(due_column, model.id)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True),
        update(model)
        .where(model.id.in_(ids))
        .values(lease_owner=bindparam("owner"), lease_until=bindparam("until", type_=due_column.type)),
        select(*model.__table__.columns).where(model.id.in_(ids)).order_by(model.id),
    )


def claim_due(
    engine: Engine, claim: Claim, *, owner: str, now: datetime, limit: int, lease: timedelta
) -> list[Row[Any]]:
    """Take up to `limit` pending rows due at `now` (as `claim` chooses them) for `owner` until
    `now + lease`.

    PostgreSQL skips rows another worker is claiming (`FOR UPDATE SKIP LOCKED`); on SQLite the
    transaction holds the write lock from its start (`BEGIN IMMEDIATE`), so claims never overlap.
    """
    with engine.begin() as connection:
        ids = list(connection.scalars(claim.due, {"now": now, "limit": limit}))
        if not ids:
            return []
        connection.execute(claim.lease, {"ids": ids, "owner": owner, "until": now + lease})
        return list(connection.execute(claim.rows, {"ids": ids}))


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
