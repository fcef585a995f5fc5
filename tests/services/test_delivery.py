"""Delivering the outbox through a channel, against the real outbox table: retries, Retry-After, dead rows."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.domain.outbox import DeliveryError, OutboxState, OutgoingMessage, RetryPolicy
from opsdesk.services.delivery import Deliverer
from tests.fakes import ScriptedChannel, SteppingClock

START = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)


def setup(db: Engine, script: list[object], *keys: str) -> tuple[Deliverer, ScriptedChannel, SteppingClock]:
    store = SqlOutbox(db)
    with db.begin() as connection:
        for key in keys:
            store.add(connection, OutgoingMessage("slack", "#alarms", {"text": key}, key), START)
    channel = ScriptedChannel(script)
    clock = SteppingClock(START)
    policy = RetryPolicy(max_attempts=4, rng=random.Random(1))
    return Deliverer(store, {"slack": channel}, clock, "w1", policy), channel, clock


def test_rate_limited_then_failing_then_delivered_once(db: Engine) -> None:
    deliverer, channel, clock = setup(
        db,
        [
            DeliveryError("HTTP 429 ratelimited", retry_after=timedelta(seconds=30)),
            DeliveryError("HTTP 500"),
        ],
        "a",
    )
    assert deliverer.run_once() == 1
    clock.advance(timedelta(seconds=29))
    assert deliverer.run_once() == 0  # Retry-After is honoured
    clock.advance(timedelta(seconds=1))
    assert deliverer.run_once() == 1  # the 500
    assert deliverer.run_once() == 0  # backing off
    clock.advance(timedelta(seconds=10))
    assert deliverer.run_once() == 1
    assert [m.idempotency_key for m in channel.sent] == ["a"]  # type: ignore[attr-defined]
    (row,) = SqlOutbox(db).rows()
    assert (row.state, row.attempts) == (OutboxState.DELIVERED, 3)
    clock.advance(timedelta(hours=1))
    assert deliverer.run_once() == 0
    assert len(channel.sent) == 1


def test_a_permanent_failure_parks_the_row_as_dead(db: Engine) -> None:
    deliverer, channel, _ = setup(db, [DeliveryError("HTTP 404 channel_not_found", permanent=True)], "a")
    deliverer.run_once()
    (row,) = SqlOutbox(db).rows(OutboxState.DEAD)
    assert row.last_error == "HTTP 404 channel_not_found"
    assert channel.sent == []


def test_too_many_failures_park_the_row_as_dead(db: Engine) -> None:
    deliverer, _, clock = setup(db, [DeliveryError(f"HTTP 503 #{i}") for i in range(10)], "a")
    for _ in range(10):
        deliverer.run_once()
        clock.advance(timedelta(minutes=15))
    (row,) = SqlOutbox(db).rows()
    assert (row.state, row.attempts, row.last_error) == (OutboxState.DEAD, 4, "HTTP 503 #3")


def test_an_unknown_channel_is_dead_at_once(db: Engine) -> None:
    store = SqlOutbox(db)
    with db.begin() as connection:
        store.add(connection, OutgoingMessage("pager", "x", {}, "k"), START)
    Deliverer(store, {}, SteppingClock(START), "w1").run_once()
    (row,) = store.rows(OutboxState.DEAD)
    assert row.last_error == "no channel named 'pager' is configured"


def test_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(
        max_attempts=20, base=timedelta(seconds=2), cap=timedelta(minutes=10), rng=random.Random(5)
    )
    delays = [(policy.next_attempt(n, START) - START).total_seconds() for n in range(1, 15)]  # type: ignore[operator]
    assert 1 <= delays[0] <= 2
    assert 8 <= delays[3] <= 16
    assert all(300 <= d <= 600 for d in delays[9:])
    assert policy.next_attempt(20, START) is None
    assert policy.next_attempt(1, START, retry_after=timedelta(minutes=5)) == START + timedelta(minutes=5)
