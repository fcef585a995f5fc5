"""An in-memory unit of work: the same Protocols as the SQL stores (services/unit_of_work.py), for fast,
database-free service tests. tests/adapters/test_unit_of_work.py runs one contract suite against this and
the real stores on SQLite and PostgreSQL, so the two keep behaving alike.

Changes are made in place and undone in reverse on a rollback (tests/fake_undo.py), as a transaction would.
The handover store lives in tests/fake_handovers.py, and tests/adapters/test_handover_*.py hold it to the
same contract; the support store in tests/fake_support.py, held to it by tests/adapters/test_support_store.py.
same contract; the announcement store in tests/fake_announcements.py (tests/adapters/test_announcement_store.py).
The email store is here, held to its contract by tests/adapters/test_email_store.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self

from opsdesk.domain.announcements.model import Announcement
from opsdesk.domain.changes.model import Booked, ChangeRequest, ChangeState
from opsdesk.domain.handover.model import HandoverRecord, Note
from opsdesk.domain.hours import Cover
from opsdesk.domain.incidents.email import EmailRecord
from opsdesk.domain.incidents.model import Alarm, Incident, IncidentState
from opsdesk.domain.incidents.timeline import ALERT, AlertSummary, TimelinePage
from opsdesk.domain.jobs import Job, JobState
from opsdesk.domain.outbox import OutboxRow, OutboxState, OutgoingMessage
from opsdesk.domain.support.model import Comment, SupportRequest
from opsdesk.domain.timeline import TimelineEntry
from tests.fake_announcements import FakeAnnouncementStore
from tests.fake_emails import FakeEmailStore
from tests.fake_handovers import FakeHandoverStore
from tests.fake_support import FakeSupportStore
from tests.fake_undo import Undo

BOOKED = (ChangeState.APPROVED, ChangeState.IN_PROGRESS)


@dataclass
class FakeDatabase:
    """Everything the stores hold; one per test, shared by every unit of work opened on it."""

    incidents: dict[int, Incident] = field(default_factory=dict)
    open_keys: dict[str, int] = field(default_factory=dict)
    entries: dict[int, list[TimelineEntry]] = field(default_factory=dict)  # by incident, oldest first
    changes: dict[int, ChangeRequest] = field(default_factory=dict)
    change_entries: dict[int, list[TimelineEntry]] = field(default_factory=dict)
    handovers: dict[int, HandoverRecord] = field(default_factory=dict)
    handover_notes: list[Note] = field(default_factory=list)
    support: dict[int, SupportRequest] = field(default_factory=dict)
    support_entries: dict[int, list[TimelineEntry]] = field(default_factory=dict)  # by request, oldest first
    support_comments: dict[int, list[Comment]] = field(default_factory=dict)
    announcements: dict[int, Announcement] = field(default_factory=dict)
    emails: dict[str, EmailRecord] = field(default_factory=dict)  # by Message-ID, in the order taken in
    outbox: list[OutboxRow] = field(default_factory=list)
    jobs: dict[str, Job] = field(default_factory=dict)  # by key
    job_leases: dict[int, tuple[str, datetime]] = field(default_factory=dict)
    receipts: dict[str, datetime] = field(default_factory=dict)
    next_id: dict[str, int] = field(default_factory=dict)
    commits: int = 0

    def new_id(self, table: str) -> int:
        self.next_id[table] = self.next_id.get(table, 0) + 1
        return self.next_id[table]

    def units(self) -> Callable[[], FakeUnitOfWork]:
        return lambda: FakeUnitOfWork(self)

    def rows(self) -> list[OutboxRow]:
        """The outbox, oldest first (as SqlOutbox.rows, in id order)."""
        return list(self.outbox)

    def job_store(self) -> FakeJobs:
        return FakeJobs(self)


def _values(changes: Mapping[str, Any]) -> dict[str, Any]:
    return dict(changes)


@dataclass
class FakeIncidentStore:
    db: FakeDatabase
    undo: Undo

    def open_or_join(self, alarm: Alarm, cover: Cover, now: datetime) -> tuple[Incident, bool]:
        key = f"{alarm.service}/{alarm.dedup_key}"
        if key in self.db.open_keys:
            return self._count(self.db.open_keys[key]), False
        number = self.db.new_id("incidents")
        incident = Incident(
            number,
            alarm.service,
            alarm.dedup_key,
            IncidentState.TRIGGERED,
            alarm.summary,
            alarm.source[:255],
            alarm.severity,
            cover,
            now,
            priority=alarm.priority,
            details=dict(alarm.details),
        )
        self.undo.keep(self.db.incidents, number)
        self.db.incidents[number] = incident
        self.undo.keep(self.db.open_keys, key)
        self.db.open_keys[key] = number
        return incident, True

    def _count(self, number: int) -> Incident:
        self.undo.keep(self.db.incidents, number)
        found = self.db.incidents[number] = replace(
            self.db.incidents[number], alert_count=self.db.incidents[number].alert_count + 1
        )
        return found

    def join_open(self, joins: Sequence[tuple[Alarm, TimelineEntry]]) -> list[Incident | None]:
        found: list[Incident | None] = []
        for alarm, entry in joins:
            number = self.db.open_keys.get(f"{alarm.service}/{alarm.dedup_key}")
            if number is None:
                found.append(None)
                continue
            joined = self._count(number)
            self.entry(number, replace(entry, message=f"{entry.message} (alert {joined.alert_count})"))
            found.append(joined)
        return found

    def get(self, incident_id: int) -> Incident | None:
        return self.db.incidents.get(incident_id)

    def get_many(self, incident_ids: Sequence[int]) -> dict[int, Incident]:
        return {i: self.db.incidents[i] for i in sorted(set(incident_ids)) if i in self.db.incidents}

    def find_open(self, service: str, dedup_key: str) -> Incident | None:
        number = self.db.open_keys.get(f"{service}/{dedup_key}")
        return None if number is None else self.db.incidents[number]

    def update(self, incident_id: int, changes: Mapping[str, Any]) -> Incident:
        incident = self.db.incidents[incident_id]
        self.undo.keep(self.db.incidents, incident_id)
        updated = self.db.incidents[incident_id] = replace(incident, **_values(changes))
        if updated.state is IncidentState.RESOLVED:
            key = f"{incident.service}/{incident.dedup_key}"
            if self.db.open_keys.get(key) == incident_id:
                self.undo.keep(self.db.open_keys, key)
                del self.db.open_keys[key]
        return updated

    def entry(self, incident_id: int, entry: TimelineEntry) -> None:
        entries = self.db.entries.setdefault(incident_id, [])
        stored = replace(entry, actor=entry.actor[:100], id=self.db.new_id("entries"), data=dict(entry.data))
        entries.append(stored)
        self.undo.appended(entries)

    def timeline(
        self, incident_id: int, *, limit: int, before: int | None = None, alerts: bool = True
    ) -> TimelinePage:
        listed = [e for e in self._entries(incident_id, alerts) if before is None or (e.id or 0) < before]
        page = listed[::-1][:limit]
        older = len(listed) - len(page) if len(page) == limit else 0
        return TimelinePage(tuple(page), older, self._summary(incident_id), alerts)

    def _entries(self, incident_id: int, alerts: bool) -> list[TimelineEntry]:
        return [e for e in self.db.entries.get(incident_id, []) if alerts or e.kind != ALERT]

    def _summary(self, incident_id: int) -> AlertSummary | None:
        incident = self.db.incidents.get(incident_id)
        joined = [e for e in self.db.entries.get(incident_id, []) if e.kind == ALERT]
        if incident is None or incident.alert_count < 2 or not joined:
            return None
        first, last = joined[0], joined[-1]
        return AlertSummary(incident.alert_count - 1, first.at, last.at, first.message, last.message)

    def entries_after(
        self, incident_id: int, after: int | None, limit: int, *, alerts: bool = True
    ) -> list[TimelineEntry]:
        return [e for e in self._entries(incident_id, alerts) if after is None or (e.id or 0) > after][:limit]

    def incidents(
        self, state: IncidentState | None = None, service: str | None = None, limit: int = 100
    ) -> list[Incident]:
        found = [
            i
            for _, i in sorted(self.db.incidents.items(), reverse=True)
            if (state is None or i.state is state) and (service is None or i.service == service)
        ]
        return found[:limit]

    def opened_between(self, start: datetime, end: datetime) -> list[Incident]:
        return [i for _, i in sorted(self.db.incidents.items()) if start <= i.opened_at < end]


@dataclass
class FakeChangeStore:
    db: FakeDatabase
    undo: Undo

    def create(self, values: Mapping[str, Any]) -> ChangeRequest:
        number = self.db.new_id("changes")
        fields = {**_values(values), "problems": tuple(values.get("problems", ()))}
        change = ChangeRequest(id=number, **fields)
        self.undo.keep(self.db.changes, number)
        self.db.changes[number] = change
        return change

    def get(self, change_id: int) -> ChangeRequest | None:
        return self.db.changes.get(change_id)

    def by_issue(self, repository: str, issue: int) -> ChangeRequest | None:
        return next(
            (c for c in self.db.changes.values() if (c.repository, c.issue) == (repository, issue)), None
        )

    def update(self, change_id: int, values: Mapping[str, Any]) -> ChangeRequest:
        fields = _values(values)
        for name in ("problems", "checklist"):
            if name in fields:
                fields[name] = tuple(fields[name])
        self.undo.keep(self.db.changes, change_id)
        updated = self.db.changes[change_id] = replace(self.db.changes[change_id], **fields)
        return updated

    def entry(self, change_id: int, entry: TimelineEntry) -> None:
        entries = self.db.change_entries.setdefault(change_id, [])
        # A change's history keeps no data, as its table has no column for it.
        entries.append(replace(entry, actor=entry.actor[:100], data={}, id=self.db.new_id("change_entries")))
        self.undo.appended(entries)

    def history(self, change_id: int) -> list[TimelineEntry]:
        return [replace(e, id=None) for e in self.db.change_entries.get(change_id, [])]

    def changes(self, state: ChangeState | None = None, limit: int = 100) -> list[ChangeRequest]:
        found = [
            c for _, c in sorted(self.db.changes.items(), reverse=True) if state is None or c.state is state
        ]
        return found[:limit]

    def booked(self, other_than: int | None = None) -> list[Booked]:
        return [
            Booked(c.reference, c.window)
            for _, c in sorted(self.db.changes.items())
            if c.state in BOOKED and c.window is not None and c.id != other_than
        ]


@dataclass
class FakeOutboxWriter:
    db: FakeDatabase
    undo: Undo

    def add(self, message: OutgoingMessage, now: datetime) -> bool:
        if any(r.message.idempotency_key == message.idempotency_key for r in self.db.outbox):
            return False
        row = OutboxRow(self.db.new_id("outbox"), message, OutboxState.PENDING, 0, now, now)
        self.db.outbox.append(row)
        self.undo.appended(self.db.outbox)
        return True


@dataclass
class FakeJobScheduler:
    db: FakeDatabase
    undo: Undo

    def schedule(self, kind: str, key: str, due_at: datetime, payload: dict[str, Any]) -> bool:
        if key in self.db.jobs:
            return False
        self.undo.keep(self.db.jobs, key)
        self.db.jobs[key] = Job(self.db.new_id("jobs"), kind, key, dict(payload), due_at, JobState.PENDING, 0)
        return True

    def finish(self, job_ids: list[int], owner: str, now: datetime) -> int:
        done = 0
        for key, job in list(self.db.jobs.items()):
            lease = self.db.job_leases.get(job.id)
            if (
                job.id in job_ids
                and job.state is JobState.PENDING
                and lease is not None
                and lease[0] == owner
            ):
                self.undo.keep(self.db.jobs, key)
                self.undo.keep(self.db.job_leases, job.id)
                self.db.jobs[key] = replace(job, state=JobState.DONE, attempts=job.attempts + 1)
                del self.db.job_leases[job.id]
                done += 1
        return done


@dataclass
class FakeReceipts:
    db: FakeDatabase
    undo: Undo

    def receipt(self, key: str, now: datetime) -> bool:
        key = key[:300]
        if key in self.db.receipts:
            return False
        self.undo.keep(self.db.receipts, key)
        self.db.receipts[key] = now
        return True

    def marked(self, key: str) -> datetime | None:
        return self.db.receipts.get(key[:300])

    def mark(self, key: str, at: datetime) -> None:
        if not self.receipt(key, at) and self.db.receipts[key[:300]] < at:
            self.undo.keep(self.db.receipts, key[:300])
            self.db.receipts[key[:300]] = at

    def forget(self, prefix: str, before: datetime) -> int:
        gone = [k for k, at in self.db.receipts.items() if k.startswith(prefix) and at < before]
        for key in gone:
            self.undo.keep(self.db.receipts, key)
            del self.db.receipts[key]
        return len(gone)


class FakeUnitOfWork:
    def defer_writes(self) -> None:
        """In memory, nothing is saved by writing later."""

    def __init__(self, db: FakeDatabase) -> None:
        self.db = db
        self._undo = Undo()
        self.incidents = FakeIncidentStore(db, self._undo)
        self.changes = FakeChangeStore(db, self._undo)
        self.handovers = FakeHandoverStore(db, self._undo)
        self.support = FakeSupportStore(db, self._undo)
        self.announcements = FakeAnnouncementStore(db, self._undo)
        self.emails = FakeEmailStore(db, self._undo)
        self.outbox = FakeOutboxWriter(db, self._undo)
        self.jobs = FakeJobScheduler(db, self._undo)
        self.receipts = FakeReceipts(db, self._undo)

    def __enter__(self) -> Self:
        self._undo = Undo()
        stores = (
            self.incidents,
            self.changes,
            self.handovers,
            self.support,
            self.announcements,
            self.emails,
            self.outbox,
            self.jobs,
        )
        for store in (*stores, self.receipts):
            store.undo = self._undo
        return self

    def commit(self) -> None:
        self._undo.steps.clear()
        self.db.commits += 1

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._undo.rollback()


@dataclass
class FakeJobs:
    """The job table for a JobRunner: claim due jobs under a lease, record the outcome (as SqlJobs)."""

    db: FakeDatabase

    def claim(self, owner: str, now: datetime, limit: int, lease: timedelta) -> list[Job]:
        due = sorted(
            (
                j
                for j in self.db.jobs.values()
                if j.state is JobState.PENDING
                and j.due_at <= now
                and (j.id not in self.db.job_leases or self.db.job_leases[j.id][1] < now)
            ),
            key=lambda j: (j.due_at, j.id),
        )[:limit]
        for job in due:
            self.db.job_leases[job.id] = (owner, now + lease)
        return due

    def _held(self, job_id: int, owner: str) -> Job | None:
        lease = self.db.job_leases.get(job_id)
        job = next((j for j in self.db.jobs.values() if j.id == job_id), None)
        if job is None or lease is None or lease[0] != owner or job.state is not JobState.PENDING:
            return None
        return job

    def done(self, job_id: int, owner: str, now: datetime) -> bool:
        job = self._held(job_id, owner)
        if job is None:
            return False
        self.db.jobs[job.key] = replace(job, state=JobState.DONE, attempts=job.attempts + 1)
        del self.db.job_leases[job_id]
        return True

    def failed(self, job_id: int, owner: str, error: str, next_attempt: datetime | None) -> None:
        job = self._held(job_id, owner)
        if job is None:
            return
        changes: dict[str, Any] = {"attempts": job.attempts + 1, "last_error": error[:2000]}
        if next_attempt is None:
            changes["state"] = JobState.DEAD
        else:
            changes["due_at"] = next_attempt
        self.db.jobs[job.key] = replace(job, **changes)
        del self.db.job_leases[job_id]

    def release(self, owner: str) -> None:
        for job_id, (holder, _) in list(self.db.job_leases.items()):
            if holder == owner:
                del self.db.job_leases[job_id]

    def next_due(self, now: datetime) -> datetime | None:
        free = [
            j.due_at
            for j in self.db.jobs.values()
            if j.state is JobState.PENDING
            and (j.id not in self.db.job_leases or self.db.job_leases[j.id][1] < now)
        ]
        return min(free, default=None)

    def jobs(self, state: JobState | None = None, limit: int = 100) -> list[Job]:
        found = [j for j in self.db.jobs.values() if state is None or j.state is state]
        return sorted(found, key=lambda j: j.due_at, reverse=True)[:limit]
