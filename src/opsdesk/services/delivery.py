"""Delivering the outbox: claim due rows, hand each to its channel, record the outcome; never lose one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from opsdesk.domain.outbox import DeliveryError, OutboxRow, OutgoingMessage, RetryPolicy
from opsdesk.services.clock import Clock


class Channel(Protocol):
    """One way out (log, Slack, email, webhook). Raises DeliveryError when the message did not go."""

    def send(self, message: OutgoingMessage) -> None: ...


class OutboxStore(Protocol):
    def claim(self, owner: str, now: datetime, limit: int, lease: timedelta) -> list[OutboxRow]: ...
    def delivered(self, row_id: int, owner: str, now: datetime) -> bool: ...
    def failed(self, row_id: int, owner: str, error: str, next_attempt: datetime | None) -> None: ...
    def release(self, owner: str) -> None: ...


@dataclass
class Deliverer:
    store: OutboxStore
    channels: Mapping[str, Channel]
    clock: Clock
    owner: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    # Longer than any channel's own timeout, so a live worker never loses a row it is still sending.
    lease: timedelta = timedelta(seconds=60)
    batch: int = 20

    def run_once(self) -> int:
        """Deliver what is due now; the number of rows tried."""
        rows = self.store.claim(self.owner, self.clock.now(), self.batch, self.lease)
        for row in rows:
            self._deliver(row)
        return len(rows)

    def _deliver(self, row: OutboxRow) -> None:
        channel = self.channels.get(row.message.channel)
        if channel is None:
            self.store.failed(
                row.id, self.owner, f"no channel named {row.message.channel!r} is configured", None
            )
            return
        try:
            channel.send(row.message)
        except DeliveryError as failure:
            attempts = row.attempts + 1
            retry_at = (
                None
                if failure.permanent
                else self.policy.next_attempt(attempts, self.clock.now(), failure.retry_after)
            )
            self.store.failed(row.id, self.owner, failure.reason, retry_at)
            return
        self.store.delivered(row.id, self.owner, self.clock.now())

    def stop(self) -> None:
        """Give back rows claimed but not yet tried, so another worker takes them at once."""
        self.store.release(self.owner)
