"""Incidents and their timelines in the database, inside a unit of work's transaction.

Opening is race-free across replicas: the insert skips on the unique `open_key` ("service/dedup key"
while open), and the loser of a race joins the winner's incident instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from opsdesk.adapters.db.incident_reads import (
    COLUMNS,
    ENTRIES,
    INCIDENTS,
    TimelineReads,
    incident_from_raw,
    incident_of,
)
from opsdesk.adapters.db.tables import IncidentRecord
from opsdesk.domain.hours import Cover
from opsdesk.domain.incidents.model import Alarm, Incident, IncidentState
from opsdesk.domain.incidents.timeline import TimelinePage
from opsdesk.domain.timeline import TimelineEntry

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
ADD_ENTRY = insert(ENTRIES)
GET = select(*COLUMNS).where(IncidentRecord.id == bindparam("id")).with_for_update()
# Many incidents locked in one statement: on PostgreSQL in the order a batch of joins locks them (open
# key, byte order as Python sorts it; then number), so a storm's joins and its pages never deadlock.
GET_MANY = {
    "postgresql": select(*COLUMNS)
    .where(IncidentRecord.id.in_(bindparam("ids", expanding=True)))
    .order_by(IncidentRecord.open_key.collate("C").nulls_last(), IncidentRecord.id)
    .with_for_update(),
    "sqlite": select(*COLUMNS).where(IncidentRecord.id.in_(bindparam("ids", expanding=True))),
}
_NAMES = ", ".join(f'"{c.name}"' for c in COLUMNS)
# PostgreSQL only: count the alert and add its timeline entry in one statement (psycopg placeholders).
JOIN_WITH_ENTRY_SQL = (
    "WITH joined AS (UPDATE incidents SET alert_count = alert_count + 1 WHERE open_key = %(key)s "  # noqa: S608  (our own column names; values are bound)
    f"RETURNING {_NAMES}), "
    "entry AS (INSERT INTO incident_entries (incident_id, at, actor, source, kind, message, data) "
    "SELECT id, %(at)s, %(actor)s, %(source)s, %(kind)s, %(message)s || ' (alert ' || alert_count || ')', "
    f"%(data)s FROM joined) SELECT {_NAMES} FROM joined"
)


def open_key(service: str, dedup_key: str) -> str:
    return f"{service}/{dedup_key}"


class SqlIncidentStore(TimelineReads):
    """The incidents store of one unit of work: every statement runs in its transaction; `get` and
    `find_open` lock what they return until it ends."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._open = OPEN[connection.dialect.name]
        self._postgresql = connection.dialect.name == "postgresql"
        self._deferred: list[dict[str, Any]] | None = None  # entries kept for one statement (`defer`)

    def open_or_join(self, alarm: Alarm, cover: Cover, now: datetime) -> tuple[Incident, bool]:
        """Join the open incident with this service and dedup key, or open one; True when opened.

        Joining (every alert after the first) is one UPDATE; opening is an INSERT that skips on the
        unique open key, so of two replicas opening at once one inserts and the other joins.
        """
        key = open_key(alarm.service, alarm.dedup_key)
        for _ in range(5):  # the open incident may be resolved between our two statements: try again
            joined = self.connection.execute(JOIN, {"key": key}).first()
            if joined is not None:
                return incident_of(joined), False
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
                return incident_of(inserted), True
        raise RuntimeError(f"could not open or join the incident for {key!r}")

    def get(self, incident_id: int) -> Incident | None:
        row = self.connection.execute(GET, {"id": incident_id}).first()
        return incident_of(row) if row else None

    def get_many(self, incident_ids: Sequence[int]) -> dict[int, Incident]:
        """One statement for many, locked as `join_open` locks them (see GET_MANY)."""
        if not incident_ids:
            return {}
        statement = GET_MANY["postgresql" if self._postgresql else "sqlite"]
        rows = self.connection.execute(statement, {"ids": sorted(set(incident_ids))})
        return {row.id: incident_of(row) for row in rows}

    def find_open(self, service: str, dedup_key: str) -> Incident | None:
        row = self.connection.execute(
            select(*COLUMNS).where(IncidentRecord.open_key == open_key(service, dedup_key)).with_for_update()
        ).first()
        return incident_of(row) if row else None

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
        return incident_of(row)

    def entry(self, incident_id: int, entry: TimelineEntry) -> None:
        values = {"incident_id": incident_id, **_entry_values(entry)}
        if self._deferred is not None:
            self._deferred.append(values)
        else:
            self.connection.execute(ADD_ENTRY, values)

    def defer(self) -> None:
        """Keep the timeline entries written from now on until `flush` (or a read of a timeline): many
        are then written with one statement (a storm's pages, written together)."""
        if self._deferred is None:
            self._deferred = []

    def flush(self) -> None:
        if self._deferred:
            self.connection.execute(ADD_ENTRY, self._deferred)
            self._deferred = []

    def timeline(
        self, incident_id: int, *, limit: int, before: int | None = None, alerts: bool = True
    ) -> TimelinePage:
        self.flush()  # the entries kept are read too
        return super().timeline(incident_id, limit=limit, before=before, alerts=alerts)

    def entries_after(
        self, incident_id: int, after: int | None, limit: int, *, alerts: bool = True
    ) -> list[TimelineEntry]:
        self.flush()  # the entries kept are read too
        return super().entries_after(incident_id, after, limit, alerts=alerts)

    def join_open(self, joins: Sequence[tuple[Alarm, TimelineEntry]]) -> list[Incident | None]:
        """For each alarm, count another alert on the open incident with its service and dedup key, with
        its timeline entry (the message gets "(alert N)"); None where no incident is open.

        The busy path of an alarm storm. Rows are locked in key order, so two replicas' batches never
        deadlock. On PostgreSQL each alarm is one statement (the UPDATE and the entry's INSERT in one
        data-modifying WITH), all sent in one pipeline: one round trip for the lot, one commit with the unit.
        """
        order = sorted(range(len(joins)), key=lambda i: open_key(joins[i][0].service, joins[i][0].dedup_key))
        found: list[Incident | None] = [None] * len(joins)
        connection = self.connection
        if self._postgresql:
            rows = _pipelined(connection, [_join_values(*joins[i]) for i in order])
            for i, row in zip(order, rows, strict=True):
                found[i] = incident_from_raw(row) if row else None
            return found
        for i in order:
            values = _join_values(*joins[i])
            row = connection.execute(JOIN, {"key": values["key"]}).first()
            if row is None:
                continue
            joined = found[i] = incident_of(row)
            message = f"{values['message']} (alert {joined.alert_count})"
            entry = {k: v for k, v in values.items() if k != "key"}
            connection.execute(ADD_ENTRY, {**entry, "incident_id": joined.id, "message": message})
        return found


def _join_values(alarm: Alarm, entry: TimelineEntry) -> dict[str, Any]:
    return {"key": open_key(alarm.service, alarm.dedup_key), **_entry_values(entry)}


def _entry_values(entry: TimelineEntry) -> dict[str, Any]:
    """A timeline entry's columns (but its incident's)."""
    return {
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
