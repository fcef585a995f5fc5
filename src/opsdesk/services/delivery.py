"""Delivering the outbox: claim due rows, hand each to its channel, record the outcome; never lose one,
never send one twice.

A worker claims a few rows under a lease, then, row by row, renews the lease and marks the attempt as
in flight just before it sends (`take`); a row whose lease lapsed while it waited its turn is left for the
next claim, unsent. While a slow vendor keeps a send waiting, a heartbeat renews the lease, so no other
worker can take the row. Any failure, expected or not, is a counted attempt with its reason. An attempt
whose outcome was lost (the worker died mid-send, the answer was cut short) is resolved by asking the
channel whether the message arrived before anything is sent again.

A message that follows another (`after`) is claimed only once that one is delivered (the store sees to
it), and is handed to its channel with what it follows (where it went, what the vendor called it), so the
channel can link to it; what a vendor calls a delivered message is kept on its row for that.

Pages by SMS and voice call are sent side by side (waves of up to `parallel`, each taken just before it
is sent): a storm of pages must not queue behind one slow vendor call each, and no page depends on
another's order. Every other message keeps
its place in one line, in the order claimed (a Slack update after its post, a PagerDuty resolve after its
trigger).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol

from opsdesk.domain.outbox import (
    PREVIOUS,
    Arrival,
    DeliveryError,
    OutboxRow,
    OutgoingMessage,
    Previous,
    Reference,
    RetryPolicy,
    Taken,
)
from opsdesk.services.clock import Clock

logger = logging.getLogger("opsdesk.outbox")
SIDE_BY_SIDE = frozenset({"sms", "voice"})  # channels whose messages need no order among themselves


class Lane(Enum):
    """What one delivery thread claims: pages (SMS and calls, side by side), or every other message (in
    turn). A worker runs one thread per lane, so a storm of pages never waits behind a slow Slack post."""

    PAGES = "pages"
    OTHERS = "others"


class Channel(Protocol):
    """One way out (log, Slack, email, webhook, PagerDuty, GitHub)."""

    def send(self, message: OutgoingMessage) -> Reference | None:
        """Deliver, or raise DeliveryError saying why not (and whether the vendor may have acted); what
        the vendor calls the message, when it says (a following message may link to it)."""

    def arrival(self, message: OutgoingMessage, since: datetime) -> Arrival:
        """After an attempt (begun at `since`) whose outcome was lost: did `message` arrive?"""


class Signal(Protocol):
    """Sets the events subscribed to it when new messages are stored (by this process, at least)."""

    def subscribe(self, event: threading.Event) -> None: ...
    def unsubscribe(self, event: threading.Event) -> None: ...


class OutboxStore(Protocol):
    def claim(
        self,
        owner: str,
        now: datetime,
        limit: int,
        lease: timedelta,
        channels: frozenset[str] | None = None,
        *,
        besides: bool = False,
    ) -> list[OutboxRow]: ...
    def take(self, row_id: int, owner: str, now: datetime, lease: timedelta) -> Taken | None: ...
    def take_all(
        self, row_ids: list[int], owner: str, now: datetime, lease: timedelta
    ) -> dict[int, Taken]: ...
    def delivered_all(self, sent: list[tuple[int, Reference | None]], owner: str, now: datetime) -> int: ...
    def renew(self, row_id: int, owner: str, now: datetime, lease: timedelta) -> bool: ...
    def delivered(
        self, row_id: int, owner: str, now: datetime, reference: Reference | None = None
    ) -> bool: ...
    def by_key(self, key: str) -> OutboxRow | None: ...
    def failed(
        self, row_id: int, owner: str, error: str, next_attempt: datetime | None, *, in_doubt: bool = False
    ) -> bool: ...
    def release(self, owner: str) -> None: ...


@dataclass(frozen=True)
class Sent:
    """A message its vendor took, and what the vendor calls it."""

    reference: Reference | None


@dataclass
class Deliverer:
    store: OutboxStore
    channels: Mapping[str, Channel]
    clock: Clock
    owner: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    # Each row's lease is renewed as its send starts and every third of it while the send lasts.
    lease: timedelta = timedelta(seconds=60)
    batch: int = 40
    parallel: int = 16  # pages by SMS and voice sent at once, at most
    stopping: threading.Event = field(default_factory=threading.Event)
    # Told of each message that failed for good (a permanent failure, not one in doubt): a page's failed
    # SMS or call moves on to the engineer's next method (services/incidents/failover.py).
    on_dead: Callable[[OutgoingMessage, str], None] | None = None
    lane: Lane | None = None  # what this deliverer claims (None: both lanes, pages first)
    written: Signal | None = None  # wakes an idle worker's lanes when messages are stored

    # Seconds a send has taken lately (a moving average): a claim takes only as many rows as the lease
    # can cover at that pace, so with a slow vendor rows wait unclaimed, free for other workers.
    pace: float = field(default=0.0, init=False)

    def for_lane(self, lane: Lane) -> Deliverer:
        """This deliverer for one lane, as its own owner of the rows it claims (each lane gives back its
        own rows when its pass ends)."""
        return replace(self, lane=lane, owner=f"{self.owner}/{lane.value}")

    def run_once(self) -> int:
        """Deliver what is due now; the number of rows claimed. Rows not reached are given back."""
        rows = self.claim()
        try:
            pages = [row for row in rows if row.message.channel in SIDE_BY_SIDE]
            if pages and self.parallel > 1:
                self._side_by_side(pages)  # pages first: someone is waiting to be woken
                rows_in_turn = [row for row in rows if row.message.channel not in SIDE_BY_SIDE]
            else:
                rows_in_turn = rows
            self._in_turn(rows_in_turn)
        finally:
            if rows:
                self.store.release(self.owner)  # rows not reached (stopping, or their lease lapsed)
        return len(rows)

    def _in_turn(self, rows: list[OutboxRow]) -> None:
        for row in rows:
            if self.stopping.is_set():
                return
            started = self.clock.now()
            if self.deliver(row):
                took = (self.clock.now() - started).total_seconds()
                self.pace = took if self.pace == 0 else 0.7 * self.pace + 0.3 * took

    def _side_by_side(self, rows: list[OutboxRow]) -> None:
        """SMS and calls in waves of `parallel`: each wave taken together just before it is sent (so no
        row waits its turn on a lease taken earlier), sent each in its own thread, then recorded together
        (two transactions a wave, not two a message)."""
        ready = [(row, channel) for row in rows if (channel := self._channel(row)) is not None]
        with ThreadPoolExecutor(min(self.parallel, max(1, len(ready))), "deliver") as pool:
            for start in range(0, len(ready), self.parallel):
                if self.stopping.is_set():
                    return
                self._wave(pool, ready[start : start + self.parallel])

    def _wave(self, pool: ThreadPoolExecutor, wave: list[tuple[OutboxRow, Channel]]) -> None:
        started = self.clock.now()
        taken = self.store.take_all([row.id for row, _ in wave], self.owner, started, self.lease)
        going = [(row, channel, taken[row.id]) for row, channel in wave if row.id in taken]
        for row, _ in wave:
            if row.id not in taken:
                logger.info(
                    "outbox row #%s: lease lapsed before its turn; left unsent for the next claim", row.id
                )
        if not going:
            return
        with self._heartbeat([row.id for row, _, _ in going]) as sending:  # one for the wave
            outcomes = list(pool.map(lambda each: self._sent(sending, *each), going))  # re-raises
        sent = [(row.id, done.reference) for (row, _, _), done in zip(going, outcomes, strict=True) if done]
        if self.store.delivered_all(sent, self.owner, self.clock.now()) < len(sent):
            logger.warning("outbox: %s rows were sent, but some leases were lost meanwhile", len(sent))
        took = (self.clock.now() - started).total_seconds() / len(going)  # as if sent one by one
        self.pace = took if self.pace == 0 else 0.7 * self.pace + 0.3 * took

    def claim(self) -> list[OutboxRow]:
        """Due rows for this worker, as many as its lease covers at the vendors' recent pace."""
        if self.lane is None:
            return self.store.claim(self.owner, self.clock.now(), self._claim_size(), self.lease)
        return self.store.claim(
            self.owner,
            self.clock.now(),
            self._claim_size(),
            self.lease,
            SIDE_BY_SIDE,
            besides=self.lane is Lane.OTHERS,
        )

    def _claim_size(self) -> int:
        if self.pace <= 0:
            return self.batch
        return max(1, min(self.batch, int(self.lease.total_seconds() / (2 * self.pace))))

    def deliver(self, row: OutboxRow) -> bool:
        """One row: True when its channel was called (the time it took says how fast the vendor is)."""
        channel = self._channel(row)
        if channel is None:
            return False
        taken = self.store.take(row.id, self.owner, self.clock.now(), self.lease)
        if taken is None:
            logger.info(
                "outbox row #%s: lease lapsed before its turn; left unsent for the next claim", row.id
            )
            return False
        done = self._send(row, channel, taken)
        if done and not self.store.delivered(row.id, self.owner, self.clock.now(), done.reference):
            logger.warning("outbox row #%s was sent, but its lease was lost meanwhile", row.id)
        return True

    def _channel(self, row: OutboxRow) -> Channel | None:
        channel = self.channels.get(row.message.channel)
        if channel is None:
            reason = f"no channel named {row.message.channel!r} is configured"
            self.store.failed(row.id, self.owner, reason, None)
        return channel

    def _sent(self, sending: set[int], row: OutboxRow, channel: Channel, taken: Taken) -> Sent | None:
        """`_send` within a wave: the row's lease is no longer renewed once its send is over."""
        try:
            return self._send(row, channel, taken, beat=False)
        finally:
            sending.discard(row.id)

    def _send(self, row: OutboxRow, channel: Channel, taken: Taken, *, beat: bool = True) -> Sent | None:
        """Send a taken row (after settling an earlier attempt's lost outcome): Sent, to be recorded as
        delivered; None when there is nothing to record (a failure, recorded here, or settled)."""
        message = self._linked(row.message)
        with self._heartbeat([row.id]) if beat else nullcontext():
            since = taken.in_doubt_since  # as the row stands now, not as it was claimed
            if since is not None and not self._resolve_doubt(channel, row, since):
                return None
            try:
                return Sent(channel.send(message))
            except DeliveryError as failure:
                self._failed(row, failure)
            except Exception as exc:  # anything a vendor library lets escape: counted, never fatal
                self._failed(row, unexpected(exc, "sending"))
        return None

    def _linked(self, message: OutgoingMessage) -> OutgoingMessage:
        """A following message with what it follows under PREVIOUS (as it is now: delivered, since the
        row was claimed); as it is when that row is gone (its channel then names it in plain words)."""
        if message.after is None:
            return message
        found = self.store.by_key(message.after)
        if found is None:
            return message
        previous = Previous(
            found.message.destination, found.message.idempotency_key, found.reference, found.created_at
        )
        return replace(message, payload={**message.payload, PREVIOUS: previous.as_payload()})

    def _resolve_doubt(self, channel: Channel, row: OutboxRow, since: datetime) -> bool:
        """An earlier attempt (begun at `since`) lost its outcome: True to send now; False when settled (or
        to try later)."""
        try:
            arrival = channel.arrival(row.message, since)
        except DeliveryError as failure:
            self._failed(row, failure, in_doubt=True)
            return False
        except Exception as exc:
            self._failed(row, unexpected(exc, "checking whether it arrived"), in_doubt=True)
            return False
        if arrival is Arrival.ARRIVED:
            self.store.delivered(row.id, self.owner, self.clock.now())
            logger.info("outbox row #%s: an earlier attempt had arrived; not sent again", row.id)
            return False
        if arrival is Arrival.UNKNOWN:
            reason = (
                f"not sent again: an attempt at {since:%Y-%m-%d %H:%M:%S} UTC was cut short and "
                f"{row.message.channel} cannot be asked whether it arrived; check {row.message.destination}, "
                f"then `opsdesk outbox retry {row.id}` if it is missing"
            )
            self.store.failed(row.id, self.owner, reason, None, in_doubt=True)
            return False
        return True

    def _failed(self, row: OutboxRow, failure: DeliveryError, *, in_doubt: bool = False) -> None:
        attempts = row.attempts + 1
        now = self.clock.now()
        retry_at = None if failure.permanent else self.policy.next_attempt(attempts, now, failure.retry_after)
        doubt = in_doubt or failure.in_doubt
        logger.warning("outbox row #%s: attempt %s failed: %s", row.id, attempts, failure.reason[:300])
        held = self.store.failed(row.id, self.owner, failure.reason, retry_at, in_doubt=doubt)
        if held and retry_at is None and not doubt and self.on_dead is not None:
            try:
                self.on_dead(row.message, failure.reason)
            except Exception:  # the row's failure is stored: what follows from it must not stop delivery
                logger.exception("outbox row #%s: acting on its failure failed", row.id)

    @contextmanager
    def _heartbeat(self, row_ids: list[int]) -> Iterator[set[int]]:
        """Keep the rows' leases while their sends last, renewed every third of the lease; yields the rows
        still sending (a row taken out of it is no longer renewed)."""
        done = threading.Event()
        sending = set(row_ids)
        interval = max(self.lease.total_seconds() / 3, 0.05)

        def beat() -> None:
            while sending and not done.wait(interval):
                for row_id in list(sending):
                    if done.is_set():
                        return
                    try:
                        if not self.store.renew(row_id, self.owner, self.clock.now(), self.lease):
                            logger.warning("outbox row #%s: lease lost while sending", row_id)
                            sending.discard(row_id)
                    except Exception:  # the database away: the send goes on; the record step will tell
                        logger.warning("outbox row #%s: could not renew the lease", row_id, exc_info=True)

        thread = threading.Thread(target=beat, name=f"lease-{row_ids[0]}", daemon=True)
        thread.start()
        try:
            yield sending
        finally:
            done.set()
            thread.join()

    def stop(self) -> None:
        """Give back rows claimed but not yet tried, so another worker takes them at once."""
        self.stopping.set()
        self.store.release(self.owner)


def unexpected(exc: BaseException, doing: str) -> DeliveryError:
    """An exception a channel did not turn into a DeliveryError: its outcome is in doubt, so retried after
    a check."""
    text = str(exc).splitlines()[0][:300] if str(exc) else ""
    return DeliveryError(f"{type(exc).__name__} while {doing}: {text}".rstrip(": "), in_doubt=True)
