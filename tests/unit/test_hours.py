"""The cover engine on the built-in policy: boundaries, DST Sundays, bank holidays, `until`, windows."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from opsdesk.domain.errors import InvalidPeriodError
from opsdesk.domain.hours import Cover, CoverEngine, DayKind
from opsdesk.domain.instants import parse_instant
from tests.builders import utc

LONDON = ZoneInfo("Europe/London")
S, OC, N = Cover.SUPPORT, Cover.ON_CALL, Cover.NONE
W, E, B = DayKind.WORKING_DAY, DayKind.WEEKEND, DayKind.BANK_HOLIDAY


def local_iso(instant: object) -> str:
    assert instant is not None
    return instant.astimezone(LONDON).isoformat()  # type: ignore[attr-defined]


# (when, as typed; cover; kind of day; holiday; until, in Europe/London with offset)
BOUNDARIES = [
    # A working day in winter (GMT) ...
    ("2026-12-01T06:59:59", N, W, None, "2026-12-01T07:00:00+00:00"),
    ("2026-12-01T07:00", OC, W, None, "2026-12-01T09:00:00+00:00"),
    ("2026-12-01T08:59:59", OC, W, None, "2026-12-01T09:00:00+00:00"),
    ("2026-12-01T09:00", S, W, None, "2026-12-01T16:00:00+00:00"),
    ("2026-12-01T15:59:59", S, W, None, "2026-12-01T16:00:00+00:00"),
    ("2026-12-01T16:00", OC, W, None, "2026-12-01T22:00:00+00:00"),
    ("2026-12-01T21:59:59", OC, W, None, "2026-12-01T22:00:00+00:00"),
    ("2026-12-01T22:00", N, W, None, "2026-12-02T07:00:00+00:00"),
    # ... and in summer (BST): the same wall-clock boundaries
    ("2026-06-02T06:59:59", N, W, None, "2026-06-02T07:00:00+01:00"),
    ("2026-06-02T07:00", OC, W, None, "2026-06-02T09:00:00+01:00"),
    ("2026-06-02T08:59:59", OC, W, None, "2026-06-02T09:00:00+01:00"),
    ("2026-06-02T09:00", S, W, None, "2026-06-02T16:00:00+01:00"),
    ("2026-06-02T15:59:59", S, W, None, "2026-06-02T16:00:00+01:00"),
    ("2026-06-02T16:00", OC, W, None, "2026-06-02T22:00:00+01:00"),
    ("2026-06-02T21:59:59", OC, W, None, "2026-06-02T22:00:00+01:00"),
    ("2026-06-02T22:00", N, W, None, "2026-06-03T07:00:00+01:00"),
    # A weekend: on-call all day 07:00-22:00, no support
    ("2026-06-06T06:59:59", N, E, None, "2026-06-06T07:00:00+01:00"),
    ("2026-06-06T07:00", OC, E, None, "2026-06-06T22:00:00+01:00"),
    ("2026-06-06T09:00", OC, E, None, "2026-06-06T22:00:00+01:00"),
    ("2026-06-06T15:59:59", OC, E, None, "2026-06-06T22:00:00+01:00"),
    ("2026-06-06T21:59:59", OC, E, None, "2026-06-06T22:00:00+01:00"),
    ("2026-06-06T22:00", N, E, None, "2026-06-07T07:00:00+01:00"),
    # Friday night runs to Saturday morning; Sunday night to Monday morning
    ("2026-06-05T22:00", N, W, None, "2026-06-06T07:00:00+01:00"),
    ("2026-06-07T23:30", N, E, None, "2026-06-08T07:00:00+01:00"),
]

DST_SUNDAYS = [
    # 2026-03-29: clocks go forward at 01:00 GMT; the day has 23 hours
    ("2026-03-29T00:30Z", N, E, None, "2026-03-29T07:00:00+01:00"),
    ("2026-03-29T01:00Z", N, E, None, "2026-03-29T07:00:00+01:00"),
    ("2026-03-29T05:59:59Z", N, E, None, "2026-03-29T07:00:00+01:00"),
    ("2026-03-29T06:00Z", OC, E, None, "2026-03-29T22:00:00+01:00"),
    ("2026-03-29T07:00", OC, E, None, "2026-03-29T22:00:00+01:00"),
    ("2026-03-29T20:59:59Z", OC, E, None, "2026-03-29T22:00:00+01:00"),
    ("2026-03-29T21:00Z", N, E, None, "2026-03-30T07:00:00+01:00"),
    ("2026-03-30T06:00Z", OC, W, None, "2026-03-30T09:00:00+01:00"),
    ("2026-03-30T07:59:59Z", OC, W, None, "2026-03-30T09:00:00+01:00"),
    ("2026-03-30T08:00Z", S, W, None, "2026-03-30T16:00:00+01:00"),
    # 2026-10-25: clocks go back at 01:00 GMT (02:00 BST); the day has 25 hours
    ("2026-10-24T21:00Z", N, E, None, "2026-10-25T07:00:00+00:00"),
    ("2026-10-25T01:30", N, E, None, "2026-10-25T07:00:00+00:00"),
    ("2026-10-25T06:59:59Z", N, E, None, "2026-10-25T07:00:00+00:00"),
    ("2026-10-25T07:00Z", OC, E, None, "2026-10-25T22:00:00+00:00"),
    ("2026-10-25T21:59:59Z", OC, E, None, "2026-10-25T22:00:00+00:00"),
    ("2026-10-25T22:00Z", N, E, None, "2026-10-26T07:00:00+00:00"),
    ("2026-10-26T09:00Z", S, W, None, "2026-10-26T16:00:00+00:00"),
    # 2027-03-28 and 2027-10-31
    ("2027-03-28T05:59:59Z", N, E, None, "2027-03-28T07:00:00+01:00"),
    ("2027-03-28T06:00Z", OC, E, None, "2027-03-28T22:00:00+01:00"),
    ("2027-03-28T21:00Z", N, E, None, "2027-03-29T07:00:00+01:00"),
    ("2027-10-30T21:00Z", N, E, None, "2027-10-31T07:00:00+00:00"),
    ("2027-10-31T06:59:59Z", N, E, None, "2027-10-31T07:00:00+00:00"),
    ("2027-10-31T07:00Z", OC, E, None, "2027-10-31T22:00:00+00:00"),
    ("2027-11-01T16:00Z", OC, W, None, "2027-11-01T22:00:00+00:00"),
]

BANK_HOLIDAYS = [
    # Substitute days: weekday bank holidays in place of ones that fell on a weekend
    ("2026-12-25T10:00", OC, B, "Christmas Day", "2026-12-25T22:00:00+00:00"),
    ("2026-12-26T10:00", OC, E, None, "2026-12-26T22:00:00+00:00"),
    ("2026-12-28T10:00", OC, B, "Boxing Day (substitute day)", "2026-12-28T22:00:00+00:00"),
    ("2026-12-28T06:59:59", N, B, "Boxing Day (substitute day)", "2026-12-28T07:00:00+00:00"),
    ("2026-12-29T09:00", S, W, None, "2026-12-29T16:00:00+00:00"),
    ("2027-12-25T12:00", OC, E, None, "2027-12-25T22:00:00+00:00"),
    ("2027-12-27T12:00", OC, B, "Christmas Day (substitute day)", "2027-12-27T22:00:00+00:00"),
    ("2027-12-28T12:00", OC, B, "Boxing Day (substitute day)", "2027-12-28T22:00:00+00:00"),
    ("2028-01-01T12:00", OC, E, None, "2028-01-01T22:00:00+00:00"),
    ("2028-01-03T12:00", OC, B, "New Year's Day (substitute day)", "2028-01-03T22:00:00+00:00"),
    ("2028-01-04T12:00", S, W, None, "2028-01-04T16:00:00+00:00"),
    # Easter: Good Friday and Easter Monday take weekend hours
    ("2026-04-03T12:00", OC, B, "Good Friday", "2026-04-03T22:00:00+01:00"),
    ("2026-04-06T09:00", OC, B, "Easter Monday", "2026-04-06T22:00:00+01:00"),
    ("2026-04-07T09:00", S, W, None, "2026-04-07T16:00:00+01:00"),
    ("2027-03-26T15:00", OC, B, "Good Friday", "2027-03-26T22:00:00+00:00"),
    ("2027-03-29T08:00", OC, B, "Easter Monday", "2027-03-29T22:00:00+01:00"),
    # Thursday before Good Friday: support ends at 16:00, then on-call right through the weekend's days
    ("2026-04-02T22:00", N, W, None, "2026-04-03T07:00:00+01:00"),
]


def check(
    engine: CoverEngine, when: str, cover: Cover, day: DayKind, holiday: str | None, until: str
) -> None:
    result = engine.cover_at(parse_instant(when, LONDON))
    assert (result.cover, result.day, result.holiday, local_iso(result.until)) == (cover, day, holiday, until)


@pytest.mark.parametrize(("when", "cover", "day", "holiday", "until"), BOUNDARIES)
def test_every_boundary_is_half_open(
    engine: CoverEngine, when: str, cover: Cover, day: DayKind, holiday: str | None, until: str
) -> None:
    check(engine, when, cover, day, holiday, until)


@pytest.mark.parametrize(("when", "cover", "day", "holiday", "until"), DST_SUNDAYS)
def test_both_dst_sundays(
    engine: CoverEngine, when: str, cover: Cover, day: DayKind, holiday: str | None, until: str
) -> None:
    check(engine, when, cover, day, holiday, until)


@pytest.mark.parametrize(("when", "cover", "day", "holiday", "until"), BANK_HOLIDAYS)
def test_bank_holidays_take_weekend_hours(
    engine: CoverEngine, when: str, cover: Cover, day: DayKind, holiday: str | None, until: str
) -> None:
    check(engine, when, cover, day, holiday, until)


@pytest.mark.parametrize(
    ("forms", "cover"),
    [
        (["2026-07-01T15:59:59", "2026-07-01T14:59:59Z", "2026-07-01T16:59:59+02:00"], S),
        (["2026-07-01T16:00", "2026-07-01T15:00:00Z", "2026-07-01T11:00-04:00"], OC),
        (["2026-01-15T22:00", "2026-01-15T22:00Z", "2026-01-16T03:30+05:30"], N),
        (["2026-10-25T01:30", "2026-10-25T00:30Z", "2026-10-25T01:30+01:00"], N),
    ],
)
def test_utc_offsets_and_wall_clock_name_the_same_instant(
    engine: CoverEngine, forms: list[str], cover: Cover
) -> None:
    results = {engine.cover_at(parse_instant(form, LONDON)) for form in forms}
    assert len(results) == 1
    assert results.pop().cover is cover


def test_the_autumn_hour_counts_its_length_twice(engine: CoverEngine) -> None:
    # Saturday 22:00 BST to Sunday 07:00 GMT: ten hours without cover, not nine.
    result = engine.cover_at(parse_instant("2026-10-24T22:00", LONDON))
    assert result.until is not None
    assert result.until - result.at == timedelta(hours=10)


def test_the_spring_night_is_an_hour_shorter(engine: CoverEngine) -> None:
    result = engine.cover_at(parse_instant("2026-03-28T22:00", LONDON))
    assert result.until is not None
    assert result.until - result.at == timedelta(hours=8)


def test_windows_of_a_working_day_and_a_bank_holiday(engine: CoverEngine) -> None:
    windows = engine.windows(utc("2026-12-24 00:00"), utc("2026-12-26 00:00"))
    listed = [(local_iso(w.start)[5:16], local_iso(w.end)[5:16], w.cover, w.day) for w in windows]
    assert listed == [
        ("12-24T00:00", "12-24T07:00", N, W),
        ("12-24T07:00", "12-24T09:00", OC, W),
        ("12-24T09:00", "12-24T16:00", S, W),
        ("12-24T16:00", "12-24T22:00", OC, W),
        ("12-24T22:00", "12-25T07:00", N, W),
        ("12-25T07:00", "12-25T22:00", OC, B),
        ("12-25T22:00", "12-26T00:00", N, B),
    ]
    assert windows[5].holiday == "Christmas Day"


def test_windows_are_clipped_to_the_period(engine: CoverEngine) -> None:
    windows = engine.windows(utc("2026-12-01 10:30"), utc("2026-12-01 16:15"))
    assert [(w.start, w.end, w.cover) for w in windows] == [
        (utc("2026-12-01 10:30"), utc("2026-12-01 16:00"), S),
        (utc("2026-12-01 16:00"), utc("2026-12-01 16:15"), OC),
    ]


def test_a_period_must_run_forwards(engine: CoverEngine) -> None:
    with pytest.raises(InvalidPeriodError, match="must end after it starts"):
        engine.windows(utc("2026-12-02 00:00"), utc("2026-12-01 00:00"))


def test_naive_instants_are_refused(engine: CoverEngine) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        engine.cover_at(utc("2026-12-01 10:00").replace(tzinfo=None))
