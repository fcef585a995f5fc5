"""Hand-written fakes that implement our ports, for tests that need a fixed world."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


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
