"""The worker loop: a failed pass does not end it, `once` runs one pass, and claims are released on exit."""

from __future__ import annotations

import threading
import time
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
from tests.fake_units import FakeDatabase
from tests.fakes import SteppingClock


class FlakyStore:
    """An outbox and job store whose first claim fails (the database away), then finds nothing."""

    def __init__(self, stopping: threading.Event, passes: int) -> None:
        self.claims = 0
        self.released: list[str] = []
        self.stopping = stopping
        self.passes = passes

    def claim(
        self, owner: str, now: datetime, limit: int, lease: timedelta, *_: object, **__: object
    ) -> list[OutboxRow] | list[Job]:
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

    def next_due(self, now: datetime) -> datetime | None:
        return None


def test_a_failed_pass_is_retried_and_claims_are_released(monkeypatch: pytest.MonkeyPatch) -> None:
    stopping = threading.Event()
    store = FlakyStore(stopping, passes=5)
    clock = SteppingClock(datetime(2026, 12, 1, tzinfo=UTC))
    monkeypatch.setattr(worker, "FAILURE_PAUSE", 0.01)  # a constant, not our code's behaviour: keeps it quick
    worker.run_worker(
        Deliverer(store, {}, clock, "w1"), JobRunner(store, {}, clock, "w1"), stopping, idle=0.01
    )
    assert store.claims >= 5  # it went on after the failure
    # each lane of the outbox, and the jobs, give back their own claims
    assert sorted(store.released) == ["w1", "w1/others", "w1/pages"]


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


def test_a_page_is_sent_while_a_slack_post_waits_for_a_slow_vendor(db: Engine) -> None:
    """Pages have a lane of their own: the SMS below is stored while the Slack post is being sent (slowly),
    and goes out before that post is done, which it could never do if the two took turns."""
    clock = SteppingClock(datetime(2026, 12, 1, 21, 0, tzinfo=UTC))
    outbox = SqlOutbox(db)
    with db.begin() as connection:
        slow = OutgoingMessage("slack", "C0ALERTS", {"text": "slow"}, "post:1:opened")
        outbox.add(connection, slow, clock.now())
    texted, stopping = threading.Event(), threading.Event()

    class Slow:
        def send(self, message: OutgoingMessage) -> None:
            with db.begin() as connection:  # the page comes while the post is in hand
                page = OutgoingMessage("sms", "+447911123456", {"body": "#1 P1 disk full"}, "page:1:c1s1:sms")
                outbox.add(connection, page, clock.now())
            assert texted.wait(5), "the page waited behind the Slack post"

    class Sms:
        def send(self, message: OutgoingMessage) -> None:
            texted.set()

    channels = {"slack": Slow(), "sms": Sms()}
    deliverer = Deliverer(outbox, channels, clock, "w1")  # type: ignore[arg-type]
    runner = JobRunner(SqlJobs(db), {}, clock, "w1")
    loop = threading.Thread(
        target=worker.run_worker, args=(deliverer, runner, stopping), kwargs={"idle": 0.01}
    )
    loop.start()
    assert texted.wait(10)
    deadline = time.monotonic() + 10
    while any(r.state is not OutboxState.DELIVERED for r in outbox.rows()) and time.monotonic() < deadline:
        time.sleep(0.01)
    stopping.set()
    loop.join(10)
    assert not loop.is_alive()
    assert {r.message.channel: r.state for r in outbox.rows()} == {
        "slack": OutboxState.DELIVERED,
        "sms": OutboxState.DELIVERED,
    }


def test_a_page_a_job_writes_goes_out_at_once_not_after_the_idle_pause(db: Engine) -> None:
    """The worker waits 30 s when idle; the SMS a job writes is sent long before that, because the job's
    pass wakes the lanes."""
    clock = SteppingClock(datetime(2026, 12, 1, 21, 0, tzinfo=UTC))
    outbox, jobs = SqlOutbox(db), SqlJobs(db)
    with db.begin() as connection:
        jobs.schedule(connection, "incident-page", "incident:2:page:c1s1", clock.now(), {"incident": 2})
    texted, stopping = threading.Event(), threading.Event()

    class Sms:
        def send(self, message: OutgoingMessage) -> None:
            texted.set()

    def page(job: Job) -> None:
        with db.begin() as connection:
            message = OutgoingMessage("sms", "+447911123456", {"body": "#2 P1"}, "page:2:c1s1:sms")
            outbox.add(connection, message, clock.now())

    deliverer = Deliverer(outbox, {"sms": Sms()}, clock, "w1")  # type: ignore[dict-item]
    runner = JobRunner(jobs, {"incident-page": page}, clock, "w1")
    loop = threading.Thread(target=worker.run_worker, args=(deliverer, runner, stopping), kwargs={"idle": 30})
    started = time.monotonic()
    loop.start()
    assert texted.wait(10)
    assert time.monotonic() - started < 10  # not the 30 s pause
    stopping.set()
    loop.join(10)
    assert not loop.is_alive()  # a stop ends the 30 s pauses at once


def test_the_jobs_wait_only_until_the_next_job_is_due(db: Engine) -> None:
    clock = SteppingClock(datetime(2026, 12, 1, 21, 0, tzinfo=UTC))
    jobs = SqlJobs(db)
    runner = JobRunner(jobs, {}, clock, "w1")
    assert runner.pause(5.0) == 5.0  # nothing pending
    with db.begin() as connection:
        jobs.schedule(
            connection, "incident-page", "incident:1:page:c1s2", clock.now() + timedelta(seconds=30), {}
        )
        jobs.schedule(
            connection, "incident-page", "incident:2:page:c1s1", clock.now() + timedelta(seconds=2), {}
        )
    assert runner.pause(5.0) == 2.0  # the 07:00 page goes at 07:00
    assert runner.pause(1.0) == 1.0
    clock.advance(timedelta(seconds=2))
    (held,) = jobs.claim("w2", clock.now(), 1, timedelta(minutes=5))  # another worker holds the due one
    assert held.key == "incident:2:page:c1s1"
    assert runner.pause(60.0) == 28.0  # the next one free to take


def test_planning_waits_a_little_while_a_storm_of_jobs_runs() -> None:
    """Timed work is planned days ahead each minute, but not in the middle of a storm: a pass right after
    one that ran jobs leaves it for up to 10 s more."""
    db = FakeDatabase()
    clock = SteppingClock(datetime(2026, 12, 1, 7, 0, tzinfo=UTC))
    planned: list[datetime] = []
    runner = JobRunner(db.job_store(), {"page": lambda job: None}, clock, "w1", planner=planned.append)

    def due_now(key: str) -> None:
        with db.units()() as uow:
            uow.jobs.schedule("page", key, clock.now(), {})
            uow.commit()

    start = clock.now()
    runner.run_once()
    clock.advance(timedelta(seconds=61))
    due_now("a")
    assert runner.run_once() == 1  # planned first: the pass before ran nothing
    clock.advance(timedelta(seconds=61))
    due_now("b")
    assert runner.run_once() == 1  # a minute on, but the pass before ran a job: planning waits
    clock.advance(timedelta(seconds=3))
    assert runner.run_once() == 0  # still waiting (the pass before ran a job)
    clock.advance(timedelta(seconds=1))
    runner.run_once()  # the storm is over: planned now
    assert [(at - start).total_seconds() for at in planned] == [0, 61, 126]
