"""Hand-written fakes that implement our ports, for tests that need a fixed world."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from opsdesk.domain.outbox import Arrival


@dataclass
class FixedHolidays:
    """A bank-holiday calendar that knows only the days it is given."""

    days: dict[date, str] = field(default_factory=dict)

    def holiday_on(self, day: date) -> str | None:
        return self.days.get(day)


@dataclass
class FixedClock:
    instant: datetime

    def now(self) -> datetime:
        return self.instant


@dataclass(frozen=True)
class AcceptedThen:
    """A script entry: the vendor takes the message, then the answer fails (cut short, a timeout)."""

    failure: Exception


@dataclass
class ScriptedChannel:
    """A channel that fails as scripted (one entry per send: None delivers), and records what it sent.

    Asked whether a message arrived after a lost outcome, it answers from what it recorded, or `unknown`
    when it cannot look (`can_look=False`), as a channel without read access would.
    """

    script: list[object] = field(default_factory=list)
    sent: list[object] = field(default_factory=list)
    can_look: bool = True
    looked: list[object] = field(default_factory=list)

    def send(self, message: object) -> None:
        outcome = self.script.pop(0) if self.script else None
        if isinstance(outcome, AcceptedThen):
            self.sent.append(message)
            raise outcome.failure
        if isinstance(outcome, Exception):
            raise outcome
        self.sent.append(message)

    def arrival(self, message: object, since: datetime) -> Arrival:
        self.looked.append(message)
        if not self.can_look:
            return Arrival.UNKNOWN
        return Arrival.ARRIVED if message in self.sent else Arrival.SEND


@dataclass
class SteppingClock:
    """A clock that only moves when told to."""

    instant: datetime

    def now(self) -> datetime:
        return self.instant

    def advance(self, delta: timedelta) -> None:
        self.instant += delta
