"""The outbox state machine under every interleaving hypothesis finds (claims, sends, failures, answers
cut short, leases running out, workers killed mid-send, restarts, retries), on SQLite and PostgreSQL.

Properties: a message is handed to the vendor only by a worker whose lease on it is held at that moment,
the vendor never takes a message twice, and in the end every message was taken exactly once and recorded
as delivered, or is dead with its reason.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, delete, select

from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.adapters.db.tables import OutboxRecord
from opsdesk.domain.outbox import Arrival, DeliveryError, OutboxRow, OutboxState, OutgoingMessage, RetryPolicy
from opsdesk.services.delivery import Deliverer
from tests.fakes import SteppingClock

START = datetime(2026, 12, 5, 21, 30, tzinfo=UTC)
LEASE = timedelta(seconds=30)
KEYS = ("page:1:c1s1:slack", "post:1:opened", "page:2:c1s1:slack", "post:2:opened")
OUTCOMES = ("ok", "refused", "429", "accepted-then-cut", "lost-before", "accepted-then-die", "die-before")


class WorkerDied(BaseException):
    """The process is killed mid-send: nothing after this point runs (not an Exception: nothing catches it)."""


class Vendor:
    """A vendor that checks, at each send, that the sender holds the row's lease, and counts what it took."""

    def __init__(self, store: SqlOutbox, clock: SteppingClock, can_look: bool) -> None:
        self.store, self.clock, self.can_look = store, clock, can_look
        self.taken: Counter[str] = Counter()
        self.outcome = "ok"
        self.sender = ""

    def send(self, message: OutgoingMessage) -> None:
        with self.store.engine.connect() as connection:
            owner, until = connection.execute(
                select(OutboxRecord.lease_owner, OutboxRecord.lease_until).where(
                    OutboxRecord.idempotency_key == message.idempotency_key
                )
            ).one()
        assert owner == self.sender, f"{self.sender} sent {message.idempotency_key} held by {owner}"
        assert until is not None and until > self.clock.now(), "sent after the lease ran out"
        outcome, self.outcome = self.outcome, "ok"
        if outcome == "die-before":
            raise WorkerDied
        if outcome in ("refused", "429", "lost-before"):
            raise {
                "refused": DeliveryError("HTTP 503 from Slack"),
                "429": DeliveryError("HTTP 429", retry_after=timedelta(days=365)),
                "lost-before": DeliveryError("Slack unreachable (timeout)", in_doubt=True),
            }[outcome]
        self.taken[message.idempotency_key] += 1
        if outcome == "accepted-then-cut":
            raise DeliveryError("Slack unreachable (IncompleteRead)", in_doubt=True)
        if outcome == "accepted-then-die":
            raise WorkerDied

    def arrival(self, message: OutgoingMessage, since: datetime) -> Arrival:
        if not self.can_look:
            return Arrival.UNKNOWN
        return Arrival.ARRIVED if self.taken[message.idempotency_key] else Arrival.SEND


def machine(engine: Engine, can_look: bool) -> type[RuleBasedStateMachine]:
    class Outbox(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            with engine.begin() as connection:
                connection.execute(delete(OutboxRecord))
            self.store = SqlOutbox(engine)
            with engine.begin() as connection:
                for key in KEYS:
                    self.store.add(connection, OutgoingMessage("slack", "C0123", {"text": key}, key), START)
            self.clock = SteppingClock(START)
            self.vendor = Vendor(self.store, self.clock, can_look)
            self.restarts = 0
            self.workers = {name: self._worker(name) for name in ("w1", "w2", "w3")}
            self.held: dict[str, list[OutboxRow]] = {name: [] for name in self.workers}

        def _worker(self, name: str) -> Deliverer:
            policy = RetryPolicy(max_attempts=6, rng=random.Random(0))
            return Deliverer(
                self.store, {"slack": self.vendor}, self.clock, name, policy, lease=LEASE, batch=3
            )

        @rule(name=st.sampled_from(["w1", "w2", "w3"]))
        def claim(self, name: str) -> None:
            self.held[name] += self.workers[name].claim()

        @precondition(lambda self: any(self.held.values()))
        @rule(data=st.data(), outcome=st.sampled_from(OUTCOMES))
        def deliver_next(self, data: st.DataObject, outcome: str) -> None:
            name = data.draw(st.sampled_from(sorted(n for n, rows in self.held.items() if rows)))
            row = self.held[name].pop(0)
            self.vendor.outcome, self.vendor.sender = outcome, name
            try:
                self.workers[name].deliver(row)
            except WorkerDied:  # killed: its claimed rows stay leased to the dead owner until they lapse
                self.restarts += 1
                fresh = f"{name}-r{self.restarts}"
                self.workers[name] = self._worker(fresh)
                self.held[name] = []
            self.vendor.outcome = "ok"

        @rule(seconds=st.sampled_from([1, 10, 29, 31, 61, 301, 3600]))
        def time_passes(self, seconds: int) -> None:
            self.clock.advance(timedelta(seconds=seconds))

        @rule(data=st.data())
        def a_person_retries_a_dead_row(self, data: st.DataObject) -> None:
            dead = [
                r
                for r in self.store.rows(OutboxState.DEAD)
                if not self.vendor.taken[r.message.idempotency_key]
            ]
            if dead:  # a person who looked and saw it did not arrive
                row = data.draw(st.sampled_from(dead))
                assert self.store.retry(row.id, self.clock.now())

        @invariant()
        def never_taken_twice(self) -> None:
            assert all(count <= 1 for count in self.vendor.taken.values()), self.vendor.taken

        @invariant()
        def delivered_means_taken(self) -> None:
            for row in self.store.rows(OutboxState.DELIVERED):
                assert self.vendor.taken[row.message.idempotency_key] == 1

        def teardown(self) -> None:
            """Drain: a healthy worker, with time enough for every lease and backoff, finishes the rest."""
            final = self._worker("final")
            self.vendor.sender = "final"
            idle = 0
            for _ in range(30):
                self.clock.advance(timedelta(minutes=15))
                idle = 0 if final.run_once() else idle + 1
                if idle == 2:
                    break
            rows = {r.message.idempotency_key: r for r in self.store.rows()}
            for key in KEYS:
                row = rows[key]
                if row.state is OutboxState.DELIVERED:
                    assert self.vendor.taken[key] == 1
                else:
                    assert row.state is OutboxState.DEAD, (key, row)
                    assert row.last_error
                    assert self.vendor.taken[key] <= 1

    return Outbox


@pytest.mark.parametrize("can_look", [True, False], ids=["channel-can-look", "channel-cannot-look"])
def test_no_interleaving_sends_twice(db: Engine, can_look: bool) -> None:
    examples = 40 if db.dialect.name == "sqlite" else 15
    run_state_machine_as_test(
        machine(db, can_look), settings=settings(max_examples=examples, stateful_step_count=20, deadline=None)
    )
