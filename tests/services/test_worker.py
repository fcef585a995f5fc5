"""The worker loop: a failed pass does not end it, `once` runs one pass, and claims are released on exit."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from opsdesk.adapters.db.jobs import SqlJobs
from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.domain.jobs import Job
from opsdesk.domain.outbox import OutboxRow, OutboxState, OutgoingMessage
from opsdesk.services import worker
from opsdesk.services.delivery import Deliverer
from opsdesk.services.jobs import JobRunner
from tests.fakes import SteppingClock


class FlakyStore:
    """An outbox and job store whose first claim fails (the database away), then finds nothing."""

    def __init__(self, stopping: threading.Event, passes: int) -> None:
        self.claims = 0
        self.released: list[str] = []
        self.stopping = stopping
        self.passes = passes

    def claim(self, owner: str, now: datetime, limit: int, lease: timedelta) -> list[OutboxRow] | list[Job]:
        self.claims += 1
        if self.claims == 1:
            raise ConnectionError("database unreachable")
        if self.claims >= self.passes:
            self.stopping.set()
        return []

    def delivered(self, row_id: int, owner: str, now: datetime) -> bool:
        return True

    def done(self, job_id: int, owner: str, now: datetime) -> bool:
        return True

    def failed(self, row_id: int, owner: str, error: str, next_attempt: datetime | None) -> None: ...

    def release(self, owner: str) -> None:
        self.released.append(owner)


def test_a_failed_pass_is_retried_and_claims_are_released(monkeypatch: pytest.MonkeyPatch) -> None:
    stopping = threading.Event()
    store = FlakyStore(stopping, passes=5)
    clock = SteppingClock(datetime(2026, 12, 1, tzinfo=UTC))
    monkeypatch.setattr(worker, "FAILURE_PAUSE", 0.01)  # a constant, not our code's behaviour: keeps it quick
    worker.run_worker(
        Deliverer(store, {}, clock, "w1"), JobRunner(store, {}, clock, "w1"), stopping, idle=0.01
    )
    assert store.claims >= 5  # it went on after the failure
    assert store.released == ["w1", "w1"]  # the outbox's and the jobs' claims


def test_once_runs_one_pass() -> None:
    stopping = threading.Event()
    store = FlakyStore(stopping, passes=100)
    store.claims = 1  # past the failure
    clock = SteppingClock(datetime(2026, 12, 1, tzinfo=UTC))
    worker.run_worker(
        Deliverer(store, {}, clock, "w1"), JobRunner(store, {}, clock, "w1"), stopping, idle=1, once=True
    )
    assert store.claims == 3  # one outbox claim and one job claim


def test_a_page_is_written_while_a_slow_vendor_keeps_a_send_waiting(db: Engine) -> None:
    """Jobs run beside the deliveries: the send below waits until the job has run, which it could never
    do if the two took turns in one loop."""
    clock = SteppingClock(datetime(2026, 12, 1, 21, 0, tzinfo=UTC))
    outbox, jobs = SqlOutbox(db), SqlJobs(db)
    with db.begin() as connection:
        outbox.add(
            connection, OutgoingMessage("slack", "C0ALERTS", {"text": "slow"}, "post:1:opened"), clock.now()
        )
        jobs.schedule(connection, "incident-page", "incident:2:page:c1s1", clock.now(), {"incident": 2})
    ran, sent, stopping = threading.Event(), threading.Event(), threading.Event()

    class Slow:
        def send(self, message: OutgoingMessage) -> None:
            assert ran.wait(5), "the job waited for the send"
            sent.set()

    def page(job: Job) -> None:
        ran.set()

    deliverer = Deliverer(outbox, {"slack": Slow()}, clock, "w1")  # type: ignore[dict-item]
    runner = JobRunner(jobs, {"incident-page": page}, clock, "w1")
    loop = threading.Thread(
        target=worker.run_worker, args=(deliverer, runner, stopping), kwargs={"idle": 0.01}
    )
    loop.start()
    assert sent.wait(10)
    stopping.set()
    loop.join(10)
    assert not loop.is_alive()
    (row,) = outbox.rows()
    assert row.state is OutboxState.DELIVERED
