"""The outbox table: add in the caller's transaction, claim with a lease, then mark delivered or failed. A
row that follows another (`after_key`) is claimed only once that one is delivered (or gone)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Row, bindparam, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from opsdesk.adapters.db.leases import Claim, claim_due, claim_statements, if_held, outcome, release_all
from opsdesk.adapters.db.tables import OutboxRecord
from opsdesk.domain.outbox import OutboxRow, OutboxState, OutgoingMessage, Reference, Taken

ERROR_LIMIT = 2000  # characters of a vendor's error kept on the row
COLUMNS = tuple(OutboxRecord.__table__.columns)
FOLLOWED = aliased(OutboxRecord, name="followed")


def _ready() -> ColumnElement[bool]:
    """Not waiting for another message: it follows none, or the one it follows is delivered or gone."""
    waiting = exists().where(
        FOLLOWED.idempotency_key == OutboxRecord.after_key,
        FOLLOWED.state != OutboxState.DELIVERED.value,
    )
    return OutboxRecord.after_key.is_(None) | ~waiting


class Written:
    """Tells this process's delivery lanes that a unit of work has just committed messages, so they look
    now rather than after their pause (a trigger's page leaves at once). Other processes still find the
    rows by their own looks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[threading.Event] = []

    def subscribe(self, event: threading.Event) -> None:
        with self._lock:
            self._events.append(event)

    def unsubscribe(self, event: threading.Event) -> None:
        with self._lock:
            if event in self._events:
                self._events.remove(event)

    def notify(self) -> None:
        with self._lock:
            events = list(self._events)
        for event in events:
            event.set()


WRITTEN = Written()  # one per process


# Built once (a statement built per message costs more than running it): parameters are given per row.
ADD = {
    name: dialect.insert(OutboxRecord)
    .on_conflict_do_nothing(index_elements=["idempotency_key"])
    .returning(OutboxRecord.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def add_message(connection: Connection, message: OutgoingMessage, now: datetime) -> bool:
    """Store `message` in the caller's transaction; False if its idempotency key is already stored."""
    values = {
        "channel": message.channel,
        "destination": message.destination,
        "payload": message.payload,
        "idempotency_key": message.idempotency_key,
        "after_key": message.after,
        "state": OutboxState.PENDING.value,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
    }
    return connection.execute(ADD[connection.dialect.name], values).scalar() is not None


# A row sent side by side, marked delivered if its owner still holds it (built once: see ADD); with
# what the vendor called the message, when it said.
DELIVERED = (
    update(OutboxRecord)
    .where(
        OutboxRecord.id == bindparam("row_id"),
        OutboxRecord.lease_owner == bindparam("owner"),
        OutboxRecord.state == OutboxState.PENDING.value,
    )
    .values(
        outcome(
            OutboxRecord, state=OutboxState.DELIVERED.value, delivered_at=bindparam("now"), sending_at=None
        )
    )
)
DELIVERED_AS = DELIVERED.values(reference=bindparam("reference", type_=OutboxRecord.reference.type))


# A claim's statements for each choice of channels (any, the pages', every other), built once each.
CLAIMS: dict[tuple[tuple[str, ...] | None, bool], Claim] = {}


class SqlOutbox:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, connection: Connection, message: OutgoingMessage, now: datetime) -> bool:
        """Store `message` in the caller's transaction; False if its idempotency key is already stored."""
        return add_message(connection, message, now)

    def claim(
        self,
        owner: str,
        now: datetime,
        limit: int,
        lease: timedelta,
        channels: frozenset[str] | None = None,
        *,
        besides: bool = False,
    ) -> list[OutboxRow]:
        """Take up to `limit` due rows for `owner` until `now + lease`; rows others hold are skipped. Only
        rows for `channels` (None: any), or with `besides`, only rows for any other channel."""
        key = (None if channels is None else tuple(sorted(channels)), besides)
        claim = CLAIMS.get(key)
        if claim is None:
            ready = _ready()
            if channels is not None:
                chosen = OutboxRecord.channel.in_(sorted(channels))
                ready = ready & (~chosen if besides else chosen)
            claim = CLAIMS[key] = claim_statements(OutboxRecord, OutboxRecord.next_attempt_at, ready)
        rows = claim_due(self.engine, claim, owner=owner, now=now, limit=limit, lease=lease)
        return [_row_from(row) for row in rows]

    def take(self, row_id: int, owner: str, now: datetime, lease: timedelta) -> Taken | None:
        """Just before a send: renew `owner`'s lease and mark the attempt as in flight.

        None (send nothing) when the lease has lapsed or the row is no longer `owner`'s: another worker
        may hold it by now. Otherwise when an earlier attempt's outcome was lost, as the row holds it now
        (not as it was claimed): the first such time is kept until the outcome is settled.
        """
        held = (
            OutboxRecord.id == row_id,
            OutboxRecord.lease_owner == owner,
            OutboxRecord.state == OutboxState.PENDING.value,
            OutboxRecord.lease_until > now,
        )
        with self.engine.begin() as connection:
            found = connection.execute(select(OutboxRecord.sending_at).where(*held).with_for_update()).first()
            if found is None:
                return None
            connection.execute(
                update(OutboxRecord)
                .where(OutboxRecord.id == row_id)
                .values(lease_until=now + lease, sending_at=found.sending_at or now)
            )
            return Taken(found.sending_at)

    def take_all(self, row_ids: list[int], owner: str, now: datetime, lease: timedelta) -> dict[int, Taken]:
        """`take` for rows sent side by side, in one transaction: those `owner` still holds, each with what
        it held of an earlier attempt's lost outcome (rows not returned: send nothing)."""
        if not row_ids:
            return {}
        held = (
            OutboxRecord.id.in_(row_ids),
            OutboxRecord.lease_owner == owner,
            OutboxRecord.state == OutboxState.PENDING.value,
            OutboxRecord.lease_until > now,
        )
        with self.engine.begin() as connection:
            found = connection.execute(
                select(OutboxRecord.id, OutboxRecord.sending_at).where(*held).with_for_update()
            ).all()
            if not found:
                return {}
            connection.execute(
                update(OutboxRecord)
                .where(OutboxRecord.id.in_([row.id for row in found]))
                .values(lease_until=now + lease, sending_at=func.coalesce(OutboxRecord.sending_at, now))
            )
            return {row.id: Taken(row.sending_at) for row in found}

    def renew(self, row_id: int, owner: str, now: datetime, lease: timedelta) -> bool:
        """Extend `owner`'s lease while a send is still in flight (a slow vendor); False if it was lost."""
        return if_held(self.engine, OutboxRecord, row_id, owner, {"lease_until": now + lease})

    def delivered(self, row_id: int, owner: str, now: datetime, reference: Reference | None = None) -> bool:
        """Mark delivered (with what the vendor called it) if `owner` still holds the row; False when the
        lease was lost meanwhile."""
        extra: dict[str, Any] = {} if reference is None else {"reference": reference}
        values = outcome(
            OutboxRecord, state=OutboxState.DELIVERED.value, delivered_at=now, sending_at=None, **extra
        )
        return if_held(self.engine, OutboxRecord, row_id, owner, values)

    def delivered_all(self, sent: list[tuple[int, Reference | None]], owner: str, now: datetime) -> int:
        """`delivered` for rows sent side by side, in one transaction; how many `owner` still held."""
        if not sent:
            return 0
        plain = [{"row_id": r, "owner": owner, "now": now} for r, reference in sent if reference is None]
        named = [
            {"row_id": r, "owner": owner, "now": now, "reference": reference}
            for r, reference in sent
            if reference is not None
        ]
        marked = 0
        with self.engine.begin() as connection:  # one round trip for each kind (executemany)
            if plain:
                marked += connection.execute(DELIVERED, plain).rowcount
            if named:
                marked += connection.execute(DELIVERED_AS, named).rowcount
        return marked

    def by_key(self, key: str) -> OutboxRow | None:
        """The row with this idempotency key, if any (what a following message links to)."""
        with self.engine.connect() as connection:
            row = connection.execute(select(*COLUMNS).where(OutboxRecord.idempotency_key == key)).first()
        return _row_from(row) if row is not None else None

    def failed(
        self, row_id: int, owner: str, error: str, next_attempt: datetime | None, *, in_doubt: bool = False
    ) -> bool:
        """Record a failed try: due again at `next_attempt`, or parked as dead when that is None.

        `in_doubt` keeps the row marked as possibly sent, so the next attempt asks the channel first.
        False when `owner` no longer holds the row (nothing is recorded).
        """
        extra: dict[str, Any] = {} if in_doubt else {"sending_at": None}
        if next_attempt is not None:
            extra["next_attempt_at"] = next_attempt
        state = OutboxState.DEAD.value if next_attempt is None else None
        values = outcome(OutboxRecord, state=state, error=error, limit=ERROR_LIMIT, **extra)
        return if_held(self.engine, OutboxRecord, row_id, owner, values)

    def release(self, owner: str) -> None:
        """Give back every row `owner` holds (a graceful shutdown)."""
        release_all(self.engine, OutboxRecord, owner)

    def rows(self, state: OutboxState | None = None, limit: int = 100) -> list[OutboxRow]:
        query = select(*COLUMNS).order_by(OutboxRecord.id.desc()).limit(limit)
        if state is not None:
            query = query.where(OutboxRecord.state == state.value)
        with self.engine.connect() as connection:
            return [_row_from(m) for m in connection.execute(query)]

    def retry(self, row_id: int, now: datetime) -> bool:
        """Put a dead row back in the queue, due now; False if there is no such dead row."""
        with self.engine.begin() as connection:
            result = connection.execute(
                update(OutboxRecord)
                .where(OutboxRecord.id == row_id, OutboxRecord.state == OutboxState.DEAD.value)
                .values(
                    state=OutboxState.PENDING.value,
                    next_attempt_at=now,
                    attempts=0,
                    last_error=None,
                    sending_at=None,  # the person who retries it has checked it did not arrive
                )
            )
            return result.rowcount == 1

    def lag(self, now: datetime) -> float:
        """Seconds the oldest due, undelivered row has waited (0 when none waits); a row waiting for the
        one it follows is not counted (that one is)."""
        with self.engine.connect() as connection:
            oldest = connection.scalar(
                select(func.min(OutboxRecord.next_attempt_at)).where(
                    OutboxRecord.state == OutboxState.PENDING.value,
                    OutboxRecord.next_attempt_at <= now,
                    _ready(),
                )
            )
        if oldest is None:
            return 0.0
        if oldest.tzinfo is None:  # aggregate results bypass the column type on SQLite
            oldest = oldest.replace(tzinfo=now.tzinfo)
        return max(0.0, (now - oldest).total_seconds())

    def counts(self, now: datetime) -> dict[str, int]:
        """Rows per state, and of the pending rows: due now, failed before, held back, in doubt."""
        pending = OutboxRecord.state == OutboxState.PENDING.value
        with self.engine.connect() as connection:
            grouped = select(OutboxRecord.state, func.count()).group_by(OutboxRecord.state)
            found: dict[str, int] = {str(state): int(count) for state, count in connection.execute(grouped)}
            extra = connection.execute(
                select(
                    func.count().filter(OutboxRecord.next_attempt_at <= now),
                    func.count().filter(OutboxRecord.attempts > 0),
                    func.count().filter(OutboxRecord.next_attempt_at > now),
                    func.count().filter(OutboxRecord.sending_at.is_not(None)),
                ).where(pending)
            ).one()
        due, failing, held, doubtful = (int(value or 0) for value in extra)
        return {
            **{s.value: int(found.get(s.value, 0)) for s in OutboxState},
            "due": due,
            "failed": failing,  # pending again after a failed try
            "held": held,  # pending, not due yet: backing off or asked by a vendor to wait
            "in_doubt": doubtful,  # an attempt's outcome is unknown: checked before any resend
        }

    def held_for(self, now: datetime) -> float:
        """Seconds until the furthest held-back row is due again (0 when none is held)."""
        with self.engine.connect() as connection:
            latest = connection.scalar(
                select(func.max(OutboxRecord.next_attempt_at)).where(
                    OutboxRecord.state == OutboxState.PENDING.value, OutboxRecord.next_attempt_at > now
                )
            )
        if latest is None:
            return 0.0
        if latest.tzinfo is None:  # aggregate results bypass the column type on SQLite
            latest = latest.replace(tzinfo=now.tzinfo)
        return max(0.0, (latest - now).total_seconds())


def _row_from(record: Row[Any]) -> OutboxRow:
    r = record._mapping
    return OutboxRow(
        id=r["id"],
        message=OutgoingMessage(
            r["channel"], r["destination"], dict(r["payload"]), r["idempotency_key"], r["after_key"]
        ),
        state=OutboxState(r["state"]),
        attempts=r["attempts"],
        created_at=r["created_at"],
        next_attempt_at=r["next_attempt_at"],
        delivered_at=r["delivered_at"],
        last_error=r["last_error"],
        sending_at=r["sending_at"],
        reference=dict(r["reference"]) if r["reference"] else None,
    )
