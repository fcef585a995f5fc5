"""Scheduled Time as people write it, read into a change window in UTC (or a clear reason it cannot be)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from opsdesk.domain.changes.window import ChangeWindow, TimeProblem, TimeProblemCode, read_window
from tests.builders import utc

LONDON = ZoneInfo("Europe/London")
DEC_2025 = "2025-12-01 10:00"  # submitted
AUG_2025 = "2025-08-01 10:00"
APR_2026 = "2026-04-01 10:00"
NOV_2026 = "2026-11-27 10:00"

WINDOWS = [
    # The three real examples.
    (
        "Thursday, 18th December 2025\nOutage window: 17:30 – 00:00",
        DEC_2025,
        "2025-12-18 17:30",
        "2025-12-19 00:00",
    ),
    ("Saturday 30 - Sunday 31 August", AUG_2025, "2025-08-29 23:00", "2025-08-31 23:00"),
    ("21st April 2026 at 8pm - change window is 8pm - 9pm", APR_2026, "2026-04-21 19:00", "2026-04-21 20:00"),
    # Ways of writing one window on Tuesday 2 March 2027 (GMT).
    ("Tuesday 2nd March 2027 18:00-20:00", NOV_2026, "2027-03-02 18:00", "2027-03-02 20:00"),
    ("2 March 2027, 6pm to 8pm", NOV_2026, "2027-03-02 18:00", "2027-03-02 20:00"),
    ("2027-03-02 18:00-20:00", NOV_2026, "2027-03-02 18:00", "2027-03-02 20:00"),
    ("2027-03-02T18:00 - 20:00", NOV_2026, "2027-03-02 18:00", "2027-03-02 20:00"),
    ("02/03/2027 18:00 - 20:00", NOV_2026, "2027-03-02 18:00", "2027-03-02 20:00"),
    ("2/3/27 18:00 - 20:00", NOV_2026, "2027-03-02 18:00", "2027-03-02 20:00"),
    ("Tuesday 2 March 2027 from 18:00 until 20:00", NOV_2026, "2027-03-02 18:00", "2027-03-02 20:00"),
    ("Tuesday 2 March 2027 between 18:00 and 20:00", NOV_2026, "2027-03-02 18:00", "2027-03-02 20:00"),
    ("Tue 2 Mar 2027 6.30pm-8.30pm", NOV_2026, "2027-03-02 18:30", "2027-03-02 20:30"),
    ("March 2, 2027 18:00-20:00", NOV_2026, "2027-03-02 18:00", "2027-03-02 20:00"),
    ("Tuesday 2nd of March 2027, 1730hrs - 1900hrs", NOV_2026, "2027-03-02 17:30", "2027-03-02 19:00"),
    ("2 March 2027 noon - 2pm", NOV_2026, "2027-03-02 12:00", "2027-03-02 14:00"),
    ("2 March 2027 18:00 till 20:00 UTC", NOV_2026, "2027-03-02 18:00", "2027-03-02 20:00"),
    # Across midnight.
    ("Tuesday 2nd March 2027 22:00 - 02:00", NOV_2026, "2027-03-02 22:00", "2027-03-03 02:00"),
    ("2 March 2027 22:00 until midnight", NOV_2026, "2027-03-02 22:00", "2027-03-03 00:00"),
    ("2 March 2027 22:00 - 24:00", NOV_2026, "2027-03-02 22:00", "2027-03-03 00:00"),
    ("2 March 2027 5:30-7:30pm", NOV_2026, "2027-03-02 17:30", "2027-03-02 19:30"),
    ("Tues 2/3 6-8pm", NOV_2026, "2027-03-02 18:00", "2027-03-02 20:00"),
    ("2nd Mar '27 18:00-20:00", NOV_2026, "2027-03-02 18:00", "2027-03-02 20:00"),
    ("Friday 11 December 2026 24:00 - 02:00", NOV_2026, "2026-12-12 00:00", "2026-12-12 02:00"),
    ("2 March 2027 17:00hrs - 19:00hrs", NOV_2026, "2027-03-02 17:00", "2027-03-02 19:00"),
    ("2 March 2027 18:00:00-20:00:00", NOV_2026, "2027-03-02 18:00", "2027-03-02 20:00"),
    ("18 December 2025 22:00 to 19 December 2025 02:00", DEC_2025, "2025-12-18 22:00", "2025-12-19 02:00"),
    # Summer time and explicit zones.
    ("Tuesday 1 June 2027 18:00-20:00", NOV_2026, "2027-06-01 17:00", "2027-06-01 19:00"),
    ("Tuesday 1 June 2027 18:00-20:00 BST", NOV_2026, "2027-06-01 17:00", "2027-06-01 19:00"),
    ("Tuesday 1 June 2027 18:00-20:00 UTC", NOV_2026, "2027-06-01 18:00", "2027-06-01 20:00"),
    ("16 January 2027 18:00-20:00 GMT", NOV_2026, "2027-01-16 18:00", "2027-01-16 20:00"),
    ("3 April 2027 18:00-20:00 BST", NOV_2026, "2027-04-03 17:00", "2027-04-03 19:00"),
    ("31 October 2027 00:30-01:30 BST", NOV_2026, "2027-10-30 23:30", "2027-10-31 00:30"),
    ("1 June 2027 18:00-20:00 +02:00", NOV_2026, "2027-06-01 16:00", "2027-06-01 18:00"),
    ("1 June 2027 18:00-20:00 (UTC+1)", NOV_2026, "2027-06-01 17:00", "2027-06-01 19:00"),
    # Both clock changes: the window has its true length.
    ("27 March 2027 22:00 to 28 March 2027 03:00", NOV_2026, "2027-03-27 22:00", "2027-03-28 02:00"),
    (
        "Saturday 30 October 2027 22:00 to Sunday 31 October 2027 03:00",
        NOV_2026,
        "2027-10-30 21:00",
        "2027-10-31 03:00",
    ),
    ("Sunday 28 March 2027", NOV_2026, "2027-03-28 00:00", "2027-03-28 23:00"),
    ("Sunday 31 October 2027", NOV_2026, "2027-10-30 23:00", "2027-11-01 00:00"),
    ("31 October 2027 01:30-03:00 GMT", NOV_2026, "2027-10-31 01:30", "2027-10-31 03:00"),
    # Whole days and missing years.
    ("30 August - 1 September 2027", NOV_2026, "2027-08-29 23:00", "2027-09-01 23:00"),
    ("Saturday 6 March, 10:00-12:00", NOV_2026, "2027-03-06 10:00", "2027-03-06 12:00"),
    ("6 March 10:00-12:00", NOV_2026, "2027-03-06 10:00", "2027-03-06 12:00"),
    ("Friday 4 December 19:00 - 21:00", NOV_2026, "2026-12-04 19:00", "2026-12-04 21:00"),
    ("Sat 5th Dec", NOV_2026, "2026-12-05 00:00", "2026-12-06 00:00"),
    ("29 February 18:00-20:00", "2027-06-01 10:00", "2028-02-29 18:00", "2028-02-29 20:00"),
    ("Tuesday 29 February 10:00-12:00", "2028-02-10 10:00", "2028-02-29 10:00", "2028-02-29 12:00"),
    ("2 March 2027 00:00-24:00", NOV_2026, "2027-03-02 00:00", "2027-03-03 00:00"),
]

PROBLEMS = [
    ("28 March 2027 01:30-02:30", NOV_2026, TimeProblemCode.AMBIGUOUS, "does not exist"),
    ("31 October 2027 01:30-03:00", NOV_2026, TimeProblemCode.AMBIGUOUS, "happens twice"),
    ("Friday 6 March 10:00-12:00", NOV_2026, TimeProblemCode.AMBIGUOUS, "no such Friday in the coming year"),
    ("Saturday 30 - Sunday 31 August", NOV_2026, TimeProblemCode.AMBIGUOUS, "no such Saturday"),
    ("Monday 12:00-14:00", NOV_2026, TimeProblemCode.AMBIGUOUS, "names a weekday but no date"),
    ("18:00-20:00", NOV_2026, TimeProblemCode.UNREADABLE, "no date found"),
    ("Tomorrow evening, after the deploy", NOV_2026, TimeProblemCode.UNREADABLE, "no date found"),
    ("", NOV_2026, TimeProblemCode.UNREADABLE, "no date found"),
    ("Tuesday 2 March 2027 18:00", NOV_2026, TimeProblemCode.AMBIGUOUS, "a start time (18:00) but no end"),
    (
        "Wednesday 2 March 2027 18:00-20:00",
        NOV_2026,
        TimeProblemCode.AMBIGUOUS,
        "is a Tuesday, not a Wednesday",
    ),
    ("31 February 2027 10:00-12:00", NOV_2026, TimeProblemCode.UNREADABLE, "is not a date"),
    ("2 March 2027 25:00-26:00", NOV_2026, TimeProblemCode.UNREADABLE, "is not a time"),
    (
        "2 March 2027 18:00-20:00 or 3 March 2027 18:00-20:00",
        NOV_2026,
        TimeProblemCode.AMBIGUOUS,
        "more than one date",
    ),
    (
        "2 March 2027 18:00-20:00, fallback 21:00-22:00",
        NOV_2026,
        TimeProblemCode.AMBIGUOUS,
        "more than one time range",
    ),
    ("2 March 2027 18:00 UTC - 20:00 BST", NOV_2026, TimeProblemCode.AMBIGUOUS, "more than one time zone"),
    ("3 - 1 March 2027", NOV_2026, TimeProblemCode.UNREADABLE, "ends before it starts"),
    ("2 March 2027 midnight to 2am", NOV_2026, TimeProblemCode.AMBIGUOUS, "midnight at the start"),
    (
        "**Monday** 18th December 2026 18:00-19:00",
        NOV_2026,
        TimeProblemCode.AMBIGUOUS,
        "names Monday, but the date is Friday 18 December 2026",
    ),
    ("18th December 2026 (Monday) 18:00-19:00", NOV_2026, TimeProblemCode.AMBIGUOUS, "names Monday"),
    (
        "Friday 18th December 2026 18:00-19:00 - Monday if it slips",
        NOV_2026,
        TimeProblemCode.AMBIGUOUS,
        "names Monday",
    ),
    (
        "2 Mar 28 18:00-20:00",
        NOV_2026,
        TimeProblemCode.AMBIGUOUS,
        "'28' is not read as part of the date or the time",
    ),
    (
        "2 March 2027 18:00-20:00 CET",
        NOV_2026,
        TimeProblemCode.AMBIGUOUS,
        "'CET' is not a zone opsdesk reads",
    ),
    ("2 March 2027 18:00-20:00 +01", NOV_2026, TimeProblemCode.AMBIGUOUS, "'+01' is not read"),
    ("2 March 2027 6-8", NOV_2026, TimeProblemCode.AMBIGUOUS, "'6' is not read"),
    ("2 March 2027 1800-2000", NOV_2026, TimeProblemCode.AMBIGUOUS, "'1800' is not read"),
    ("2 March 2027, in the evening", NOV_2026, TimeProblemCode.AMBIGUOUS, "'evening' is not a time"),
    ("w/c 3rd March 2027", NOV_2026, TimeProblemCode.AMBIGUOUS, "a week is not a window"),
    ("6th or 7th March 2027", NOV_2026, TimeProblemCode.AMBIGUOUS, "'6' is not read"),
    (
        "29 February 18:00-20:00",
        "2026-03-01 10:00",
        TimeProblemCode.AMBIGUOUS,
        "'29 february': 29 February is only in leap years, and the next is in 2028; give the year",
    ),
    (  # the day after a leap day: once read as "no such Monday"
        "29 February 18:00-20:00",
        "2028-03-01 10:00",
        TimeProblemCode.AMBIGUOUS,
        "'29 february': 29 February is only in leap years, and the next is in 2032; give the year",
    ),
    (
        "Monday 29 February 18:00-20:00",
        "2027-06-01 10:00",
        TimeProblemCode.AMBIGUOUS,
        "29 February 2028 is a Tuesday, not a Monday; give the year if you mean another",
    ),
    (  # BST in January is a mistake somewhere: ask rather than guess
        "16 January 2027 18:00-20:00 BST",
        NOV_2026,
        TimeProblemCode.AMBIGUOUS,
        "16 January 2027 18:00 BST: the UK is on GMT then, not BST; write the time as UK time without a "
        "zone, or in UTC",
    ),
    (  # people write GMT for UK time: in April that is BST
        "3 April 18:00-20:00 GMT",
        NOV_2026,
        TimeProblemCode.AMBIGUOUS,
        "03 April 2027 18:00 GMT: the UK is on BST then, not GMT",
    ),
    ("Tuesday 1 June 2027 18:00-20:00 GMT", NOV_2026, TimeProblemCode.AMBIGUOUS, "the UK is on BST then"),
    ("28 March 2027 01:30-03:00 GMT", NOV_2026, TimeProblemCode.AMBIGUOUS, "01:30 GMT: the UK is on BST"),
    (
        "2 March 2027 18:00-18:00",
        NOV_2026,
        TimeProblemCode.AMBIGUOUS,
        "the window starts and ends at 18:00: write when it ends, e.g. '18:00-20:00', or for a whole day "
        "give the end's date as well",
    ),
    ("2 March 2027 6pm to 6pm", NOV_2026, TimeProblemCode.AMBIGUOUS, "starts and ends at 18:00"),
    (
        "2 March 2027 22:00 to 2 March 2027 22:00",
        NOV_2026,
        TimeProblemCode.AMBIGUOUS,
        "starts and ends at 22:00",
    ),
    ("2 March 2027 " + "x" * 3000, NOV_2026, TimeProblemCode.UNREADABLE, "write the date and times only"),
]


@pytest.mark.parametrize(("text", "submitted", "start", "end"), WINDOWS)
def test_a_scheduled_time_becomes_a_utc_window(text: str, submitted: str, start: str, end: str) -> None:
    assert read_window(text, utc(submitted), LONDON) == ChangeWindow(utc(start), utc(end))


@pytest.mark.parametrize(("text", "submitted", "code", "said"), PROBLEMS)
def test_unsure_readings_say_why(text: str, submitted: str, code: TimeProblemCode, said: str) -> None:
    found = read_window(text, utc(submitted), LONDON)
    assert isinstance(found, TimeProblem), found
    assert found.code is code
    assert said in found.message


def test_windows_over_the_clock_changes_have_their_true_length() -> None:
    spring = read_window("Sunday 28 March 2027", utc(NOV_2026), LONDON)
    autumn = read_window("Sunday 31 October 2027", utc(NOV_2026), LONDON)
    assert isinstance(spring, ChangeWindow)
    assert isinstance(autumn, ChangeWindow)
    assert (spring.length.total_seconds() / 3600, autumn.length.total_seconds() / 3600) == (23, 25)


def test_the_table_is_big_enough() -> None:
    assert len(WINDOWS) + len(PROBLEMS) >= 40
    assert all(isinstance(datetime.fromisoformat(s), datetime) for _, s, _, _ in WINDOWS)
