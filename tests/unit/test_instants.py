"""Reading instants as people type them, and mapping wall-clock times across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from opsdesk.domain.errors import InvalidInstantError
from opsdesk.domain.instants import local_midnight, parse_instant, parse_period_bound, wall_to_utc
from tests.builders import utc

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-24T16:00", "2026-12-24 16:00"),
        ("2026-06-24T16:00", "2026-06-24 15:00"),
        ("2026-06-24T16:00Z", "2026-06-24 16:00"),
        ("2026-06-24T16:00:00+02:00", "2026-06-24 14:00"),
        ("2026-06-24 16:00", "2026-06-24 15:00"),
        ("  2026-06-24T16:00Z  ", "2026-06-24 16:00"),
        ("2026-06-24", "2026-06-23 23:00"),
        ("20260624T160000Z", "2026-06-24 16:00"),
        # the autumn hour happens twice: the first occurrence (BST) is meant
        ("2026-10-25T01:30", "2026-10-25 00:30"),
        ("2027-10-31T01:00", "2027-10-31 00:00"),
    ],
)
def test_instants_are_read_in_the_policy_time_zone_unless_an_offset_is_given(
    text: str, expected: str
) -> None:
    assert parse_instant(text, LONDON) == utc(expected)


@pytest.mark.parametrize("text", ["2026-03-29T01:00", "2026-03-29T01:30", "2027-03-28T01:59:59"])
def test_a_wall_clock_time_in_the_spring_gap_is_an_error_that_says_so(text: str) -> None:
    with pytest.raises(InvalidInstantError, match="does not exist in Europe/London") as caught:
        parse_instant(text, LONDON)
    assert caught.value.value == text


def test_the_same_time_with_an_offset_is_fine() -> None:
    assert parse_instant("2026-03-29T01:30+00:00", LONDON) == utc("2026-03-29 01:30")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("tomorrow", "not an ISO 8601"),
        ("2026-02-30T10:00", "not an ISO 8601"),
        ("2026-12-24T25:00", "not an ISO 8601"),
        ("1066-10-14T10:00Z", "outside the years"),
        ("9999-12-31T23:00", "outside the years"),
    ],
)
def test_unreadable_instants_say_what_is_expected(text: str, reason: str) -> None:
    with pytest.raises(InvalidInstantError, match=reason):
        parse_instant(text, LONDON)


def test_wall_to_utc_moves_a_time_in_the_gap_to_the_moment_the_clocks_jump() -> None:
    assert wall_to_utc(datetime(2026, 3, 29, 1, 30), LONDON) == utc("2026-03-29 01:00")
    assert wall_to_utc(datetime(2026, 3, 29, 2, 0), LONDON) == utc("2026-03-29 01:00")
    assert wall_to_utc(datetime(2026, 10, 25, 1, 30), LONDON) == utc("2026-10-25 00:30")


def test_midnight_where_the_clocks_skip_midnight() -> None:
    # Chile's spring change skips 00:00-01:00: the day starts at 01:00 local.
    santiago = ZoneInfo("America/Santiago")
    start = local_midnight(date(2026, 9, 6), santiago)
    assert start.astimezone(santiago).hour == 1
    assert start == datetime(2026, 9, 6, 4, 0, tzinfo=UTC)


def test_a_period_given_as_dates_covers_the_whole_last_day() -> None:
    assert parse_period_bound("2026-12-24", LONDON, end=False) == utc("2026-12-24 00:00")
    assert parse_period_bound("2026-12-24", LONDON, end=True) == utc("2026-12-25 00:00")
    assert parse_period_bound("2026-06-24T12:00", LONDON, end=True) == utc("2026-06-24 11:00")
    with pytest.raises(InvalidInstantError, match="outside the years"):
        parse_period_bound("2300-01-01", LONDON, end=False)


def test_a_span_across_the_clock_change_names_each_ends_offset() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from opsdesk.domain.instants import span_text

    london = ZoneInfo("Europe/London")
    start = datetime(2027, 3, 28, 0, 30, tzinfo=UTC).astimezone(london)  # 00:30 GMT
    end = datetime(2027, 3, 28, 2, 30, tzinfo=UTC).astimezone(london)  # 03:30 BST: two hours later
    assert span_text(start, end) == "Sun 28 Mar 2027 00:30 GMT to Sun 28 Mar 2027 03:30 BST"
    same = datetime(2027, 3, 29, 18, 0, tzinfo=UTC).astimezone(london)
    assert span_text(same, same.replace(hour=21)) == "Mon 29 Mar 2027 19:00 to Mon 29 Mar 2027 21:00 BST"
