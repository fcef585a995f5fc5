"""The cover engine: which cover the team offers at an instant, and the cover windows of a period."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from opsdesk.domain.errors import InvalidPeriodError
from opsdesk.domain.instants import local_midnight, wall_to_utc

MINUTES_PER_DAY = 24 * 60
# How far ahead `until` looks for a change of cover before it gives up (a policy with one cover forever).
UNTIL_HORIZON_DAYS = 400


class Cover(StrEnum):
    SUPPORT = "support"
    ON_CALL = "on-call"
    NONE = "none"


class DayKind(StrEnum):
    WORKING_DAY = "working-day"
    WEEKEND = "weekend"
    BANK_HOLIDAY = "bank-holiday"


def format_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True, order=True)
class LocalWindow:
    """A window of one cover within a day, in wall-clock minutes since local midnight: [start, end)."""

    start: int
    end: int
    cover: Cover

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= MINUTES_PER_DAY:
            raise ValueError(f"window {self} must satisfy 00:00 <= start < end <= 24:00")

    def __str__(self) -> str:
        return f"{self.cover} {format_minute(self.start)}-{format_minute(self.end)}"

    @classmethod
    def parse(cls, text: str, cover: Cover) -> LocalWindow:
        """Read "HH:MM-HH:MM" (24:00 allowed as an end); ValueError says what is expected."""
        expected = 'expected "HH:MM-HH:MM" with the start before the end, e.g. "09:00-16:00" (24:00 ends a day)'
        start_text, dash, end_text = text.strip().partition("-")
        if not dash:
            raise ValueError(expected)
        start, end = _parse_minute(start_text), _parse_minute(end_text)
        if start is None or end is None or start >= end or start == MINUTES_PER_DAY:
            raise ValueError(expected)
        return cls(start, end, cover)


def _parse_minute(text: str) -> int | None:
    hours, colon, minutes = text.strip().partition(":")
    if not colon or len(hours) != 2 or len(minutes) != 2 or not (hours + minutes).isdigit():
        return None
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > MINUTES_PER_DAY:
        return None
    return value


def overlapping_pairs(windows: tuple[LocalWindow, ...]) -> list[tuple[LocalWindow, LocalWindow]]:
    """Pairs of windows of one day that overlap (touching at a boundary is not overlapping)."""
    ordered = sorted(windows)
    return [
        (a, b)
        for i, a in enumerate(ordered)
        for b in ordered[i + 1 :]
        if b.start < a.end
    ]


@dataclass(frozen=True)
class HoursPolicy:
    """The hours per kind of day, in one time zone. Time outside every window has no cover."""

    timezone: ZoneInfo
    working_day: tuple[LocalWindow, ...]
    weekend: tuple[LocalWindow, ...]
    bank_holiday: tuple[LocalWindow, ...]
    working_weekdays: frozenset[int] = frozenset(range(5))  # Monday=0 .. Friday=4

    def __post_init__(self) -> None:
        for kind in DayKind:
            if overlapping_pairs(self.windows_for(kind)):
                raise ValueError(f"{kind} windows overlap")

    def windows_for(self, kind: DayKind) -> tuple[LocalWindow, ...]:
        if kind is DayKind.WORKING_DAY:
            return self.working_day
        if kind is DayKind.WEEKEND:
            return self.weekend
        return self.bank_holiday


class BankHolidayCalendar(Protocol):
    """Which days are bank holidays, by name."""

    def holiday_on(self, day: date) -> str | None: ...


@dataclass(frozen=True)
class Segment:
    start: datetime
    end: datetime
    cover: Cover


@dataclass(frozen=True)
class Day:
    """One local day resolved to UTC: its kind and its segments, which tile the day exactly."""

    date: date
    kind: DayKind
    holiday: str | None
    segments: tuple[Segment, ...]
    starts: tuple[datetime, ...] = field(repr=False)


@dataclass(frozen=True)
class CoverAt:
    """The cover at one instant, and the instant it ends (None if it never changes within the horizon)."""

    at: datetime
    cover: Cover
    day: DayKind
    holiday: str | None
    until: datetime | None


@dataclass(frozen=True)
class CoverWindow:
    """A maximal stretch of one cover; `day` and `holiday` describe the local day it starts on."""

    start: datetime
    end: datetime
    cover: Cover
    day: DayKind
    holiday: str | None


def _day_segments(
    day: date, windows: tuple[LocalWindow, ...], tz: ZoneInfo
) -> tuple[Segment, ...]:
    pieces: list[tuple[int, int, Cover]] = []
    cursor = 0
    for window in sorted(windows):
        if window.start > cursor:
            pieces.append((cursor, window.start, Cover.NONE))
        pieces.append((window.start, window.end, window.cover))
        cursor = window.end
    if cursor < MINUTES_PER_DAY:
        pieces.append((cursor, MINUTES_PER_DAY, Cover.NONE))

    def instant(minute: int) -> datetime:
        if minute == MINUTES_PER_DAY:
            return local_midnight(day + timedelta(days=1), tz)
        return wall_to_utc(datetime.combine(day, time(minute // 60, minute % 60)), tz)

    segments: list[Segment] = []
    for start_minute, end_minute, cover in pieces:
        start, end = instant(start_minute), instant(end_minute)
        if start >= end:  # swallowed by a spring-forward gap
            continue
        if segments and segments[-1].cover is cover:
            segments[-1] = Segment(segments[-1].start, end, cover)
        else:
            segments.append(Segment(start, end, cover))
    return tuple(segments)


class CoverEngine:
    """Answers cover questions for any instant; remembers the days it has worked out."""

    def __init__(self, policy: HoursPolicy, holidays: BankHolidayCalendar) -> None:
        self.policy = policy
        self._holidays = holidays
        self._days: dict[date, Day] = {}
        self._run_ends: dict[tuple[date, int], datetime | None] = {}

    @property
    def timezone(self) -> ZoneInfo:
        return self.policy.timezone

    def kind_of_day(self, day: date) -> tuple[DayKind, str | None]:
        holiday = self._holidays.holiday_on(day)
        if holiday is not None:
            return DayKind.BANK_HOLIDAY, holiday
        if day.weekday() in self.policy.working_weekdays:
            return DayKind.WORKING_DAY, None
        return DayKind.WEEKEND, None

    def day(self, day: date) -> Day:
        resolved = self._days.get(day)
        if resolved is None:
            kind, holiday = self.kind_of_day(day)
            segments = _day_segments(day, self.policy.windows_for(kind), self.policy.timezone)
            resolved = Day(day, kind, holiday, segments, tuple(s.start for s in segments))
            self._days[day] = resolved
        return resolved

    def _locate(self, at: datetime) -> tuple[Day, int]:
        if at.tzinfo is None:
            raise ValueError("the cover engine takes timezone-aware instants only")
        day = self.day(at.astimezone(self.policy.timezone).date())
        return day, bisect_right(day.starts, at) - 1

    def cover_at(self, at: datetime) -> CoverAt:
        day, index = self._locate(at)
        return CoverAt(
            at=at,
            cover=day.segments[index].cover,
            day=day.kind,
            holiday=day.holiday,
            until=self._run_end(day, index),
        )

    def _run_end(self, day: Day, index: int) -> datetime | None:
        key = (day.date, index)
        if key in self._run_ends:
            return self._run_ends[key]
        cover = day.segments[index].cover
        result: datetime | None = None
        current, position = day, index + 1
        for _ in range(UNTIL_HORIZON_DAYS):
            for segment in current.segments[position:]:
                if segment.cover is not cover:
                    result = segment.start
                    break
            if result is not None:
                break
            current, position = self.day(current.date + timedelta(days=1)), 0
        self._run_ends[key] = result
        return result

    def windows(self, start: datetime, end: datetime) -> list[CoverWindow]:
        """The cover windows that tile [start, end), clipped to it, adjacent equal covers merged."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("the cover engine takes timezone-aware instants only")
        if end <= start:
            raise InvalidPeriodError(
                f"the period must end after it starts (from {start.isoformat()} to {end.isoformat()})"
            )
        result: list[CoverWindow] = []
        day, _ = self._locate(start)
        while day.segments[0].start < end:
            for segment in day.segments:
                lo, hi = max(segment.start, start), min(segment.end, end)
                if lo >= hi:
                    continue
                if result and result[-1].cover is segment.cover:
                    previous = result[-1]
                    result[-1] = CoverWindow(
                        previous.start, hi, previous.cover, previous.day, previous.holiday
                    )
                else:
                    result.append(CoverWindow(lo, hi, segment.cover, day.kind, day.holiday))
            day = self.day(day.date + timedelta(days=1))
        return result

