"""The outbox: every outgoing message, stored with the change that caused it and delivered afterwards.

A row is delivered by one worker at a time, under a lease. The worker marks the row as being sent
(`sending_at`) just before it hands the message to the vendor; if the worker dies, or the vendor's
answer is lost, the row stays marked and the next worker knows the outcome is in doubt: it asks the
channel whether the message arrived before it sends again, so a message is never posted twice.

A message may follow another (`after`, the other's key): it is not claimed until that one is delivered,
and when it is sent the channel is told where that one went and what the vendor called it (its
`reference`, e.g. Slack's channel and ts), so it can link to it (a forward naming the post by its
permalink). Two rows written in one transaction so make one linked pair, each delivered once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

# The longest wait a vendor's Retry-After may ask for before the policy caps it: anything larger (a
# year, 10^12 seconds, a date far away) is read as this, so no arithmetic on it can overflow.
RETRY_AFTER_CEILING = timedelta(days=1)


# What a vendor calls a delivered message (Slack: {"channel": id, "ts": ts}), kept on its row so that a
# message following it can link to it.
Reference = dict[str, str]
# The payload key under which the deliverer hands a following message what it follows (never stored).
PREVIOUS = "previous"


class OutboxState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


@dataclass(frozen=True)
class OutgoingMessage:
    """What to send, where, and the key that makes sending it twice impossible."""

    channel: str  # "log", "slack", "email", "webhook", "pagerduty", "github"
    destination: str  # a Slack channel, an address, a URL name
    payload: dict[str, Any]
    idempotency_key: str
    after: str | None = None  # the key of a message this one follows: sent only once that is delivered


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
    # Set while a worker hands the message to its vendor; still set afterwards means the outcome of
    # that attempt is unknown (the worker died, or the vendor's answer was lost).
    sending_at: datetime | None = None
    reference: Reference | None = None  # what the vendor called it once delivered (when it said)

    @property
    def in_doubt(self) -> bool:
        return self.state is OutboxState.PENDING and self.sending_at is not None


@dataclass(frozen=True)
class Previous:
    """The delivered message a following one links to: where it went, its key, what the vendor called it
    (None when unknown: its delivery was settled by a look after a lost answer) and when it was stored."""

    destination: str
    key: str
    reference: Reference | None
    since: datetime

    def as_payload(self) -> dict[str, Any]:
        return {
            "destination": self.destination,
            "key": self.key,
            "reference": self.reference,
            "since": self.since.isoformat(),
        }

    @classmethod
    def from_payload(cls, value: object) -> Previous | None:
        """What the deliverer handed over under PREVIOUS; None for anything else."""
        if not isinstance(value, dict):
            return None
        try:
            reference = value.get("reference")
            return cls(
                str(value["destination"]),
                str(value["key"]),
                {str(k): str(v) for k, v in reference.items()} if isinstance(reference, dict) else None,
                datetime.fromisoformat(str(value["since"])),
            )
        except (KeyError, ValueError):
            return None


@dataclass(frozen=True)
class Taken:
    """A row a worker holds to send now; `in_doubt_since` is when an earlier attempt whose outcome was lost
    began (None: no such attempt), read as the row stands when taken."""

    in_doubt_since: datetime | None


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, a vendor's Retry-After honoured up to `max_retry_after`,
    dead after `max_attempts`."""

    max_attempts: int = 8
    base: timedelta = timedelta(seconds=2)
    cap: timedelta = timedelta(minutes=10)
    # A vendor may ask for any wait; a page held back for hours is worse than a refused retry.
    max_retry_after: timedelta = timedelta(minutes=5)
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def next_attempt(
        self, attempts: int, now: datetime, retry_after: timedelta | None = None
    ) -> datetime | None:
        """When to try again after `attempts` failed tries; None when the row should be parked as dead."""
        if attempts >= self.max_attempts:
            return None
        ceiling = min(self.cap, self.base * (2 ** (min(attempts, 32) - 1)))
        delay = timedelta(seconds=self.rng.uniform(ceiling.total_seconds() / 2, ceiling.total_seconds()))
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.max_retry_after))
        return now + delay


def retry_after(value: object, now: datetime) -> timedelta | None:
    """A `Retry-After` header (RFC 9110: seconds, or an HTTP date) as a wait; None when absent or unreadable.

    Whatever a vendor sends (negative, huge, a date in the past or far away), the answer is between zero
    and RETRY_AFTER_CEILING, so nothing downstream can overflow.
    """
    text = str(value or "").strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        digits = text.lstrip("0") or "0"
        ceiling = int(RETRY_AFTER_CEILING.total_seconds())
        return timedelta(seconds=ceiling if len(digits) > 9 else min(int(digits), ceiling))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return None
    return min(max(when - now, timedelta(0)), RETRY_AFTER_CEILING)


class Arrival(StrEnum):
    """What a channel can tell of an attempt whose outcome was lost."""

    ARRIVED = "arrived"  # the vendor has the message: record it as delivered, send nothing
    SEND = "send"  # it did not arrive, or the vendor folds a repeat (a dedup key): send it (again)
    UNKNOWN = "unknown"  # the channel cannot tell: a person must look before it is sent again


class DeliveryError(Exception):
    """A channel could not deliver a message.

    `retry_after` is the vendor's wish, `permanent` means stop trying, and `in_doubt` means the vendor
    may have acted on the message before the failure (a reply cut short, a timeout while waiting for
    the answer): the next attempt asks the channel first whether it arrived.
    """

    def __init__(
        self,
        reason: str,
        retry_after: timedelta | None = None,
        permanent: bool = False,
        *,
        in_doubt: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.permanent = permanent
        self.in_doubt = in_doubt
