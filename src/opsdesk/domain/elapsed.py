"""The cover clock: how much of one cover a period holds, and when an amount of it will have passed."""

from __future__ import annotations

from datetime import datetime, timedelta

from opsdesk.domain.errors import InvalidPeriodError
from opsdesk.domain.hours import ONE_DAY, UNTIL_HORIZON_DAYS, Cover, CoverEngine

ZERO = timedelta(0)


def elapsed(engine: CoverEngine, start: datetime, end: datetime, cover: Cover = Cover.SUPPORT) -> timedelta:
    """The time in [start, end) during which the team offered `cover`: exact across clock changes and
    bank holidays. An empty period holds none; one that runs backwards is an InvalidPeriodError."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("the cover clock takes timezone-aware instants only")
    if end < start:
        raise InvalidPeriodError(
            f"the period must not end before it starts (from {start.isoformat()} to {end.isoformat()})"
        )
    total = ZERO
    if end == start:
        return total
    day, _ = engine.locate(start)
    while day.start < end:
        whole = start <= day.start and day.end <= end
        for segment in day.segments:
            if segment.cover is not cover:
                continue
            if whole:
                total += segment.end - segment.start
            else:
                lo, hi = max(segment.start, start), min(segment.end, end)
                if lo < hi:
                    total += hi - lo
        day = engine.day(day.date + ONE_DAY)
    return total


def add_elapsed(
    engine: CoverEngine, start: datetime, amount: timedelta, cover: Cover = Cover.SUPPORT
) -> datetime | None:
    """The first instant at which `amount` of `cover` has passed since `start` (a target's due instant:
    one support hour from Friday 15:30 is Monday 09:30). `start` itself for no time at all; None when the
    team stops offering `cover` for longer than the engine's horizon (a policy without it)."""
    if amount < ZERO:
        raise ValueError(f"an amount of cover time cannot be negative (got {amount})")
    day, index = engine.locate(start)
    if amount == ZERO:
        return start
    remaining = amount
    days_without = 0
    while days_without <= UNTIL_HORIZON_DAYS:
        offered = False
        for segment in day.segments[index:]:
            if segment.cover is not cover:
                continue
            lo = max(segment.start, start)
            length = segment.end - lo
            offered = True
            if remaining <= length:
                return lo + remaining
            remaining -= length
        days_without = 0 if offered else days_without + 1
        day, index = engine.day(day.date + ONE_DAY), 0
    return None
