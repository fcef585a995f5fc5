"""The cover engine: which cover the team offers at an instant, and the cover windows of a period."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple, Protocol
from zoneinfo import ZoneInfo

from opsdesk.domain.errors import InvalidPeriodError
from opsdesk.domain.instants import local_midnight, wall_to_utc

MINUTES_PER_DAY = 24 * 60
ONE_DAY = timedelta(days=1)
_MINUTES = tuple(timedelta(minutes=m) for m in range(MINUTES_PER_DAY + 1))
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
        expected = (
            'expected "HH:MM-HH:MM" with the start before the end, e.g. "09:00-16:00" (24:00 ends a day)'
        )
        start_text, dash, end_text = text.strip().partition("-")
        if not dash:
            raise ValueError(expected)
        start, end = parse_clock(start_text), parse_clock(end_text)
        if start is None or end is None or start >= end or start == MINUTES_PER_DAY:
            raise ValueError(expected)
        return cls(start, end, cover)


def parse_clock(text: str) -> int | None:
    """Minutes past midnight for "HH:MM" (00:00 to 24:00), or None if the text is not such a time."""
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
    return [(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :] if b.start < a.end]


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


class Segment(NamedTuple):
    """One cover over [start, end) within a day. A named tuple: days are built by the thousand."""

    start: datetime
    end: datetime
    cover: Cover


@dataclass(frozen=True, eq=False)
class Day:
    """One local day resolved to UTC: its kind and its segments, which tile [start, end) exactly.

    Compared and hashed by identity: the engine makes one per date, and callers key caches on it.
    """

    date: date
    kind: DayKind
    holiday: str | None
    segments: tuple[Segment, ...]
    starts: tuple[datetime, ...] = field(repr=False)
    start: datetime = field(repr=False)
    end: datetime = field(repr=False)
    # The UTC offset when it is the same all day (every day but the DST Sundays), and its ISO text.
    offset: timedelta | None = field(repr=False)
    offset_text: str = field(repr=False)
    # The wall-clock time (naive) at which the day starts: midnight, unless the clocks skipped it.
    wall_start: datetime = field(repr=False)


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


Piece = tuple[int, int, Cover]  # [start minute, end minute) of one cover within a day


def _pieces(windows: tuple[LocalWindow, ...]) -> tuple[Piece, ...]:
    """The windows of a kind of day with the gaps filled by `none`, touching equal covers merged."""
    pieces: list[Piece] = []

    def add(start: int, end: int, cover: Cover) -> None:
        if pieces and pieces[-1][2] is cover and pieces[-1][1] == start:
            pieces[-1] = (pieces[-1][0], end, cover)
        else:
            pieces.append((start, end, cover))

    cursor = 0
    for window in sorted(windows):
        if window.start > cursor:
            add(cursor, window.start, Cover.NONE)
        add(window.start, window.end, window.cover)
        cursor = window.end
    if cursor < MINUTES_PER_DAY:
        add(cursor, MINUTES_PER_DAY, Cover.NONE)
    return tuple(pieces)


@lru_cache(maxsize=64)
def _offset_text(offset: timedelta) -> str:
    """An offset as datetime.isoformat writes it: +01:00, -04:30, +05:45:30."""
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")


def _segments_across_a_change(
    day: date, pieces: tuple[Piece, ...], tz: ZoneInfo, end: datetime
) -> list[Segment]:
    """Segments of a day on which the clocks change: each boundary mapped through the zone."""

    def instant(minute: int) -> datetime:
        if minute == MINUTES_PER_DAY:
            return end
        return wall_to_utc(datetime.combine(day, time(minute // 60, minute % 60)), tz)

    segments: list[Segment] = []
    for start_minute, end_minute, cover in pieces:
        lo, hi = instant(start_minute), instant(end_minute)
        if lo >= hi:  # swallowed by a spring-forward gap
            continue
        if segments and segments[-1].cover is cover:
            segments[-1] = Segment(segments[-1].start, hi, cover)
        else:
            segments.append(Segment(lo, hi, cover))
    return segments


def _resolve_day(
    day: date, kind: DayKind, holiday: str | None, pieces: tuple[Piece, ...], tz: ZoneInfo
) -> Day:
    start = local_midnight(day, tz)
    end = local_midnight(day + timedelta(days=1), tz)
    wall_start = start.astimezone(tz)
    offset = wall_start.utcoffset()
    if offset != (end - timedelta(microseconds=1)).astimezone(tz).utcoffset():
        offset = None
    if offset is not None and end - start == ONE_DAY:
        # One offset all day (every day but the DST Sundays): plain arithmetic from midnight.
        segments = [Segment(start + _MINUTES[a], start + _MINUTES[b], cover) for a, b, cover in pieces]
    else:
        offset = None
        segments = _segments_across_a_change(day, pieces, tz, end)
    return Day(
        date=day,
        kind=kind,
        holiday=holiday,
        segments=tuple(segments),
        starts=tuple(segment.start for segment in segments),
        start=start,
        end=end,
        offset=offset,
        offset_text=_offset_text(offset) if offset is not None else "",
        wall_start=wall_start.replace(tzinfo=None),
    )


class CoverEngine:
    """Answers cover questions for any instant; remembers the days it has worked out."""

    def __init__(self, policy: HoursPolicy, holidays: BankHolidayCalendar) -> None:
        self.policy = policy
        self._holidays = holidays
        self._days: dict[date, Day] = {}
        self._run_ends: dict[tuple[date, int], datetime | None] = {}
        self._offset_guess = timedelta(0)
        self._pieces = {kind: _pieces(policy.windows_for(kind)) for kind in DayKind}

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

    def is_working_day(self, day: date) -> bool:
        return self.kind_of_day(day)[0] is DayKind.WORKING_DAY

    def day(self, day: date) -> Day:
        resolved = self._days.get(day)
        if resolved is None:
            kind, holiday = self.kind_of_day(day)
            resolved = _resolve_day(day, kind, holiday, self._pieces[kind], self.policy.timezone)
            self._days[day] = resolved
        return resolved

    def locate(self, at: datetime) -> tuple[Day, int]:
        """The local day holding `at`, and the index of its segment that holds `at`."""
        if at.tzinfo is None:
            raise ValueError("the cover engine takes timezone-aware instants only")
        # Guess the day with the last offset seen (right almost always), verify, else ask the zone.
        day = self._days.get((at + self._offset_guess).date())
        if day is None or not day.start <= at < day.end:
            local_date = at.astimezone(self.policy.timezone).date()
            day = self._days.get(local_date) or self.day(local_date)
            if day.offset is not None:
                self._offset_guess = day.offset
        return day, bisect_right(day.starts, at) - 1

    def local_text(self, at: datetime, day: Day) -> str:
        """`at` as ISO 8601 wall-clock time with its offset in the policy's zone (best if `day` holds it)."""
        if day.offset is None or not day.start <= at < day.end:
            return at.astimezone(self.policy.timezone).isoformat()
        return (day.wall_start + (at - day.start)).isoformat() + day.offset_text

    def cover_at(self, at: datetime) -> CoverAt:
        day, index = self.locate(at)
        return CoverAt(
            at=at,
            cover=day.segments[index].cover,
            day=day.kind,
            holiday=day.holiday,
            until=self.run_end(day, index),
        )

    def run_end(self, day: Day, index: int) -> datetime | None:
        """When the cover of segment `index` of `day` next changes (None: not within the horizon)."""
        if index + 1 < len(day.segments):
            return day.segments[index + 1].start  # neighbours within a day always differ
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
        day, _ = self.locate(start)
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
