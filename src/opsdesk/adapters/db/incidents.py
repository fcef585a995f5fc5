"""Incidents, their timelines and intake receipts in the database; one transaction per change.

Opening is race-free across replicas: the insert skips on the unique `open_key` ("service/dedup key"
while open), and the loser of a race joins the winner's incident instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import Enum
from typing import Any, cast

from sqlalchemy import Connection, Engine, Row, Table, bindparam, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from opsdesk.adapters.db.jobs import SqlJobs
from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.adapters.db.tables import IncidentEntryRecord, IncidentRecord, ReceiptRecord
from opsdesk.domain.hours import Cover
from opsdesk.domain.incidents.model import Alarm, Incident, IncidentState, Priority
from opsdesk.domain.incidents.timeline import ALERT, AlertSummary, TimelinePage
from opsdesk.domain.outbox import OutgoingMessage
from opsdesk.domain.timeline import Source, TimelineEntry

COLUMNS = tuple(IncidentRecord.__table__.columns)
# A literal, not a bound parameter: only then may PostgreSQL's planner use the partial index on it, in
# prepared (generic) plans too.
NOT_ALERT = text(f"incident_entries.kind <> '{ALERT}'")
ENTRY_COLUMNS = tuple(IncidentEntryRecord.__table__.columns)
INCIDENTS = cast("Table", IncidentRecord.__table__)
# Built once: the alarm path runs these for every event, and building a statement costs more than
# running it (Core tables and bound parameters let SQLAlchemy's statement cache do the rest).
JOIN = (
    update(INCIDENTS)
    .where(INCIDENTS.c.open_key == bindparam("key"))
    .values(alert_count=INCIDENTS.c.alert_count + 1)
    .returning(*COLUMNS)
)
OPEN = {
    name: dialect.insert(INCIDENTS).on_conflict_do_nothing(index_elements=["open_key"]).returning(*COLUMNS)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
ENTRIES = cast("Table", IncidentEntryRecord.__table__)
ADD_ENTRY = insert(ENTRIES)
_NAMES = ", ".join(f'"{c.name}"' for c in COLUMNS)
# PostgreSQL only: count the alert and add its timeline entry in one statement (psycopg placeholders).
JOIN_WITH_ENTRY_SQL = (
    "WITH joined AS (UPDATE incidents SET alert_count = alert_count + 1 WHERE open_key = %(key)s "  # noqa: S608  (our own column names; values are bound)
    f"RETURNING {_NAMES}), "
    "entry AS (INSERT INTO incident_entries (incident_id, at, actor, source, kind, message, data) "
    "SELECT id, %(at)s, %(actor)s, %(source)s, %(kind)s, %(message)s || ' (alert ' || alert_count || ')', "
    f"%(data)s FROM joined) SELECT {_NAMES} FROM joined"
)
RECEIPT = {
    name: dialect.insert(cast("Table", ReceiptRecord.__table__))
    .on_conflict_do_nothing(index_elements=["key"])
    .returning(ReceiptRecord.__table__.c.key)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def open_key(service: str, dedup_key: str) -> str:
    return f"{service}/{dedup_key}"


class SqlIncidentTx:
    def __init__(self, connection: Connection, outbox: SqlOutbox, jobs: SqlJobs) -> None:
        self.connection = connection
        self.outbox = outbox
        self.jobs = jobs
        self._open = OPEN[connection.dialect.name]
        self._receipt = RECEIPT[connection.dialect.name]

    def open_or_join(self, alarm: Alarm, cover: Cover, now: datetime) -> tuple[Incident, bool]:
        """Join the open incident with this service and dedup key, or open one; True when opened.

        Joining (every alert after the first) is one UPDATE; opening is an INSERT that skips on the
        unique open key, so of two replicas opening at once one inserts and the other joins.
        """
        key = open_key(alarm.service, alarm.dedup_key)
        for _ in range(5):  # the open incident may be resolved between our two statements: try again
            joined = self.connection.execute(JOIN, {"key": key}).first()
            if joined is not None:
                return _incident(joined), False
            inserted = self.connection.execute(
                self._open,
                {
                    "service": alarm.service,
                    "dedup_key": alarm.dedup_key,
                    "open_key": key,
                    "state": IncidentState.TRIGGERED.value,
                    "summary": alarm.summary,
                    "source": alarm.source[:255],
                    "severity": alarm.severity,
                    "cover": cover.value,
                    "priority": alarm.priority.value if alarm.priority else None,
                    "alert_count": 1,
                    "details": alarm.details,
                    "opened_at": now,
                },
            ).first()
            if inserted is not None:
                return _incident(inserted), True
        raise RuntimeError(f"could not open or join the incident for {key!r}")

    def get(self, incident_id: int) -> Incident | None:
        row = self.connection.execute(
            select(*COLUMNS).where(IncidentRecord.id == incident_id).with_for_update()
        ).first()
        return _incident(row) if row else None

    def find_open(self, service: str, dedup_key: str) -> Incident | None:
        row = self.connection.execute(
            select(*COLUMNS).where(IncidentRecord.open_key == open_key(service, dedup_key)).with_for_update()
        ).first()
        return _incident(row) if row else None

    def update(self, incident_id: int, changes: Mapping[str, Any]) -> Incident:
        values = {name: value.value if isinstance(value, Enum) else value for name, value in changes.items()}
        if values.get("state") == IncidentState.RESOLVED.value:
            values["open_key"] = None  # the key is free: the next trigger opens a new incident
        row = self.connection.execute(
            update(IncidentRecord)
            .where(IncidentRecord.id == incident_id)
            .values(**values)
            .returning(*COLUMNS)
        ).one()
        return _incident(row)

    def entry(self, incident_id: int, entry: TimelineEntry) -> None:
        self.connection.execute(
            ADD_ENTRY,
            {
                "incident_id": incident_id,
                "at": entry.at,
                "actor": entry.actor[:100],
                "source": entry.source.value,
                "kind": entry.kind,
                "message": entry.message,
                "data": entry.data,
            },
        )

    def message(self, message: OutgoingMessage, now: datetime) -> bool:
        return self.outbox.add(self.connection, message, now)

    def schedule(self, kind: str, key: str, due_at: datetime, payload: dict[str, Any]) -> bool:
        return self.jobs.schedule(self.connection, kind, key, due_at, payload)

    def receipt(self, key: str, now: datetime) -> bool:
        taken = self.connection.execute(self._receipt, {"key": key[:300], "received_at": now})
        return taken.scalar() is not None


class SqlIncidents:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.outbox = SqlOutbox(engine)
        self.jobs = SqlJobs(engine)
        self._postgresql = engine.dialect.name == "postgresql"

    def join_open(self, joins: Sequence[tuple[Alarm, TimelineEntry]]) -> list[Incident | None]:
        """For each alarm, count another alert on the open incident with its service and dedup key, with
        its timeline entry (the message gets "(alert N)"); None where no incident is open. One transaction.

        The busy path of an alarm storm. Rows are locked in key order, so two replicas' batches never
        deadlock. On PostgreSQL each alarm is one statement (the UPDATE and the entry's INSERT in one
        data-modifying WITH), all sent in one pipeline: one round trip and one commit for the lot.
        """
        order = sorted(range(len(joins)), key=lambda i: open_key(joins[i][0].service, joins[i][0].dedup_key))
        found: list[Incident | None] = [None] * len(joins)
        with self.engine.begin() as connection:
            if self._postgresql:
                rows = _pipelined(connection, [_join_values(*joins[i]) for i in order])
                for i, row in zip(order, rows, strict=True):
                    found[i] = _incident_from(row) if row else None
                return found
            for i in order:
                values = _join_values(*joins[i])
                row = connection.execute(JOIN, {"key": values["key"]}).first()
                if row is None:
                    continue
                joined = found[i] = _incident(row)
                message = f"{values['message']} (alert {joined.alert_count})"
                entry = {k: v for k, v in values.items() if k != "key"}
                connection.execute(ADD_ENTRY, {**entry, "incident_id": joined.id, "message": message})
        return found

    @contextmanager
    def transaction(self) -> Iterator[SqlIncidentTx]:
        with self.engine.begin() as connection:
            yield SqlIncidentTx(connection, self.outbox, self.jobs)

    def incident(self, incident_id: int) -> Incident | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(*COLUMNS).where(IncidentRecord.id == incident_id)).first()
        return _incident(row) if row else None

    def timeline(
        self, incident_id: int, *, limit: int, before: int | None = None, alerts: bool = True
    ) -> TimelinePage:
        """The newest `limit` entries (below `before`), newest first, and the alerts summed up.

        A page walks the index on (incident_id, id) down from its cursor; the older entries are counted
        in SQL (an index-only count when alerts are listed) and the alerts' summary costs three look-ups
        whatever their number: nothing is loaded beyond the page.
        """
        query = select(*ENTRY_COLUMNS).where(ENTRIES.c.incident_id == incident_id)
        if before is not None:
            query = query.where(ENTRIES.c.id < before)
        if not alerts:
            query = query.where(NOT_ALERT)
        with self.engine.connect() as connection:
            page = [
                _entry(r) for r in connection.execute(query.order_by(ENTRIES.c.id.desc()).limit(limit)).all()
            ]
            oldest = page[-1].id if len(page) == limit else None  # a short page reaches the start
            older = _older(connection, incident_id, oldest, alerts)
            summary = _alert_summary(connection, incident_id)
        return TimelinePage(tuple(page), older, summary, alerts)

    def entries_after(
        self, incident_id: int, after: int | None, limit: int, *, alerts: bool = True
    ) -> list[TimelineEntry]:
        """Up to `limit` entries after the entry `after` (from the start when None), oldest first."""
        query = select(*ENTRY_COLUMNS).where(ENTRIES.c.incident_id == incident_id)
        if after is not None:
            query = query.where(ENTRIES.c.id > after)
        if not alerts:
            query = query.where(NOT_ALERT)
        with self.engine.connect() as connection:
            return [_entry(r) for r in connection.execute(query.order_by(ENTRIES.c.id).limit(limit)).all()]

    def incidents(
        self, state: IncidentState | None = None, service: str | None = None, limit: int = 100
    ) -> list[Incident]:
        query = select(*COLUMNS).order_by(IncidentRecord.id.desc()).limit(limit)
        if state is not None:
            query = query.where(IncidentRecord.state == state.value)
        if service is not None:
            query = query.where(IncidentRecord.service == service)
        with self.engine.connect() as connection:
            return [_incident(r) for r in connection.execute(query)]

    def opened_between(self, start: datetime, end: datetime) -> list[Incident]:
        query = (
            select(*COLUMNS)
            .where(IncidentRecord.opened_at >= start, IncidentRecord.opened_at < end)
            .order_by(IncidentRecord.id)
        )
        with self.engine.connect() as connection:
            return [_incident(r) for r in connection.execute(query)]


def _older(connection: Connection, incident_id: int, oldest: int | None, alerts: bool) -> int:
    """How many entries (of the kinds listed) come before the entry `oldest`; 0 when the page is short."""
    if oldest is None:
        return 0
    query = (
        select(func.count())
        .select_from(ENTRIES)
        .where(ENTRIES.c.incident_id == incident_id, ENTRIES.c.id < oldest)
    )
    if not alerts:
        query = query.where(NOT_ALERT)
    return int(connection.scalar(query) or 0)


def _alert_summary(connection: Connection, incident_id: int) -> AlertSummary | None:
    """The alerts that joined the incident: how many (its alert count, kept by the same statement that
    writes each alert's entry, less the alert that opened it) and the first and last of them, found from
    each end of the index; no pass over the alerts themselves."""
    joined = connection.scalar(select(INCIDENTS.c.alert_count).where(INCIDENTS.c.id == incident_id))
    if not joined or joined < 2:
        return None
    ends = []
    for order in (ENTRIES.c.id, ENTRIES.c.id.desc()):
        ends.append(
            connection.execute(
                select(ENTRIES.c.at, ENTRIES.c.message)
                .where(ENTRIES.c.incident_id == incident_id, ENTRIES.c.kind == ALERT)
                .order_by(order)
                .limit(1)
            ).first()
        )
    first, last = ends
    if first is None or last is None:
        return None
    return AlertSummary(joined - 1, first.at, last.at, first.message, last.message)


def _entry(r: Row[Any]) -> TimelineEntry:
    return TimelineEntry(
        r.at, r.actor, Source(r.source), r.kind, r.message, dict(r.data) if r.data else {}, r.id
    )


def _join_values(alarm: Alarm, entry: TimelineEntry) -> dict[str, Any]:
    return {
        "key": open_key(alarm.service, alarm.dedup_key),
        "at": entry.at,
        "actor": entry.actor[:100],
        "source": entry.source.value,
        "kind": entry.kind,
        "message": entry.message,
        "data": entry.data,
    }


def _pipelined(connection: Connection, joins: list[dict[str, Any]]) -> list[tuple[Any, ...] | None]:
    """Every join statement sent at once through psycopg's pipeline mode, then every answer read."""
    from psycopg.types.json import Json  # noqa: PLC0415  (PostgreSQL only)

    raw: Any = connection.connection.driver_connection
    cursors = []
    with raw.pipeline():
        for values in joins:
            cursor = raw.cursor()
            cursor.execute(JOIN_WITH_ENTRY_SQL, {**values, "data": Json(values["data"])})
            cursors.append(cursor)
    return [cursor.fetchone() for cursor in cursors]


def _incident_from(row: tuple[Any, ...]) -> Incident:
    """An incident from a raw psycopg row of COLUMNS (timestamptz comes back aware; JSON parsed)."""
    values = dict(zip((c.name for c in COLUMNS), row, strict=True))
    for name in ("opened_at", "acknowledged_at", "resolved_at", "deferred_at"):
        if values[name] is not None:
            values[name] = values[name].astimezone(UTC)
    return _from_mapping(values)


def _incident(row: Row[Any]) -> Incident:
    return _from_mapping(row._mapping)


def _from_mapping(r: Mapping[Any, Any]) -> Incident:
    return Incident(
        id=r["id"],
        service=r["service"],
        dedup_key=r["dedup_key"],
        state=IncidentState(r["state"]),
        summary=r["summary"],
        source=r["source"],
        severity=r["severity"],
        cover=Cover(r["cover"]),
        opened_at=r["opened_at"],
        alert_count=r["alert_count"],
        priority=Priority(r["priority"]) if r["priority"] else None,
        lead=r["lead"],
        scribe=r["scribe"],
        acknowledged_at=r["acknowledged_at"],
        acknowledged_by=r["acknowledged_by"],
        resolved_at=r["resolved_at"],
        resolved_by=r["resolved_by"],
        deferred_at=r["deferred_at"],
        informed=r["informed"],
        plan=r["plan"],
        details=dict(r["details"]) if r["details"] else {},
    )
