"""What a briefing is made from, read in one unit's transaction: alarm counts, pages, incidents, changes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Connection, and_, func, or_, select, text

from opsdesk.adapters.db.changes import COLUMNS as CHANGE_COLUMNS
from opsdesk.adapters.db.changes import change_of
from opsdesk.adapters.db.incident_reads import COLUMNS as INCIDENT_COLUMNS
from opsdesk.adapters.db.incident_reads import ENTRIES, INCIDENTS, incident_of
from opsdesk.adapters.db.tables import ChangeRecord
from opsdesk.domain.changes.model import ChangeRequest
from opsdesk.domain.handover.compose import AWAITING, BOOKED
from opsdesk.domain.handover.model import AlarmCount, PageLine
from opsdesk.domain.incidents.model import OPEN_STATES, Incident, IncidentState
from opsdesk.domain.incidents.timeline import ALERT

PAGED = "paged"  # the kind of entry each page leaves on its incident's timeline
# Literals, not bound parameters: only then may PostgreSQL's planner use the partial indexes on them, in
# prepared (generic) plans too.
IS_ALERT = text(f"incident_entries.kind = '{ALERT}'")
IS_PAGE = text(f"incident_entries.kind = '{PAGED}'")


class HandoverReads:
    connection: Connection

    def alarm_counts(self, start: datetime, end: datetime, top: int = 3) -> list[AlarmCount]:
        """Alarms in [start, end) per service: each incident opened counts one, each alert joined one.

        A storm's alerts are counted per incident from the partial index of alert entries by time (it holds
        the incident too, so no entry is read), and only those few counts are joined to their incidents.
        """
        opened = (
            select(INCIDENTS.c.service, INCIDENTS.c.dedup_key, func.count())
            .where(INCIDENTS.c.opened_at >= start, INCIDENTS.c.opened_at < end)
            .group_by(INCIDENTS.c.service, INCIDENTS.c.dedup_key)
        )
        per_incident = (
            select(ENTRIES.c.incident_id, func.count().label("alerts"))
            .where(IS_ALERT, ENTRIES.c.at >= start, ENTRIES.c.at < end)
            .group_by(ENTRIES.c.incident_id)
            .subquery()
        )
        joined = (
            select(INCIDENTS.c.service, INCIDENTS.c.dedup_key, func.sum(per_incident.c.alerts))
            .join_from(per_incident, INCIDENTS, INCIDENTS.c.id == per_incident.c.incident_id)
            .group_by(INCIDENTS.c.service, INCIDENTS.c.dedup_key)
        )
        counts: Counter[tuple[str, str]] = Counter()
        for query in (opened, joined):
            for service, key, count in self.connection.execute(query):
                counts[(service, key)] += int(count)
        return ranked(counts, top)

    def pages_between(self, start: datetime, end: datetime) -> list[PageLine]:
        """Pages sent in [start, end), the oldest first; each waited until its incident was acknowledged,
        or for nothing (None) when it was acknowledged before the page or never."""
        query = (
            select(ENTRIES.c.incident_id, ENTRIES.c.at, ENTRIES.c.data, INCIDENTS.c.acknowledged_at)
            .join_from(ENTRIES, INCIDENTS, INCIDENTS.c.id == ENTRIES.c.incident_id)
            .where(IS_PAGE, ENTRIES.c.at >= start, ENTRIES.c.at < end)
            .order_by(ENTRIES.c.at, ENTRIES.c.id)
        )
        return [
            page_line(incident, at, data or {}, acknowledged)
            for incident, at, data, acknowledged in self.connection.execute(query)
        ]

    def open_incidents(self, limit: int = 200) -> list[Incident]:
        query = (
            select(*INCIDENT_COLUMNS)
            .where(INCIDENTS.c.state.in_([s.value for s in OPEN_STATES]))
            .order_by(INCIDENTS.c.id)
            .limit(limit)
        )
        return [incident_of(r) for r in self.connection.execute(query)]

    def stretch_incidents(self, start: datetime, end: datetime, limit: int = 200) -> list[Incident]:
        """Incidents opened or resolved in [start, end), and every deferred one, the oldest first."""
        c = INCIDENTS.c
        query = (
            select(*INCIDENT_COLUMNS)
            .where(
                or_(
                    and_(c.opened_at >= start, c.opened_at < end),
                    and_(c.resolved_at >= start, c.resolved_at < end),
                    c.state == IncidentState.DEFERRED.value,
                )
            )
            .order_by(c.id)
            .limit(limit)
        )
        return [incident_of(r) for r in self.connection.execute(query)]

    def changes_for(self, start: datetime, end: datetime, limit: int = 200) -> list[ChangeRequest]:
        """Awaiting review; approved or running with a window ending after `start`; monitored past `start`;
        finished in [start, end). The oldest first."""
        c = ChangeRecord
        query = (
            select(*CHANGE_COLUMNS)
            .where(
                or_(
                    c.state.in_([s.value for s in AWAITING]),
                    and_(c.state.in_([s.value for s in BOOKED]), c.window_end > start),
                    c.monitoring_until > start,
                    and_(c.finished_at >= start, c.finished_at < end),
                )
            )
            .order_by(c.id)
            .limit(limit)
        )
        return [change_of(r) for r in self.connection.execute(query)]


def ranked(counts: Mapping[tuple[str, str], int], top: int) -> list[AlarmCount]:
    """Counts per (service, dedup key) as services, the busiest first, each with its `top` noisiest keys
    (ties by name, so a briefing reads the same every time)."""
    keys: dict[str, list[tuple[str, int]]] = {}
    for (service, key), count in counts.items():
        keys.setdefault(service, []).append((key, count))
    found = [
        AlarmCount(
            service,
            sum(count for _, count in held),
            tuple(sorted(held, key=lambda k: (-k[1], k[0]))[: max(top, 0)]),
        )
        for service, held in keys.items()
    ]
    return sorted(found, key=lambda a: (-a.count, a.service))


def page_line(
    incident: int, at: datetime, data: Mapping[str, object], acknowledged: datetime | None
) -> PageLine:
    """A page's line: whom (from its entry's data) and how long it waited for the acknowledgement."""
    waited = acknowledged - at if acknowledged is not None and acknowledged >= at else None
    return PageLine(incident, str(data.get("engineer", "")), str(data.get("role", "")), at, waited)
