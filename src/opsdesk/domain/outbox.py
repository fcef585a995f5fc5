"""The outbox: every outgoing message, stored with the change that caused it and delivered afterwards."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class OutboxState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


@dataclass(frozen=True)
class OutgoingMessage:
    """What to send, where, and the key that makes sending it twice impossible."""

    channel: str  # "log", "slack", "email", "webhook"
    destination: str  # a Slack channel, an address, a URL name
    payload: dict[str, Any]
    idempotency_key: str


@dataclass(frozen=True)
class OutboxRow:
    id: int
    message: OutgoingMessage
    state: OutboxState
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, a vendor's Retry-After honoured, dead after `max_attempts`."""

    max_attempts: int = 8
    base: timedelta = timedelta(seconds=2)
    cap: timedelta = timedelta(minutes=10)
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def next_attempt(
        self, attempts: int, now: datetime, retry_after: timedelta | None = None
    ) -> datetime | None:
        """When to try again after `attempts` failed tries; None when the row should be parked as dead."""
        if attempts >= self.max_attempts:
            return None
        ceiling = min(self.cap, self.base * (2 ** (attempts - 1)))
        delay = timedelta(seconds=self.rng.uniform(ceiling.total_seconds() / 2, ceiling.total_seconds()))
        if retry_after is not None:
            delay = max(delay, retry_after)
        return now + delay


class DeliveryError(Exception):
    """A channel could not deliver a message; `retry_after` is the vendor's wish, `permanent` means stop."""

    def __init__(self, reason: str, retry_after: timedelta | None = None, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.permanent = permanent
