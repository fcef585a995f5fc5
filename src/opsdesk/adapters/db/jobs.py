"""The job table: every replica may schedule the same job; its unique key keeps it to one row."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Row, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from opsdesk.adapters.db.leases import claim_due, claim_statements, if_held, outcome, release_all
from opsdesk.adapters.db.tables import JobRecord
from opsdesk.domain.jobs import Job, JobState

COLUMNS = tuple(JobRecord.__table__.columns)


# Built once (a statement built per job costs more than running it): parameters are given per job.
ADD = {
    name: dialect.insert(JobRecord).on_conflict_do_nothing(index_elements=["key"]).returning(JobRecord.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def schedule(
    connection: Connection, kind: str, key: str, due_at: datetime, payload: dict[str, Any] | None = None
) -> bool:
    """Add the job in the caller's transaction unless a job with `key` exists (from this replica or
    another); True if added."""
    values = job_values(kind, key, due_at, payload)
    return connection.execute(ADD[connection.dialect.name], values).scalar() is not None


def job_values(kind: str, key: str, due_at: datetime, payload: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "kind": kind,
        "key": key,
        "payload": payload or {},
        "state": JobState.PENDING.value,
        "attempts": 0,
        "due_at": due_at,
    }


ADD_MANY = {
    name: dialect.insert(JobRecord).on_conflict_do_nothing(index_elements=["key"])
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def schedule_many(connection: Connection, jobs: list[dict[str, Any]]) -> None:
    """Add these jobs (as `schedule` takes them) in one statement, each unless its key exists."""
    if jobs:
        connection.execute(ADD_MANY[connection.dialect.name], jobs)


def finish(connection: Connection, job_ids: list[int], owner: str, now: datetime) -> int:
    """Mark done, in the caller's transaction, the jobs `owner` still holds; how many."""
    if not job_ids:
        return 0
    held = (
        JobRecord.id.in_(job_ids),
        JobRecord.lease_owner == owner,
        JobRecord.state == JobState.PENDING.value,
    )
    values = outcome(JobRecord, state=JobState.DONE.value, done_at=now)
    return connection.execute(update(JobRecord).where(*held).values(**values)).rowcount


CLAIM = claim_statements(JobRecord, JobRecord.due_at)
NEXT_DUE = select(func.min(JobRecord.due_at)).where(
    JobRecord.state == JobState.PENDING.value,
    JobRecord.lease_until.is_(None) | (JobRecord.lease_until < bindparam("now", type_=JobRecord.due_at.type)),
)


class SqlJobs:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def schedule(
        self,
        connection: Connection,
        kind: str,
        key: str,
        due_at: datetime,
        payload: dict[str, Any] | None = None,
    ) -> bool:
        """Add the job unless a job with `key` exists (from this replica or another); True if added."""
        return schedule(connection, kind, key, due_at, payload)

    def claim(self, owner: str, now: datetime, limit: int, lease: timedelta) -> list[Job]:
        return [
            _job(row) for row in claim_due(self.engine, CLAIM, owner=owner, now=now, limit=limit, lease=lease)
        ]

    def done(self, job_id: int, owner: str, now: datetime) -> bool:
        """Mark done if `owner` still holds the job; False when the lease was lost meanwhile."""
        values = outcome(JobRecord, state=JobState.DONE.value, done_at=now)
        return if_held(self.engine, JobRecord, job_id, owner, values)

    def failed(self, job_id: int, owner: str, error: str, next_attempt: datetime | None) -> None:
        """Record a failed run: due again at `next_attempt`, or parked as dead when that is None."""
        extra: dict[str, Any] = {} if next_attempt is None else {"due_at": next_attempt}
        state = JobState.DEAD.value if next_attempt is None else None
        if_held(self.engine, JobRecord, job_id, owner, outcome(JobRecord, state=state, error=error, **extra))

    def release(self, owner: str) -> None:
        release_all(self.engine, JobRecord, owner)

    def next_due(self, now: datetime) -> datetime | None:
        """When the next pending job no worker holds comes due (None: there is none)."""
        with self.engine.connect() as connection:
            found: datetime | None = connection.scalar(NEXT_DUE, {"now": now})
        return found

    def jobs(self, state: JobState | None = None, limit: int = 100) -> list[Job]:
        query = select(*COLUMNS).order_by(JobRecord.due_at.desc()).limit(limit)
        if state is not None:
            query = query.where(JobRecord.state == state.value)
        with self.engine.connect() as connection:
            return [_job(r) for r in connection.execute(query)]

    def counts(self, now: datetime) -> dict[str, int]:
        """Jobs per state, and pending jobs due now and claimed now (for /metrics)."""
        with self.engine.connect() as connection:
            grouped = select(JobRecord.state, func.count()).group_by(JobRecord.state)
            found: dict[str, int] = {str(s): int(c) for s, c in connection.execute(grouped)}
            pending = JobRecord.state == JobState.PENDING.value
            due = connection.scalar(select(func.count()).where(pending, JobRecord.due_at <= now))
            claimed = connection.scalar(select(func.count()).where(pending, JobRecord.lease_until > now))
            failing = connection.scalar(select(func.count()).where(pending, JobRecord.attempts > 0))
        return {
            **{s.value: found.get(s.value, 0) for s in JobState},
            "due": int(due or 0),
            "claimed": int(claimed or 0),
            "failed": int(failing or 0),  # pending again after a failed try
        }


def _job(row: Row[Any]) -> Job:
    r = row._mapping
    return Job(
        r["id"],
        r["kind"],
        r["key"],
        dict(r["payload"]),
        r["due_at"],
        JobState(r["state"]),
        r["attempts"],
        r["last_error"],
    )
