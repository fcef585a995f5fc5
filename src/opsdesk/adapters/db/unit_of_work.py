"""The unit of work over SQLAlchemy: one connection and one transaction holding every store."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine, RootTransaction

from opsdesk.adapters.db.announcements import SqlAnnouncementStore
from opsdesk.adapters.db.ask_threads import SqlAskThreadStore
from opsdesk.adapters.db.changes import SqlChangeStore
from opsdesk.adapters.db.handovers import SqlHandoverStore
from opsdesk.adapters.db.incident_emails import SqlEmailStore
from opsdesk.adapters.db.incidents import SqlIncidentStore
from opsdesk.adapters.db.jobs import finish, job_values, schedule, schedule_many
from opsdesk.adapters.db.outbox import WRITTEN, add_message
from opsdesk.adapters.db.receipts import SqlReceipts
from opsdesk.adapters.db.support import SqlSupportStore
from opsdesk.domain.outbox import OutgoingMessage


class SqlOutboxWriter:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.added = False  # a message was added in this unit of work

    def add(self, message: OutgoingMessage, now: datetime) -> bool:
        self.added = True
        return add_message(self.connection, message, now)


class SqlJobScheduler:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._deferred: list[dict[str, Any]] | None = None  # jobs kept for one statement (`defer`)

    def schedule(self, kind: str, key: str, due_at: datetime, payload: dict[str, Any]) -> bool:
        if self._deferred is not None:  # added at the flush, unless the key exists by then
            self._deferred.append(job_values(kind, key, due_at, payload))
            return True
        return schedule(self.connection, kind, key, due_at, payload)

    def defer(self) -> None:
        if self._deferred is None:
            self._deferred = []

    def flush(self) -> None:
        if self._deferred:
            schedule_many(self.connection, self._deferred)
            self._deferred = []

    def finish(self, job_ids: list[int], owner: str, now: datetime) -> int:
        return finish(self.connection, job_ids, owner, now)


class SqlUnitOfWork:
    """`with SqlUnitOfWork(engine) as uow: ...; uow.commit()`: leaving without commit rolls back. On SQLite
    the transaction takes the write lock as it begins (BEGIN IMMEDIATE), so units never deadlock."""

    incidents: SqlIncidentStore
    changes: SqlChangeStore
    handovers: SqlHandoverStore
    support: SqlSupportStore
    announcements: SqlAnnouncementStore
    emails: SqlEmailStore
    asks: SqlAskThreadStore
    outbox: SqlOutboxWriter
    jobs: SqlJobScheduler
    receipts: SqlReceipts

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None
        self._transaction: RootTransaction | None = None

    def __enter__(self) -> Self:
        connection = self._connection = self.engine.connect()
        self._transaction = connection.begin()
        self.incidents = SqlIncidentStore(connection)
        self.changes = SqlChangeStore(connection)
        self.handovers = SqlHandoverStore(connection)
        self.support = SqlSupportStore(connection)
        self.announcements = SqlAnnouncementStore(connection)
        self.emails = SqlEmailStore(connection)
        self.asks = SqlAskThreadStore(connection)
        self.outbox = SqlOutboxWriter(connection)
        self.jobs = SqlJobScheduler(connection)
        self.receipts = SqlReceipts(connection)
        return self

    def defer_writes(self) -> None:
        """From now on, keep the timeline entries and the jobs this unit of work writes, and write them
        with one statement each as it commits (a timeline read writes its entries first). Whether a job
        was added is not known until then: `schedule` says True."""
        self.incidents.defer()
        self.jobs.defer()

    def commit(self) -> None:
        assert self._transaction is not None, "commit() belongs inside `with uow:`"
        self.incidents.flush()
        self.jobs.flush()
        self._transaction.commit()
        if self.outbox.added:
            WRITTEN.notify()  # this process's delivery lanes look now

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if self._transaction is not None and self._transaction.is_active:
                self._transaction.rollback()
        finally:
            if self._connection is not None:
                self._connection.close()
            self._connection = self._transaction = None
