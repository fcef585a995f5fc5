"""Pages due together (held overnight, all due at 07:00) are written in one unit of work that also marks
their jobs done; if one of them fails, the rest are still paged, each once, and the failure is kept."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from opsdesk.adapters.db.jobs import SqlJobs
from opsdesk.domain.jobs import JobState
from opsdesk.services.incidents.context import PAGE_JOB
from opsdesk.services.incidents.escalation import JobsTakenError
from opsdesk.services.jobs import JobRunner
from tests.builders import utc
from tests.incident_world import World, policy_document


def night(db: Engine, cache_dir: Path, *, one_by_one: bool) -> tuple[World, list[int]]:
    """Three incidents opened overnight (held for cover), and a runner: with the handlers that run pages
    together only, or with both kinds of handler."""
    w = World(db, cache_dir, utc("2026-12-01 23:30"), policy_document(date(2026, 11, 30)))
    ids = [w.alarm(f"disk-{n}", f"Disk full on db-{n}").id for n in range(3)]
    handlers = w.incidents.jobs() if one_by_one else {}
    w.runner = JobRunner(w.jobs, handlers, w.clock, "story", together=w.incidents.together())
    return w, ids


def test_pages_held_overnight_are_written_together_at_07_00(db: Engine, cache_dir: Path) -> None:
    w, ids = night(db, cache_dir, one_by_one=False)  # no handler for one job alone: together, or not at all
    w.run_until(utc("2026-12-02 07:00"))
    assert [w.paged(i) for i in ids] == [[("alice", "primary", utc("2026-12-02 07:00"))]] * 3
    jobs = {j.key: j for j in SqlJobs(db).jobs(limit=100)}
    assert [jobs[f"incident:{i}:page:c1s1"].state for i in ids] == [JobState.DONE] * 3
    assert [jobs[f"incident:{i}:page:c1s2"].state for i in ids] == [JobState.PENDING] * 3  # the next step


def test_one_failing_page_job_does_not_hold_back_the_others(db: Engine, cache_dir: Path) -> None:
    w, ids = night(db, cache_dir, one_by_one=True)
    with db.begin() as connection:  # a job whose payload lacks its step (written by hand, or by a bug)
        SqlJobs(db).schedule(
            connection, PAGE_JOB, "incident:broken", utc("2026-12-02 07:00"), {"incident": ids[1]}
        )
    w.run_until(utc("2026-12-02 07:00"))
    # Run one by one after the batch failed: each incident paged once, none twice, nothing of the batch kept.
    assert [w.paged(i) for i in ids] == [[("alice", "primary", utc("2026-12-02 07:00"))]] * 3
    at_seven = [p for p in w.pages() if p[2] == utc("2026-12-02 07:00")]
    assert (
        at_seven
        == [
            ("slack", "UALICE", utc("2026-12-02 07:00")),
            ("email", "alice@example.org", utc("2026-12-02 07:00")),
        ]
        * 3
    )
    broken = next(j for j in SqlJobs(db).jobs(limit=100) if j.key == "incident:broken")
    assert broken.state is JobState.PENDING  # to be tried again, with why it failed
    assert broken.attempts == 1
    assert broken.last_error == "KeyError: 'cycle'"


def test_a_batch_no_longer_wholly_held_keeps_nothing(db: Engine, cache_dir: Path) -> None:
    """Another worker took one of the jobs (its lease lapsed): the batch is rolled back, to be run one by
    one, so nothing is written twice."""
    w, ids = night(db, cache_dir, one_by_one=True)
    w.clock.instant = utc("2026-12-02 07:00")
    store = SqlJobs(db)
    mine = store.claim("w1", w.clock.now(), 10, timedelta(seconds=1))
    assert len(mine) == 3
    (taken,) = store.claim("w2", w.clock.now() + timedelta(seconds=2), 1, timedelta(minutes=5))
    with pytest.raises(JobsTakenError):
        w.incidents.run_jobs(mine, "w1")
    assert [w.paged(i) for i in ids] == [[], [], []]  # nothing of the batch was kept
    assert {j.key: j.state for j in store.jobs(limit=100)}[taken.key] is JobState.PENDING
