"""Duty as it really falls: the stretches in which each role is held, cut by cover, days and changes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from opsdesk.domain.hours import Cover, CoverEngine, DayKind
from opsdesk.domain.instants import local_midnight
from opsdesk.domain.rota import ON_CALL_ROLES, WEEK, EngineerId, Holding, Role, Rota, holding


@dataclass(frozen=True)
class DutyInterval:
    """A stretch within one cover window and one local day over which every holding is the same."""

    start: datetime
    end: datetime
    cover: Cover
    day: DayKind
    holdings: dict[Role, Holding]


@dataclass(frozen=True)
class Shift:
    """One engineer in one role over [start, end), on one kind of day."""

    engineer: EngineerId
    role: Role
    start: datetime
    end: datetime
    day: DayKind

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


def _change_points(rota: Rota, tz: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    points = {start, end}
    day = start.astimezone(tz).date()
    while (midnight := local_midnight(day, tz)) < end:
        points.add(midnight)
        day += timedelta(days=1)
    week = rota.turn.week_at(start, tz)
    while (turn := rota.turn.start(week, tz)) < end:
        points.add(turn)
        week += WEEK
    for override in rota.overrides:
        points.update({override.start, override.end})
    return sorted(p for p in points if start <= p <= end)


def duty_intervals(rota: Rota, engine: CoverEngine, start: datetime, end: datetime) -> Iterator[DutyInterval]:
    """Every stretch of support or on-call cover in [start, end), with who holds its roles."""
    tz = engine.timezone
    for window in engine.windows(start, end):
        if window.cover is Cover.NONE:
            continue
        roles = (Role.SUPPORT,) if window.cover is Cover.SUPPORT else ON_CALL_ROLES
        for a, b in pairwise(_change_points(rota, tz, window.start, window.end)):
            kind = engine.day(a.astimezone(tz).date()).kind
            yield DutyInterval(a, b, window.cover, kind, {role: holding(rota, role, a, tz) for role in roles})


def shifts(rota: Rota, engine: CoverEngine, start: datetime, end: datetime) -> list[Shift]:
    """Held duty as shifts: contiguous stretches of one engineer in one role on one kind of day."""
    result: list[Shift] = []
    open_: dict[Role, Shift] = {}
    for interval in duty_intervals(rota, engine, start, end):
        for role, held in interval.holdings.items():
            if held.engineer is None:
                continue
            previous = open_.get(role)
            if (
                previous is not None
                and previous.engineer == held.engineer
                and previous.end == interval.start
                and previous.day is interval.day
            ):
                open_[role] = Shift(held.engineer, role, previous.start, interval.end, interval.day)
                continue
            if previous is not None:
                result.append(previous)
            open_[role] = Shift(held.engineer, role, interval.start, interval.end, interval.day)
    result.extend(open_.values())
    return sorted(result, key=lambda s: (s.start, s.role))
