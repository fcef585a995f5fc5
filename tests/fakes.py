"""Hand-written fakes that implement our ports, for tests that need a fixed world."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta


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


@dataclass
class ScriptedChannel:
    """A channel that fails as scripted (one entry per send: None delivers), and records what it sent."""

    script: list[object] = field(default_factory=list)
    sent: list[object] = field(default_factory=list)

    def send(self, message: object) -> None:
        outcome = self.script.pop(0) if self.script else None
        if isinstance(outcome, Exception):
            raise outcome
        self.sent.append(message)


@dataclass
class SteppingClock:
    """A clock that only moves when told to."""

    instant: datetime

    def now(self) -> datetime:
        return self.instant

    def advance(self, delta: timedelta) -> None:
        self.instant += delta
