"""Reading incidents: a timeline a page at a time, lists, and rows into incidents (one unit's connection)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, func, select, text

from opsdesk.adapters.db.tables import IncidentEntryRecord, IncidentRecord
from opsdesk.domain.hours import Cover
from opsdesk.domain.incidents.model import Incident, IncidentState, Priority
from opsdesk.domain.incidents.timeline import ALERT, AlertSummary, TimelinePage
from opsdesk.domain.timeline import Source, TimelineEntry

COLUMNS = tuple(IncidentRecord.__table__.columns)
ENTRY_COLUMNS = tuple(IncidentEntryRecord.__table__.columns)
INCIDENTS = cast("Table", IncidentRecord.__table__)
ENTRIES = cast("Table", IncidentEntryRecord.__table__)
# A literal, not a bound parameter: only then may PostgreSQL's planner use the partial index on it, in
# prepared (generic) plans too.
NOT_ALERT = text(f"incident_entries.kind <> '{ALERT}'")


class TimelineReads:
    connection: Connection

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
        connection = self.connection
        page = [_entry(r) for r in connection.execute(query.order_by(ENTRIES.c.id.desc()).limit(limit)).all()]
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
        connection = self.connection
        return [_entry(r) for r in connection.execute(query.order_by(ENTRIES.c.id).limit(limit)).all()]

    def incidents(
        self, state: IncidentState | None = None, service: str | None = None, limit: int = 100
    ) -> list[Incident]:
        query = select(*COLUMNS).order_by(IncidentRecord.id.desc()).limit(limit)
        if state is not None:
            query = query.where(IncidentRecord.state == state.value)
        if service is not None:
            query = query.where(IncidentRecord.service == service)
        connection = self.connection
        return [incident_of(r) for r in connection.execute(query)]

    def opened_between(self, start: datetime, end: datetime) -> list[Incident]:
        query = (
            select(*COLUMNS)
            .where(IncidentRecord.opened_at >= start, IncidentRecord.opened_at < end)
            .order_by(IncidentRecord.id)
        )
        connection = self.connection
        return [incident_of(r) for r in connection.execute(query)]


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


def incident_from_raw(row: tuple[Any, ...]) -> Incident:
    """An incident from a raw psycopg row of COLUMNS (timestamptz comes back aware; JSON parsed)."""
    values = dict(zip((c.name for c in COLUMNS), row, strict=True))
    for name in ("opened_at", "acknowledged_at", "resolved_at", "deferred_at"):
        if values[name] is not None:
            values[name] = values[name].astimezone(UTC)
    return _from_mapping(values)


def incident_of(row: Row[Any]) -> Incident:
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
