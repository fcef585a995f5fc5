"""Reports over held duty: hours per engineer, by role and kind of day (for on-call allowance claims)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from opsdesk.domain.hours import DayKind
from opsdesk.domain.rota import EngineerId, Role
from opsdesk.domain.shifts import Shift

COLUMNS = [(role, day) for role in (Role.PRIMARY, Role.SECONDARY) for day in DayKind]


@dataclass
class EngineerHours:
    engineer: EngineerId
    on_call: defaultdict[tuple[Role, DayKind], float] = field(default_factory=lambda: defaultdict(float))
    support_days: set[date] = field(default_factory=set)
    support_hours: float = 0.0

    def hours(self, role: Role, day: DayKind) -> float:
        return round(self.on_call[(role, day)], 2)

    def as_dict(self) -> dict[str, object]:
        row: dict[str, object] = {"engineer": self.engineer}
        for role, day in COLUMNS:
            row[f"{role}_{day}_hours".replace("-", "_")] = self.hours(role, day)
        row["support_days"] = len(self.support_days)
        row["support_hours"] = round(self.support_hours, 2)
        return row


def hours_report(shifts: list[Shift], engineers: list[EngineerId], tz: ZoneInfo) -> list[EngineerHours]:
    """One row per engineer (the team's order, then anyone else who held duty)."""
    rows: dict[EngineerId, EngineerHours] = {e: EngineerHours(e) for e in engineers}
    for shift in shifts:
        row = rows.setdefault(shift.engineer, EngineerHours(shift.engineer))
        if shift.role is Role.SUPPORT:
            row.support_hours += shift.hours
            row.support_days.add(shift.start.astimezone(tz).date())
        else:
            row.on_call[(shift.role, shift.day)] += shift.hours
    return list(rows.values())
