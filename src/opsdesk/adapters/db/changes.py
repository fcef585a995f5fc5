"""Change requests and their history in the database, inside a unit of work's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from opsdesk.adapters.db.tables import ChangeEntryRecord, ChangeRecord
from opsdesk.domain.changes.checklist import Tick
from opsdesk.domain.changes.model import Booked, ChangeRequest, ChangeState, Code, Problem, Severity
from opsdesk.domain.changes.window import ChangeWindow
from opsdesk.domain.timeline import Source, TimelineEntry

COLUMNS = tuple(ChangeRecord.__table__.columns)
ENTRY_COLUMNS = tuple(ChangeEntryRecord.__table__.columns)
BOOKED_STATES = (ChangeState.APPROVED.value, ChangeState.IN_PROGRESS.value)


class SqlChangeStore:
    """The change-request store of one unit of work; `get` and `by_issue` lock what they return."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def create(self, values: Mapping[str, Any]) -> ChangeRequest:
        row = self.connection.execute(
            insert(ChangeRecord).values(**_columns(values), checklist=[]).returning(*COLUMNS)
        ).one()
        return change_of(row)

    def get(self, change_id: int) -> ChangeRequest | None:
        row = self.connection.execute(
            select(*COLUMNS).where(ChangeRecord.id == change_id).with_for_update()
        ).first()
        return change_of(row) if row else None

    def by_issue(self, repository: str, issue: int) -> ChangeRequest | None:
        query = select(*COLUMNS).where(ChangeRecord.repository == repository, ChangeRecord.issue == issue)
        row = self.connection.execute(query.with_for_update()).first()
        return change_of(row) if row else None

    def update(self, change_id: int, values: Mapping[str, Any]) -> ChangeRequest:
        row = self.connection.execute(
            update(ChangeRecord)
            .where(ChangeRecord.id == change_id)
            .values(**_columns(values))
            .returning(*COLUMNS)
        ).one()
        return change_of(row)

    def entry(self, change_id: int, entry: TimelineEntry) -> None:
        self.connection.execute(
            insert(ChangeEntryRecord).values(
                change_id=change_id,
                at=entry.at,
                actor=entry.actor[:100],
                source=entry.source.value,
                kind=entry.kind,
                message=entry.message,
            )
        )

    def booked(self, other_than: int | None = None) -> list[Booked]:
        query = select(*COLUMNS).where(ChangeRecord.state.in_(BOOKED_STATES))
        if other_than is not None:
            query = query.where(ChangeRecord.id != other_than)
        return _booked(self.connection.execute(query))

    def history(self, change_id: int) -> list[TimelineEntry]:
        query = (
            select(*ENTRY_COLUMNS)
            .where(ChangeEntryRecord.change_id == change_id)
            .order_by(ChangeEntryRecord.id)
        )
        return [
            TimelineEntry(r.at, r.actor, Source(r.source), r.kind, r.message, {})
            for r in self.connection.execute(query)
        ]

    def changes(self, state: ChangeState | None = None, limit: int = 100) -> list[ChangeRequest]:
        query = select(*COLUMNS).order_by(ChangeRecord.id.desc()).limit(limit)
        if state is not None:
            query = query.where(ChangeRecord.state == state.value)
        return [change_of(r) for r in self.connection.execute(query)]


def _booked(rows: Any) -> list[Booked]:
    found = []
    for row in rows:
        change = change_of(row)
        if change.window is not None:
            found.append(Booked(change.reference, change.window))
    return found


def _columns(values: Mapping[str, Any]) -> dict[str, Any]:
    """Domain values as column values: enums by value, a window as its two ends, problems as JSON."""
    found: dict[str, Any] = {}
    for name, value in values.items():
        if name == "window":
            found["window_start"] = value.start if value else None
            found["window_end"] = value.end if value else None
        elif name == "problems":
            found["problems"] = [
                {"code": str(p.code), "severity": str(p.severity), "message": p.message} for p in value
            ]
        elif name == "checklist":
            found["checklist"] = [
                {"item": t.item, "by": t.by, "at": t.at.astimezone(UTC).isoformat()} for t in value
            ]
        else:
            found[name] = value.value if isinstance(value, Enum) else value
    return found


def change_of(row: Row[Any]) -> ChangeRequest:
    r = row._mapping
    window = (
        ChangeWindow(r["window_start"], r["window_end"]) if r["window_start"] and r["window_end"] else None
    )
    return ChangeRequest(
        id=r["id"],
        title=r["title"],
        body=r["body"],
        requester=r["requester"],
        state=ChangeState(r["state"]),
        submitted_at=r["submitted_at"],
        window=window,
        problems=tuple(
            Problem(Code(p["code"]), Severity(p["severity"]), p["message"]) for p in r["problems"] or []
        ),
        assigned=r["assigned"],
        instructions=r["instructions"],
        channel=r["channel"],
        checklist=tuple(
            Tick(t["item"], t["by"], datetime.fromisoformat(t["at"])) for t in r["checklist"] or ()
        ),
        reason=r["reason"],
        note=r["note"],
        monitoring_until=r["monitoring_until"],
        started_at=r["started_at"],
        finished_at=r["finished_at"],
        repository=r["repository"],
        issue=r["issue"],
    )
