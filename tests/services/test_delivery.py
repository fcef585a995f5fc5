"""Delivering the outbox through a channel, against the real outbox table: retries, Retry-After, dead rows."""

from __future__ import annotations

import http.client
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.domain.outbox import (
    RETRY_AFTER_CEILING,
    Arrival,
    DeliveryError,
    OutboxState,
    OutgoingMessage,
    RetryPolicy,
    retry_after,
)
from opsdesk.services.delivery import Deliverer
from tests.fakes import AcceptedThen, ScriptedChannel, SteppingClock

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


# -- issue: exactly once when vendors are slow, odd or cut short ----------------------------------------


@dataclass
class SlowChannel:
    """A vendor that takes `seconds` of (virtual) time per send; `meanwhile` runs after the n-th send, as
    another worker would while this one waits."""

    clock: SteppingClock
    seconds: float
    sent: list[str] = field(default_factory=list)
    meanwhile: dict[int, Callable[[], object]] = field(default_factory=dict)

    def send(self, message: OutgoingMessage) -> None:
        self.clock.advance(timedelta(seconds=self.seconds))
        self.sent.append(message.idempotency_key)
        if len(self.sent) in self.meanwhile:
            self.meanwhile.pop(len(self.sent))()

    def arrival(self, message: OutgoingMessage, since: datetime) -> Arrival:
        return Arrival.ARRIVED if message.idempotency_key in self.sent else Arrival.SEND


def test_a_batch_that_outlives_its_lease_is_not_sent_twice(db: Engine) -> None:
    store = SqlOutbox(db)
    keys = [f"m{i}" for i in range(20)]
    with db.begin() as connection:
        for key in keys:
            store.add(connection, OutgoingMessage("slack", "#alarms", {"text": key}, key), START)
    clock = SteppingClock(START)
    slack = SlowChannel(clock, 3.5)  # well inside Slack's timeout, but 20 of them outlast a 10 s lease
    lease = timedelta(seconds=10)
    first = Deliverer(store, {"slack": slack}, clock, "w1", lease=lease)
    second = Deliverer(store, {"slack": slack}, clock, "w2", lease=lease)
    slack.meanwhile[3] = second.run_once  # 10.5 s in: the first worker's batch lease has run out
    first.run_once()
    for _ in range(20):  # both go on until the outbox is empty
        if not first.run_once() + second.run_once():
            break
    assert sorted(slack.sent) == sorted(keys)  # every message once, none twice
    assert {r.state for r in store.rows()} == {OutboxState.DELIVERED}
    assert first._claim_size() == second._claim_size() == 1  # at 3.5 s a send, a 10 s lease covers one


def test_a_reply_cut_short_is_counted_checked_and_never_posted_again(db: Engine) -> None:
    deliverer, channel, clock = setup(
        db, [AcceptedThen(http.client.IncompleteRead(b'{"ok": tr', 20))], "cut-short", "behind"
    )
    assert deliverer.run_once() == 2  # the row behind it still goes in the same pass
    rows = {r.message.idempotency_key: r for r in SqlOutbox(db).rows()}
    cut = rows["cut-short"]
    assert (cut.state, cut.attempts, cut.in_doubt) == (OutboxState.PENDING, 1, True)
    assert cut.last_error == "IncompleteRead while sending: IncompleteRead(9 bytes read, 20 more expected)"
    assert rows["behind"].state is OutboxState.DELIVERED
    clock.advance(timedelta(minutes=1))
    assert deliverer.run_once() == 1
    assert [m.idempotency_key for m in channel.sent] == ["cut-short", "behind"]  # type: ignore[attr-defined]
    assert channel.looked == [cut.message]  # asked whether it arrived, instead of posting it again
    (cut,) = [r for r in SqlOutbox(db).rows() if r.message.idempotency_key == "cut-short"]
    assert (cut.state, cut.in_doubt) == (OutboxState.DELIVERED, False)


def test_any_exception_from_a_channel_is_a_counted_attempt(db: Engine) -> None:
    deliverer, channel, clock = setup(db, [OverflowError("date value out of range")], "odd")
    assert deliverer.run_once() == 1  # the worker goes on
    (row,) = SqlOutbox(db).rows()
    assert (row.state, row.attempts) == (OutboxState.PENDING, 1)
    assert row.last_error == "OverflowError while sending: date value out of range"
    clock.advance(timedelta(minutes=1))
    deliverer.run_once()
    assert [m.idempotency_key for m in channel.sent] == ["odd"]  # type: ignore[attr-defined]


def test_an_attempt_in_doubt_that_cannot_be_checked_waits_for_a_person(db: Engine) -> None:
    deliverer, channel, clock = setup(db, [AcceptedThen(TimeoutError("The read operation timed out"))], "t")
    channel.can_look = False
    deliverer.run_once()
    clock.advance(timedelta(minutes=1))
    deliverer.run_once()
    store = SqlOutbox(db)
    (row,) = store.rows(OutboxState.DEAD)
    assert row.last_error is not None
    assert row.last_error.startswith("not sent again: an attempt at 2026-12-01 16:00:00 UTC was cut short")
    assert row.last_error.endswith(f"check #alarms, then `opsdesk outbox retry {row.id}` if it is missing")
    assert len(channel.sent) == 1
    assert store.retry(row.id, clock.now())  # a person looked: it did not arrive
    deliverer.run_once()
    assert len(channel.sent) == 2
    assert store.rows()[0].state is OutboxState.DELIVERED


def test_an_absurd_retry_after_is_capped_by_the_policy(db: Engine) -> None:
    year = DeliveryError("HTTP 429 ratelimited", retry_after=timedelta(days=365))
    deliverer, channel, clock = setup(db, [year], "page")
    deliverer.run_once()
    (row,) = SqlOutbox(db).rows()
    assert row.next_attempt_at == START + deliverer.policy.max_retry_after == START + timedelta(minutes=5)
    clock.advance(timedelta(minutes=5))
    deliverer.run_once()
    assert len(channel.sent) == 1


@pytest.mark.parametrize(
    ("header", "wait"),
    [
        ("7", timedelta(seconds=7)),
        ("31536000", RETRY_AFTER_CEILING),
        ("1000000000000", RETRY_AFTER_CEILING),
        ("9" * 5000, RETRY_AFTER_CEILING),  # past Python's longest int literal
        ("Wed, 02 Dec 2026 16:00:30 GMT", timedelta(seconds=30)),
        ("Fri, 31 Dec 9999 23:59:59 GMT", RETRY_AFTER_CEILING),
        ("Tue, 01 Dec 2026 00:00:00 GMT", timedelta(0)),  # already past
        ("-5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_headers_are_read_within_bounds(header: str | None, wait: timedelta | None) -> None:
    assert retry_after(header, datetime(2026, 12, 2, 16, 0, tzinfo=UTC)) == wait
