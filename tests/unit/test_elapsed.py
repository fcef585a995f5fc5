"""The cover clock on the built-in policy, worked out by hand: weekends, bank holidays, both DST Sundays."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from opsdesk.domain.elapsed import add_elapsed, elapsed
from opsdesk.domain.errors import InvalidPeriodError
from opsdesk.domain.hours import Cover, CoverEngine, HoursPolicy, LocalWindow
from opsdesk.domain.instants import parse_instant
from tests.fakes import FixedHolidays

LONDON = ZoneInfo("Europe/London")
S, OC, N = Cover.SUPPORT, Cover.ON_CALL, Cover.NONE


def hm(hours: int, minutes: int = 0) -> timedelta:
    return timedelta(hours=hours, minutes=minutes)


# The built-in hours: a working day is none 00-07, on-call 07-09, support 09-16, on-call 16-22, none 22-24;
# a weekend day and a bank holiday are none 00-07, on-call 07-22, none 22-24 (wall-clock, Europe/London).
# (from, to, support, on-call, none): the three always add up to the wall-clock duration.
CASES = [
    # A weekend: a request at 15:55 on a Friday triaged at 09:10 on Monday waited 15 minutes.
    ("2026-12-04T15:55", "2026-12-07T09:10", hm(0, 15), hm(6 + 15 + 15 + 2), hm(2 + 9 + 9 + 7)),
    # The late-May bank holiday (Monday 31 May 2027) has no support hours: Friday 15-16, Tuesday 09-10.
    ("2027-05-28T15:00", "2027-06-01T10:00", hm(2), hm(6 + 15 * 3 + 2), hm(2 + 9 * 3 + 7)),
    # Easter 2027 around the spring change (Sunday 28 March, 01:00 GMT -> 02:00 BST): Good Friday and
    # Easter Monday are bank holidays, and Sunday's night before 07:00 is six hours long, not seven.
    ("2027-03-25T12:00", "2027-03-30T12:00", hm(4 + 3), hm(6 + 15 * 4 + 2), hm(2 + 9 + 9 + 8 + 9 + 7)),
    # The autumn change (Sunday 31 October 2027, 02:00 BST -> 01:00 GMT): Sunday's night is eight hours.
    ("2027-10-29T15:00", "2027-11-01T10:00", hm(2), hm(6 + 15 + 15 + 2), hm(2 + 9 + 10 + 7)),
    ("2027-10-30T21:00", "2027-10-31T08:00", hm(0), hm(2), hm(10)),
    ("2027-03-27T22:00", "2027-03-28T07:00", hm(0), hm(0), hm(8)),
    # Christmas 2027 falls at a weekend: Monday 27 and Tuesday 28 are the substitute bank holidays.
    ("2027-12-24T15:00", "2027-12-29T10:00", hm(2), hm(6 + 15 * 4 + 2), hm(2 + 9 * 4 + 7)),
    # Opened outside support hours: nothing counts until 09:00.
    ("2026-12-01T20:00", "2026-12-02T11:30", hm(2, 30), hm(4), hm(9)),
    ("2026-12-05T10:00", "2026-12-06T18:00", hm(0), hm(12 + 11), hm(9)),
    # Within one window, to the second; with offsets that name the same instants.
    ("2026-07-01T10:00:30", "2026-07-01T10:00:45", timedelta(seconds=15), hm(0), hm(0)),
    ("2026-07-01T08:00Z", "2026-07-01T15:00:00Z", hm(7), hm(0), hm(0)),
    # An empty period holds no time of any cover.
    ("2026-12-04T15:55", "2026-12-04T15:55", hm(0), hm(0), hm(0)),
]


@pytest.mark.parametrize(("start", "end", "support", "on_call", "none"), CASES)
def test_hand_worked_periods(
    engine: CoverEngine, start: str, end: str, support: timedelta, on_call: timedelta, none: timedelta
) -> None:
    a, b = parse_instant(start, LONDON), parse_instant(end, LONDON)
    got = (elapsed(engine, a, b), elapsed(engine, a, b, OC), elapsed(engine, a, b, N))
    assert got == (support, on_call, none)
    assert support + on_call + none == b - a


def test_a_period_that_runs_backwards_is_refused(engine: CoverEngine) -> None:
    with pytest.raises(InvalidPeriodError, match="must not end before it starts"):
        elapsed(engine, parse_instant("2026-12-02T10:00", LONDON), parse_instant("2026-12-02T09:59", LONDON))


def test_naive_instants_are_refused(engine: CoverEngine) -> None:
    start = parse_instant("2026-12-02T10:00", LONDON)
    with pytest.raises(ValueError, match="timezone-aware"):
        elapsed(engine, start, start.replace(tzinfo=None) + timedelta(hours=1))


# (from, amount, cover, the due instant): the first instant at which that much has passed.
DUE = [
    # One support hour from Friday 15:30 is Monday 09:30.
    ("2026-12-04T15:30", hm(1), S, "2026-12-07T09:30"),
    # Exactly to the end of a window: that end, not the start of the next window.
    ("2026-12-04T15:00", hm(1), S, "2026-12-04T16:00"),
    ("2026-12-07T09:00", hm(7), S, "2026-12-07T16:00"),
    ("2026-12-07T09:00", hm(7, 1), S, "2026-12-08T09:01"),
    # Opened on a Saturday: Monday's support hours.
    ("2026-12-05T11:00", hm(1), S, "2026-12-07T10:00"),
    # Easter 2027 and the spring change in between: Tuesday 09:30 BST.
    ("2027-03-25T15:30", hm(1), S, "2027-03-30T09:30"),
    ("2027-05-28T15:45", hm(0, 30), S, "2027-06-01T09:15"),
    ("2027-10-29T15:30", hm(1), S, "2027-11-01T09:30"),
    # On-call from Friday 21:30: half an hour on Friday, half an hour from Saturday 07:00.
    ("2026-12-04T21:30", hm(1), OC, "2026-12-05T07:30"),
    # No cover across the autumn night: Saturday 22:00 BST plus ten hours is Sunday 07:00 GMT.
    ("2027-10-30T22:00", hm(10), N, "2027-10-31T07:00"),
    # No time at all is due at once, in hours or not.
    ("2026-12-05T11:00", hm(0), S, "2026-12-05T11:00"),
]


@pytest.mark.parametrize(("start", "amount", "cover", "due"), DUE)
def test_when_an_amount_of_cover_has_passed(
    engine: CoverEngine, start: str, amount: timedelta, cover: Cover, due: str
) -> None:
    a = parse_instant(start, LONDON)
    got = add_elapsed(engine, a, amount, cover)
    assert got == parse_instant(due, LONDON)
    assert elapsed(engine, a, got, cover) == amount


def test_a_cover_the_policy_never_offers_is_never_due() -> None:
    policy = HoursPolicy(
        timezone=LONDON,
        working_day=(LocalWindow.parse("08:00-20:00", Cover.ON_CALL),),
        weekend=(),
        bank_holiday=(),
    )
    engine = CoverEngine(policy, FixedHolidays())
    start = parse_instant("2026-12-04T15:30", LONDON)
    assert add_elapsed(engine, start, hm(1), S) is None
    assert add_elapsed(engine, start, hm(1), OC) == parse_instant("2026-12-04T16:30", LONDON)
    assert elapsed(engine, start, start + timedelta(days=365)) == timedelta(0)


def test_a_negative_amount_is_refused(engine: CoverEngine) -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        add_elapsed(engine, parse_instant("2026-12-04T15:30", LONDON), -hm(1))
