"""Properties of the cover engine, for the built-in policy and for any policy another team might write."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from opsdesk.domain.hours import Cover, CoverEngine, CoverWindow, HoursPolicy, LocalWindow
from tests.fakes import FixedHolidays

ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Santiago",
    "UTC",
]
# Instants around both DST changes of 2026 and 2027 in the zones above, and plain days.
ANCHORS = [
    datetime(2026, 3, 28, tzinfo=UTC),
    datetime(2026, 10, 24, tzinfo=UTC),
    datetime(2027, 3, 27, tzinfo=UTC),
    datetime(2027, 10, 30, tzinfo=UTC),
    datetime(2026, 4, 4, tzinfo=UTC),
    datetime(2026, 9, 5, tzinfo=UTC),
    datetime(2026, 11, 1, tzinfo=UTC),
    datetime(2026, 12, 24, tzinfo=UTC),
]


@st.composite
def day_windows(draw: st.DrawFn) -> tuple[LocalWindow, ...]:
    boundaries = sorted(draw(st.sets(st.integers(0, 96).map(lambda q: q * 15), max_size=8)))
    windows = []
    for start, end in zip(boundaries[::2], boundaries[1::2], strict=False):
        windows.append(LocalWindow(start, end, draw(st.sampled_from([Cover.SUPPORT, Cover.ON_CALL]))))
    return tuple(windows)


@st.composite
def engines(draw: st.DrawFn) -> CoverEngine:
    policy = HoursPolicy(
        timezone=ZoneInfo(draw(st.sampled_from(ZONES))),
        working_day=draw(day_windows()),
        weekend=draw(day_windows()),
        bank_holiday=draw(day_windows()),
        working_weekdays=frozenset(draw(st.sets(st.integers(0, 6), min_size=1))),
    )
    holidays = {date(2026, 12, 25): "Christmas Day", date(2027, 3, 29): "Easter Monday"}
    return CoverEngine(policy, FixedHolidays(holidays))


instants = st.builds(
    lambda anchor, seconds: anchor + timedelta(seconds=seconds),
    st.sampled_from(ANCHORS),
    st.integers(-3 * 86400, 4 * 86400),
)


def assert_tiles(windows: list[CoverWindow], start: datetime, end: datetime) -> None:
    assert windows[0].start == start
    assert windows[-1].end == end
    for window in windows:
        assert window.start < window.end
    for before, after in itertools.pairwise(windows):
        assert before.end == after.start, "a gap or an overlap"
        assert before.cover is not after.cover, "equal neighbours must be one window"


@given(engines(), instants, st.integers(1, 6 * 86400))
def test_windows_tile_any_period_without_gap_or_overlap(
    engine: CoverEngine, start: datetime, length: int
) -> None:
    end = start + timedelta(seconds=length)
    assert_tiles(engine.windows(start, end), start, end)


@given(start=instants, length=st.integers(1, 40 * 86400))
def test_windows_tile_any_period_on_the_built_in_policy(
    start: datetime, length: int, engine: CoverEngine
) -> None:
    end = start + timedelta(seconds=length)
    assert_tiles(engine.windows(start, end), start, end)


def check_until(engine: CoverEngine, at: datetime) -> None:
    result = engine.cover_at(at)
    if result.until is None:
        assert {w.cover for w in engine.windows(at, at + timedelta(days=30))} == {result.cover}
        return
    assert result.until > at
    assert engine.cover_at(result.until).cover is not result.cover
    assert engine.cover_at(result.until - timedelta(microseconds=1)).cover is result.cover
    assert [w.cover for w in engine.windows(at, result.until)] == [result.cover]


@given(engines(), instants)
def test_until_is_exactly_where_the_cover_next_changes(engine: CoverEngine, at: datetime) -> None:
    check_until(engine, at)


@given(at=instants)
def test_until_on_the_built_in_policy(at: datetime, engine: CoverEngine) -> None:
    check_until(engine, at)


def assert_minutes_agree(engine: CoverEngine, start: datetime, end: datetime) -> int:
    windows = iter(engine.windows(start, end))
    window = next(windows)
    minute, count = start, 0
    while minute < end:
        while minute >= window.end:
            window = next(windows)
        assert engine.cover_at(minute).cover is window.cover, f"{minute.isoformat()}: {window}"
        count += 1
        minute += timedelta(minutes=1)
    return count


@settings(max_examples=30)
@given(engines(), st.sampled_from(ANCHORS))
def test_every_minute_agrees_with_the_windows_for_any_policy(engine: CoverEngine, anchor: datetime) -> None:
    assert assert_minutes_agree(engine, anchor - timedelta(days=1), anchor + timedelta(days=3)) == 4 * 1440


def test_every_minute_of_2026_agrees_with_the_window_listing(engine: CoverEngine) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = datetime(2027, 1, 1, tzinfo=UTC)
    assert assert_minutes_agree(engine, start, end) == 365 * 1440
