"""The ask channel's threads in the database: each kept once by its channel and ts, and what was done about
it set once each (the team's answer, the reminder, the answer out of hours), inside a unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Row, Table, select, update
from sqlalchemy.dialects import postgresql, sqlite

from opsdesk.adapters.db.tables import AskThreadRecord
from opsdesk.domain.asks import AskThread

THREADS = cast("Table", AskThreadRecord.__table__)
C = THREADS.c
INSERT = {
    name: dialect.insert(THREADS)
    .on_conflict_do_nothing(index_elements=["channel", "thread_ts"])
    .returning(C.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
MARKS = ("answered_at", "reminded_at", "out_of_hours_answered_at")


class SqlAskThreadStore:
    """The ask threads of one unit of work."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._insert = INSERT[connection.dialect.name]

    def add(self, thread: AskThread) -> bool:
        """Keep a question's thread; False (nothing changed) when it is kept already."""
        values = {
            "channel": thread.channel,
            "thread_ts": thread.thread,
            "asked_by": thread.asked_by,
            "asked_at": thread.asked_at,
            "answered_at": thread.answered_at,
            "reminded_at": thread.reminded_at,
            "out_of_hours_answered_at": thread.out_of_hours_answered_at,
        }
        return self.connection.execute(self._insert, values).scalar() is not None

    def get(self, channel: str, thread: str) -> AskThread | None:
        query = select(THREADS).where(C.channel == channel, C.thread_ts == thread)
        if self.connection.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.connection.execute(query).first()
        return _thread(row) if row else None

    def mark(self, channel: str, thread: str, what: str, at: datetime) -> bool:
        """Set `what` (answered_at, reminded_at, out_of_hours_answered_at) to `at` unless it is set: True
        when this call set it (one statement, so two at once set it once)."""
        if what not in MARKS:
            raise ValueError(f"an ask thread has no mark {what!r}; its marks are {', '.join(MARKS)}")
        column = C[what]
        statement = (
            update(THREADS)
            .where(C.channel == channel, C.thread_ts == thread, column.is_(None))
            .values({what: at})
        )
        return self.connection.execute(statement).rowcount == 1


def _thread(row: Row[tuple[object, ...]]) -> AskThread:
    found = row._mapping
    return AskThread(
        channel=found["channel"],
        thread=found["thread_ts"],
        asked_by=found["asked_by"],
        asked_at=found["asked_at"],
        answered_at=found["answered_at"],
        reminded_at=found["reminded_at"],
        out_of_hours_answered_at=found["out_of_hours_answered_at"],
    )
