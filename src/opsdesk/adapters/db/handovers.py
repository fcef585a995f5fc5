"""Handovers in the database: the briefings made and kept, and the support engineer's notes.

Keeping is race-free across replicas: the insert skips on the unique key (the moment's kind and UTC
instant), so of two replicas making the same moment at once one keeps its briefing and the other is told.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Row, Table, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from opsdesk.adapters.db.handover_reads import HandoverReads
from opsdesk.adapters.db.tables import BriefingRecord, HandoverNoteRecord
from opsdesk.domain.errors import UnknownHandoverError
from opsdesk.domain.handover import documents
from opsdesk.domain.handover.model import Acknowledgement, Briefing, HandoverKind, HandoverRecord, Note

HANDOVERS = cast("Table", BriefingRecord.__table__)
NOTES = cast("Table", HandoverNoteRecord.__table__)
COLUMNS = tuple(HANDOVERS.columns)
NOTE_COLUMNS = tuple(NOTES.columns)
KEPT_IN = ZoneInfo("UTC")  # documents are kept in UTC; each reader shows them in the team's time zone
ADD = {
    name: dialect.insert(HANDOVERS).on_conflict_do_nothing(index_elements=["key"]).returning(*COLUMNS)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


class SqlHandoverStore(HandoverReads):
    """The handover store of one unit of work; `get` and `by_key` lock what they return until it ends
    (two receivers acknowledging at once take turns)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._add = ADD[connection.dialect.name]

    def add(self, key: str, briefing: Briefing, made_at: datetime) -> HandoverRecord | None:
        """Keep a briefing made for the moment `key`; None when one is kept for it already."""
        row = self.connection.execute(
            self._add,
            {
                "key": key,
                "kind": briefing.kind.value,
                "at": briefing.at,
                "stretch_start": briefing.start,
                "stretch_end": briefing.end,
                "timeliness": briefing.timeliness.value,
                "document": documents.document(briefing, KEPT_IN),
                "made_at": made_at,
            },
        ).first()
        return record_of(row) if row else None

    def get(self, handover_id: int) -> HandoverRecord | None:
        query = select(*COLUMNS).where(HANDOVERS.c.id == handover_id).with_for_update()
        row = self.connection.execute(query).first()
        return record_of(row) if row else None

    def by_key(self, key: str) -> HandoverRecord | None:
        query = select(*COLUMNS).where(HANDOVERS.c.key == key).with_for_update()
        row = self.connection.execute(query).first()
        return record_of(row) if row else None

    def between(
        self, start: datetime, end: datetime, kind: HandoverKind | None = None, limit: int = 100
    ) -> list[HandoverRecord]:
        """Records whose moment is in [start, end), the latest first."""
        query = select(*COLUMNS).where(HANDOVERS.c.at >= start, HANDOVERS.c.at < end)
        if kind is not None:
            query = query.where(HANDOVERS.c.kind == kind.value)
        query = query.order_by(HANDOVERS.c.at.desc(), HANDOVERS.c.id.desc()).limit(limit)
        return [record_of(r) for r in self.connection.execute(query)]

    def acknowledge(self, handover_id: int, acknowledgement: Acknowledgement) -> HandoverRecord:
        row = self.connection.execute(
            update(HANDOVERS)
            .where(HANDOVERS.c.id == handover_id)
            .values(
                acknowledged_by=acknowledgement.by[:100],
                acknowledged_at=acknowledgement.at,
                acknowledged_via=acknowledgement.via[:16],
            )
            .returning(*COLUMNS)
        ).first()
        if row is None:
            raise unknown(handover_id)
        return record_of(row)

    def mark(
        self, handover_id: int, *, reminded_at: datetime | None = None, escalated_at: datetime | None = None
    ) -> None:
        """Record a reminder sent or the giver told; a time left None keeps what is recorded."""
        values = {
            name: at
            for name, at in (("reminded_at", reminded_at), ("escalated_at", escalated_at))
            if at is not None
        }
        if not values:
            return
        found = self.connection.execute(
            update(HANDOVERS).where(HANDOVERS.c.id == handover_id).values(**values).returning(HANDOVERS.c.id)
        ).first()
        if found is None:
            raise unknown(handover_id)

    def add_note(self, at: datetime, author: str, text: str) -> Note:
        row = self.connection.execute(
            insert(NOTES).values(at=at, author=author[:100], text=text).returning(*NOTE_COLUMNS)
        ).one()
        return Note(row.id, row.at, row.author, row.text)

    def notes_between(self, start: datetime, end: datetime) -> list[Note]:
        """Notes written in [start, end), the oldest first."""
        query = (
            select(*NOTE_COLUMNS)
            .where(NOTES.c.at >= start, NOTES.c.at < end)
            .order_by(NOTES.c.at, NOTES.c.id)
        )
        return [Note(r.id, r.at, r.author, r.text) for r in self.connection.execute(query)]


def unknown(handover_id: int) -> UnknownHandoverError:
    return UnknownHandoverError(f"no handover #{handover_id}")


def record_of(row: Row[Any]) -> HandoverRecord:
    """A kept record: the briefing from its document; the acknowledgement and follow-ups from columns."""
    r = row._mapping
    acknowledged = (
        Acknowledgement(r["acknowledged_by"], r["acknowledged_at"], r["acknowledged_via"])
        if r["acknowledged_at"] is not None
        else None
    )
    return HandoverRecord(
        id=r["id"],
        key=r["key"],
        briefing=documents.briefing(dict(r["document"])),
        made_at=r["made_at"],
        acknowledgement=acknowledged,
        reminded_at=r["reminded_at"],
        escalated_at=r["escalated_at"],
    )
