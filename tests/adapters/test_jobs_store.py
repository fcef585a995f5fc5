"""Timed work on SQLite and PostgreSQL: one row per key whoever schedules it, leases, retries, dead jobs."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from opsdesk.adapters.db.jobs import SqlJobs
from opsdesk.domain.jobs import Job, JobState
from opsdesk.domain.outbox import RetryPolicy
from opsdesk.services.jobs import JobRunner
from tests.fakes import SteppingClock

HANDOVER = datetime(2027, 3, 2, 16, 0, tzinfo=UTC)


def test_every_replica_may_schedule_and_only_one_row_exists(db: Engine) -> None:
    jobs = SqlJobs(db)
    added = []
    for _replica in range(3):
        with db.begin() as connection:
            added.append(
                jobs.schedule(connection, "handover", "handover:2027-03-02", HANDOVER, {"day": "2027-03-02"})
            )
    assert added == [True, False, False]
    (job,) = jobs.jobs()
    assert (job.kind, job.key, job.payload, job.due_at) == (
        "handover",
        "handover:2027-03-02",
        {"day": "2027-03-02"},
        HANDOVER,
    )


def test_a_job_runs_once_when_due_and_failures_retry_then_park(db: Engine) -> None:
    jobs = SqlJobs(db)
    with db.begin() as connection:
        jobs.schedule(connection, "handover", "h1", HANDOVER)
        jobs.schedule(connection, "reminder", "r1", HANDOVER)
        jobs.schedule(connection, "mystery", "m1", HANDOVER)
    ran: list[str] = []
    failures = iter([RuntimeError("Slack down"), None])

    def handover(job: Job) -> None:
        ran.append(job.key)

    def reminder(job: Job) -> None:
        failure = next(failures)
        if failure is not None:
            raise failure
        ran.append(job.key)

    clock = SteppingClock(HANDOVER - timedelta(minutes=1))
    runner = JobRunner(
        jobs, {"handover": handover, "reminder": reminder}, clock, "w1", RetryPolicy(rng=random.Random(1))
    )
    assert runner.run_once() == 0  # not due yet
    clock.advance(timedelta(minutes=1))
    assert runner.run_once() == 3
    assert ran == ["h1"]
    clock.advance(timedelta(minutes=1))
    runner.run_once()
    assert ran == ["h1", "r1"]
    states = {j.key: (j.state, j.attempts, j.last_error) for j in jobs.jobs()}
    assert states == {
        "h1": (JobState.DONE, 1, None),
        "r1": (JobState.DONE, 2, "RuntimeError: Slack down"),
        "m1": (JobState.DEAD, 1, "no handler for jobs of kind 'mystery'"),
    }
    counts = jobs.counts(clock.now())
    assert (counts["done"], counts["dead"], counts["due"]) == (2, 1, 0)


def test_a_claimed_job_waits_for_its_lease(db: Engine) -> None:
    jobs = SqlJobs(db)
    with db.begin() as connection:
        jobs.schedule(connection, "handover", "h1", HANDOVER)
    assert len(jobs.claim("w1", HANDOVER, 10, timedelta(minutes=5))) == 1
    assert jobs.claim("w2", HANDOVER + timedelta(minutes=4), 10, timedelta(minutes=5)) == []
    assert jobs.counts(HANDOVER)["claimed"] == 1
    (job,) = jobs.claim("w2", HANDOVER + timedelta(minutes=6), 10, timedelta(minutes=5))
    assert jobs.done(job.id, "w1", HANDOVER) is False
    assert jobs.done(job.id, "w2", HANDOVER) is True
