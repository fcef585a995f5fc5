"""Pages by SMS and voice go out side by side, against the real outbox table: a storm of pages does not queue
behind one vendor call each; every other message keeps its order."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.domain.outbox import Arrival, OutboxState, OutgoingMessage, Reference
from opsdesk.services.delivery import Deliverer
from tests.fakes import ScriptedChannel, SteppingClock

START = datetime(2026, 12, 1, 21, 30, tzinfo=UTC)


def page(n: int) -> OutgoingMessage:
    """Incident n's first page by SMS."""
    return OutgoingMessage("sms", "+447911123456", {"body": f"#{n}"}, f"page:{n}:c1s1:sms")


class Meeting:
    """A channel whose sends wait until `size` of them are in flight together (or give up after `patience` seconds)."""

    def __init__(self, size: int, patience: float = 5) -> None:
        self.barrier = threading.Barrier(size, timeout=patience)
        self.sent: list[str] = []
        self.lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> Reference | None:
        self.barrier.wait()  # BrokenBarrierError (a failed send) unless `size` sends are in flight at once
        with self.lock:
            self.sent.append(message.idempotency_key)
        return None

    def arrival(self, message: OutgoingMessage, since: datetime) -> object:
        raise AssertionError("no attempt was in doubt")


class InOrder:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, message: OutgoingMessage) -> Reference | None:
        self.sent.append(message.idempotency_key)
        return None

    def arrival(self, message: OutgoingMessage, since: datetime) -> object:
        raise AssertionError("no attempt was in doubt")


def test_four_sms_pages_are_in_flight_at_once_and_slack_keeps_its_order(db: Engine) -> None:
    store = SqlOutbox(db)
    with db.begin() as connection:
        for n in range(1, 5):
            store.add(connection, page(n), START)
            store.add(
                connection, OutgoingMessage("slack", "C0ALERTS", {"text": f"#{n}"}, f"post:{n}:opened"), START
            )
    sms, slack = Meeting(4), InOrder()
    deliverer = Deliverer(store, {"sms": sms, "slack": slack}, SteppingClock(START), "w1")  # type: ignore[dict-item]
    assert deliverer.run_once() == 8
    assert sorted(sms.sent) == [f"page:{n}:c1s1:sms" for n in range(1, 5)]
    assert slack.sent == [f"post:{n}:opened" for n in range(1, 5)]  # as they were written
    assert {row.state for row in store.rows()} == {OutboxState.DELIVERED}


def test_one_at_a_time_when_parallel_is_one(db: Engine) -> None:
    store = SqlOutbox(db)
    with db.begin() as connection:
        for n in range(1, 3):
            store.add(connection, page(n), START)
    sms = Meeting(2, patience=0.5)
    deliverer = Deliverer(store, {"sms": sms}, SteppingClock(START), "w1", parallel=1)  # type: ignore[dict-item]
    deliverer.run_once()  # each send waits for a second that never comes: both fail, counted, kept
    rows = store.rows()
    assert sms.sent == []
    assert [(r.state, r.attempts) for r in rows] == [(OutboxState.PENDING, 1)] * 2
    assert all("BrokenBarrierError" in (r.last_error or "") for r in rows)


def test_taken_together_only_while_held_and_recorded_together(db: Engine) -> None:
    store = SqlOutbox(db)
    with db.begin() as connection:
        for n in range(1, 4):
            store.add(connection, page(n), START)
    lease = timedelta(seconds=30)
    first, second, third = (row.id for row in store.claim("w1", START, 3, lease))
    store.release("w1")
    store.claim("w2", START, 1, lease)  # another worker holds the first row now
    assert store.claim("w1", START, 3, lease)  # w1 holds the other two
    taken = store.take_all([first, second, third], "w1", START, lease)
    assert sorted(taken) == [second, third]
    assert all(t.in_doubt_since is None for t in taken.values())
    again = store.take_all([second], "w1", START + timedelta(seconds=5), lease)
    assert again[second].in_doubt_since == START  # the first attempt's start is kept until settled
    assert store.delivered_all([(first, None), (second, {"sid": "SM1"}), (third, None)], "w1", START) == 2
    states = {row.id: row.state for row in store.rows()}
    assert (states[first], states[second], states[third]) == (
        OutboxState.PENDING,
        OutboxState.DELIVERED,
        OutboxState.DELIVERED,
    )


def test_a_worker_dying_mid_storm_leaves_its_pages_to_be_checked_not_sent_twice(db: Engine) -> None:
    store = SqlOutbox(db)
    with db.begin() as connection:
        store.add(
            connection, OutgoingMessage("sms", "+447911123456", {"body": "#1"}, "page:1:c1s1:sms"), START
        )
    lease = timedelta(seconds=30)
    (row,) = store.claim("w1", START, 5, lease)
    store.take_all([row.id], "w1", START, lease)  # taken, sent, and the worker died before recording it
    channel = ScriptedChannel()
    channel.sent.append(OutgoingMessage("sms", "+447911123456", {"body": "#1"}, "page:1:c1s1:sms"))
    later = SteppingClock(START + timedelta(minutes=1))
    Deliverer(store, {"sms": channel}, later, "w2").run_once()  # type: ignore[dict-item]
    assert len(channel.looked) == 1 and len(channel.sent) == 1  # asked whether it arrived; not sent again
    (settled,) = store.rows()
    assert settled.state is OutboxState.DELIVERED


class WallClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class Slow:
    """A vendor taking `delay` seconds a send, that has nothing to show for a lost attempt yet."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.sent: list[str] = []
        self.lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> Reference | None:
        with self.lock:
            self.sent.append(message.idempotency_key)
        time.sleep(self.delay)
        return None

    def arrival(self, message: OutgoingMessage, since: datetime) -> Arrival:
        return Arrival.SEND


def test_a_row_waiting_for_the_next_wave_is_taken_only_when_its_turn_comes(db: Engine) -> None:
    """Three pages, two at a time, each send slower than the claim's lease: the third's lease lapses
    while the first wave is sent, a second worker takes it, and the first worker leaves it: sent once."""
    store = SqlOutbox(db)
    with db.begin() as connection:
        for n in range(1, 4):
            store.add(connection, page(n), START)
    sms, lease = Slow(0.8), timedelta(seconds=0.6)
    first = Deliverer(store, {"sms": sms}, WallClock(), "w1", lease=lease, parallel=2)  # type: ignore[dict-item]
    second = Deliverer(store, {"sms": sms}, WallClock(), "w2", lease=lease, parallel=2)  # type: ignore[dict-item]
    running = threading.Thread(target=first.run_once)
    running.start()
    time.sleep(0.7)
    second.run_once()
    running.join()
    while first.run_once():  # whatever the timing left behind (a slow machine): sent now, still once
        pass
    assert sorted(sms.sent) == ["page:1:c1s1:sms", "page:2:c1s1:sms", "page:3:c1s1:sms"]
    assert {row.state for row in store.rows()} == {OutboxState.DELIVERED}
