"""Incidents, their timelines and intake receipts in the database; one transaction per change.

Opening is race-free across replicas: the insert skips on the unique `open_key` ("service/dedup key"
while open), and the loser of a race joins the winner's incident instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import Connection, Engine, Row, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from opsdesk.adapters.db.jobs import SqlJobs
from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.adapters.db.tables import IncidentEntryRecord, IncidentRecord, ReceiptRecord
from opsdesk.domain.hours import Cover
from opsdesk.domain.incidents import Alarm, Incident, IncidentState, Priority, Source, TimelineEntry
from opsdesk.domain.outbox import OutgoingMessage

COLUMNS = tuple(IncidentRecord.__table__.columns)
ENTRY_COLUMNS = tuple(IncidentEntryRecord.__table__.columns)


def open_key(service: str, dedup_key: str) -> str:
    return f"{service}/{dedup_key}"


class SqlIncidentTx:
    def __init__(self, connection: Connection, outbox: SqlOutbox, jobs: SqlJobs) -> None:
        self.connection = connection
        self.outbox = outbox
        self.jobs = jobs
        self._dialect = postgresql if connection.dialect.name == "postgresql" else sqlite

    def open_or_join(self, alarm: Alarm, cover: Cover, now: datetime) -> tuple[Incident, bool]:
        key = open_key(alarm.service, alarm.dedup_key)
        for _ in range(5):  # the open incident may be resolved between our two statements: try again
            inserted = self.connection.execute(
                self._dialect.insert(IncidentRecord)
                .values(
                    service=alarm.service,
                    dedup_key=alarm.dedup_key,
                    open_key=key,
                    state=IncidentState.TRIGGERED.value,
                    summary=alarm.summary,
                    source=alarm.source[:255],
                    severity=alarm.severity,
                    cover=cover.value,
                    priority=alarm.priority.value if alarm.priority else None,
                    alert_count=1,
                    details=alarm.details,
                    opened_at=now,
                )
                .on_conflict_do_nothing(index_elements=["open_key"])
                .returning(*COLUMNS)
            ).first()
            if inserted is not None:
                return _incident(inserted), True
            joined = self.connection.execute(
                update(IncidentRecord)
                .where(IncidentRecord.open_key == key)
                .values(alert_count=IncidentRecord.alert_count + 1)
                .returning(*COLUMNS)
            ).first()
            if joined is not None:
                return _incident(joined), False
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
            insert(IncidentEntryRecord).values(
                incident_id=incident_id,
                at=entry.at,
                actor=entry.actor[:100],
                source=entry.source.value,
                kind=entry.kind,
                message=entry.message,
                data=entry.data,
            )
        )

    def message(self, message: OutgoingMessage, now: datetime) -> bool:
        return self.outbox.add(self.connection, message, now)

    def schedule(self, kind: str, key: str, due_at: datetime, payload: dict[str, Any]) -> bool:
        return self.jobs.schedule(self.connection, kind, key, due_at, payload)

    def receipt(self, key: str, now: datetime) -> bool:
        statement = (
            self._dialect.insert(ReceiptRecord)
            .values(key=key[:300], received_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(ReceiptRecord.key)
        )
        return self.connection.execute(statement).scalar() is not None


class SqlIncidents:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.outbox = SqlOutbox(engine)
        self.jobs = SqlJobs(engine)

    @contextmanager
    def transaction(self) -> Iterator[SqlIncidentTx]:
        with self.engine.begin() as connection:
            yield SqlIncidentTx(connection, self.outbox, self.jobs)

    def incident(self, incident_id: int) -> Incident | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(*COLUMNS).where(IncidentRecord.id == incident_id)).first()
        return _incident(row) if row else None

    def timeline(self, incident_id: int) -> list[TimelineEntry]:
        query = (
            select(*ENTRY_COLUMNS)
            .where(IncidentEntryRecord.incident_id == incident_id)
            .order_by(IncidentEntryRecord.id)
        )
        with self.engine.connect() as connection:
            return [
                TimelineEntry(
                    r.at, r.actor, Source(r.source), r.kind, r.message, dict(r.data) if r.data else {}
                )
                for r in connection.execute(query)
            ]

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


def _incident(row: Row[Any]) -> Incident:
    r = row._mapping
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
