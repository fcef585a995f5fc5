"""Receipts and marks in the database: what was taken in once (a delivery, an SNS message id), and times
kept by key (the newest version of an issue taken in), inside a unit of work's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from opsdesk.adapters.db.tables import ReceiptRecord

KEY_LIMIT = 300
RECEIPT = {
    name: dialect.insert(cast("Table", ReceiptRecord.__table__))
    .on_conflict_do_nothing(index_elements=["key"])
    .returning(ReceiptRecord.__table__.c.key)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


class SqlReceipts:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._receipt = RECEIPT[connection.dialect.name]

    def receipt(self, key: str, now: datetime) -> bool:
        taken = self.connection.execute(self._receipt, {"key": key[:KEY_LIMIT], "received_at": now})
        return taken.scalar() is not None

    def marked(self, key: str) -> datetime | None:
        """The time a mark holds (a receipt row whose time is the mark's), if it was ever set."""
        query = select(ReceiptRecord.received_at).where(ReceiptRecord.key == key[:KEY_LIMIT])
        return self.connection.execute(query).scalar()

    def mark(self, key: str, at: datetime) -> None:
        """Sets a mark to `at` unless it holds a later time (one statement each, so concurrent marks
        keep the latest)."""
        if not self.receipt(key, at):
            self.connection.execute(
                update(ReceiptRecord)
                .where(ReceiptRecord.key == key[:KEY_LIMIT], ReceiptRecord.received_at < at)
                .values(received_at=at)
            )

    def forget(self, prefix: str, before: datetime) -> int:
        """Deletes the receipts under `prefix` (a literal prefix: LIKE's wildcards escaped) older than
        `before`."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        gone = self.connection.execute(
            delete(ReceiptRecord).where(
                ReceiptRecord.key.like(f"{escaped}%", escape="\\"), ReceiptRecord.received_at < before
            )
        )
        return int(gone.rowcount or 0)
