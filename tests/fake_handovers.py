"""The handover store in memory (as adapters/db/handovers.py), reading the fake's incidents and changes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from opsdesk.domain.changes.model import ChangeRequest, ChangeState
from opsdesk.domain.errors import UnknownHandoverError
from opsdesk.domain.handover import documents
from opsdesk.domain.handover.model import (
    Acknowledgement,
    AlarmCount,
    Briefing,
    HandoverKind,
    HandoverRecord,
    Note,
    PageLine,
)
from opsdesk.domain.incidents.model import OPEN_STATES, Incident, IncidentState
from opsdesk.domain.incidents.timeline import ALERT
from opsdesk.domain.timeline import TimelineEntry
from tests.fake_undo import Undo

AWAITING = (ChangeState.SUBMITTED, ChangeState.UNDER_REVIEW)
BOOKED = (ChangeState.APPROVED, ChangeState.IN_PROGRESS)
UTC_ZONE = ZoneInfo("UTC")


class Tables(Protocol):
    """What the store reads and keeps of the fake database (tests/fake_units.FakeDatabase)."""

    incidents: dict[int, Incident]
    entries: dict[int, list[TimelineEntry]]
    changes: dict[int, ChangeRequest]
    handovers: dict[int, HandoverRecord]
    handover_notes: list[Note]

    def new_id(self, table: str) -> int: ...


@dataclass
class FakeHandoverStore:
    db: Tables
    undo: Undo

    def add(self, key: str, briefing: Briefing, made_at: datetime) -> HandoverRecord | None:
        if self.by_key(key) is not None:
            return None
        # Kept as its document, as the database keeps it: what comes back is what the document holds.
        kept = documents.briefing(documents.document(briefing, UTC_ZONE))
        record = HandoverRecord(self.db.new_id("handovers"), key, kept, made_at)
        self.undo.keep(self.db.handovers, record.id)
        self.db.handovers[record.id] = record
        return record

    def get(self, handover_id: int) -> HandoverRecord | None:
        return self.db.handovers.get(handover_id)

    def by_key(self, key: str) -> HandoverRecord | None:
        return next((r for r in self.db.handovers.values() if r.key == key), None)

    def between(
        self, start: datetime, end: datetime, kind: HandoverKind | None = None, limit: int = 100
    ) -> list[HandoverRecord]:
        found = [
            r
            for r in self.db.handovers.values()
            if start <= r.briefing.at < end and (kind is None or r.kind is kind)
        ]
        return sorted(found, key=lambda r: (r.briefing.at, r.id), reverse=True)[:limit]

    def acknowledge(self, handover_id: int, acknowledgement: Acknowledgement) -> HandoverRecord:
        done = replace(acknowledgement, by=acknowledgement.by[:100], via=acknowledgement.via[:16])
        record = self.db.handovers[handover_id] = replace(self._kept(handover_id), acknowledgement=done)
        return record

    def mark(
        self, handover_id: int, *, reminded_at: datetime | None = None, escalated_at: datetime | None = None
    ) -> None:
        if reminded_at is None and escalated_at is None:
            return
        record = self._kept(handover_id)
        self.db.handovers[handover_id] = replace(
            record,
            reminded_at=reminded_at or record.reminded_at,
            escalated_at=escalated_at or record.escalated_at,
        )

    def _kept(self, handover_id: int) -> HandoverRecord:
        """The record about to change, kept to take back on a rollback."""
        if handover_id not in self.db.handovers:
            raise UnknownHandoverError(f"no handover #{handover_id}")
        self.undo.keep(self.db.handovers, handover_id)
        return self.db.handovers[handover_id]

    def add_note(self, at: datetime, author: str, text: str) -> Note:
        note = Note(self.db.new_id("handover_notes"), at, author[:100], text)
        self.db.handover_notes.append(note)
        self.undo.appended(self.db.handover_notes)
        return note

    def notes_between(self, start: datetime, end: datetime) -> list[Note]:
        return sorted((n for n in self.db.handover_notes if start <= n.at < end), key=lambda n: (n.at, n.id))

    def alarm_counts(self, start: datetime, end: datetime, top: int = 3) -> list[AlarmCount]:
        counts: Counter[tuple[str, str]] = Counter()
        for incident in self.db.incidents.values():
            if start <= incident.opened_at < end:
                counts[(incident.service, incident.dedup_key)] += 1
        for number, entries in self.db.entries.items():
            incident = self.db.incidents[number]
            alerts = sum(1 for e in entries if e.kind == ALERT and start <= e.at < end)
            counts[(incident.service, incident.dedup_key)] += alerts
        services: dict[str, Counter[str]] = {}
        for (service, key), count in counts.items():
            if count:
                services.setdefault(service, Counter())[key] += count
        found = [
            AlarmCount(
                s, keys.total(), tuple(sorted(keys.items(), key=lambda k: (-k[1], k[0]))[: max(top, 0)])
            )
            for s, keys in services.items()
        ]
        return sorted(found, key=lambda a: (-a.count, a.service))

    def pages_between(self, start: datetime, end: datetime) -> list[PageLine]:
        found = []
        for number, entries in self.db.entries.items():
            acknowledged = self.db.incidents[number].acknowledged_at
            for e in entries:
                if e.kind == "paged" and start <= e.at < end:
                    waited = (
                        acknowledged - e.at if acknowledged is not None and acknowledged >= e.at else None
                    )
                    line = PageLine(number, str(e.data["engineer"]), str(e.data["role"]), e.at, waited)
                    found.append((e.at, e.id or 0, line))
        return [line for _, _, line in sorted(found, key=lambda f: (f[0], f[1]))]

    def open_incidents(self, limit: int = 200) -> list[Incident]:
        return [i for _, i in sorted(self.db.incidents.items()) if i.state in OPEN_STATES][:limit]

    def stretch_incidents(self, start: datetime, end: datetime, limit: int = 200) -> list[Incident]:
        return [
            i
            for _, i in sorted(self.db.incidents.items())
            if start <= i.opened_at < end
            or (i.resolved_at is not None and start <= i.resolved_at < end)
            or i.state is IncidentState.DEFERRED
        ][:limit]

    def changes_for(self, start: datetime, end: datetime, limit: int = 200) -> list[ChangeRequest]:
        return [c for _, c in sorted(self.db.changes.items()) if _named(c, start, end)][:limit]


def _named(c: ChangeRequest, start: datetime, end: datetime) -> bool:
    """Whether a briefing of [start, end) may name the change (as SqlHandoverStore.changes_for)."""
    return (
        c.state in AWAITING
        or (c.state in BOOKED and c.window is not None and c.window.end > start)
        or (c.monitoring_until is not None and c.monitoring_until > start)
        or (c.finished_at is not None and start <= c.finished_at < end)
    )
