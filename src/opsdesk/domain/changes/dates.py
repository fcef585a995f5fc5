"""The dates in a change request's free-text Scheduled Time: the forms people write them in, the year a date
without one means, and the problems a reading can meet (the time reader, change_time, builds on these).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_WEEKDAY = r"(?P<{name}>mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)"
_MONTH = r"(?P<{name}>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_SEP = r"\s*(?:-|to|until|till|through)\s*"


def _p(pattern: str, **names: str) -> str:
    return pattern.format(**{k: v.format(name=k) for k, v in names.items()})


# Date forms, most specific first. Every match is removed from the text before times are looked for.
DAY_RANGE = re.compile(
    _p(
        r"\b(?:{wd1}\s*,?\s*)?(?<![:.\d/])(?P<d1>\d{{1,2}})(?:\s+{m1})?"
        + _SEP
        + r"(?:{wd2}\s*,?\s*)?(?P<d2>\d{{1,2}})\s+{m2}"
        r"(?:\s*,?\s*(?P<y>\d{{4}}))?\b",
        wd1=_WEEKDAY,
        m1=_MONTH,
        wd2=_WEEKDAY,
        m2=_MONTH,
    )
)
DAY_MONTH = re.compile(
    _p(
        r"\b(?:{wd}\s*,?\s*)?(?<![:.\d/])(?P<d>\d{{1,2}})\s+(?:of\s+)?{m}(?:\s*,?\s*(?P<y>\d{{4}}|'\d{{2}}))?(?![\d:])",
        wd=_WEEKDAY,
        m=_MONTH,
    )
)
MONTH_DAY = re.compile(
    _p(r"\b(?:{wd}\s*,?\s*)?{m}\s+(?P<d>\d{{1,2}})(?:\s*,\s*|\s+)?(?P<y>\d{{4}})?\b", wd=_WEEKDAY, m=_MONTH)
)
ISO_DATE = re.compile(
    _p(r"\b(?:{wd}\s*,?\s*)?(?P<y>\d{{4}})-(?P<m>\d{{2}})-(?P<d>\d{{2}})(?=\b|t)", wd=_WEEKDAY)
)
NUMERIC_DATE = re.compile(
    _p(r"\b(?:{wd}\s*,?\s*)?(?P<d>\d{{1,2}})/(?P<m>\d{{1,2}})(?:/(?P<y>\d{{4}}|\d{{2}}))?\b", wd=_WEEKDAY)
)
LONE_WEEKDAY = re.compile(_p(r"\b{wd}\b", wd=_WEEKDAY))


class TimeProblemCode(StrEnum):
    UNREADABLE = "unreadable-time"
    AMBIGUOUS = "ambiguous-time"


@dataclass(frozen=True)
class TimeProblem:
    """Why a Scheduled Time cannot be read for sure: what was found and what to write instead."""

    code: TimeProblemCode
    message: str


@dataclass(frozen=True)
class WrittenDate:
    """A date (or a range of days) found in the text, and where."""

    first: date
    last: date  # the same day unless the text gives a range of days
    start: int  # where it was found in the text
    end: int


def unreadable(message: str) -> TimeProblem:
    return TimeProblem(TimeProblemCode.UNREADABLE, message)


def ambiguous(message: str) -> TimeProblem:
    return TimeProblem(TimeProblemCode.AMBIGUOUS, message)


def _month(name: str) -> int:
    return next(i for i, m in enumerate(MONTHS, start=1) if m.startswith(name[:3]))


def weekday_number(name: str | None) -> int | None:
    if not name:
        return None
    return next(i for i, w in enumerate(WEEKDAYS) if w.startswith(name[:3]))


def find_dates(text: str, submitted: date) -> list[WrittenDate] | TimeProblem:
    """Every date in the text, in order (a year left out resolved from the submission date), or why not."""
    found: list[WrittenDate] = []
    taken: list[tuple[int, int]] = []

    def free(match: re.Match[str]) -> bool:
        return all(match.end() <= a or match.start() >= b for a, b in taken)

    for match in DAY_RANGE.finditer(text):
        if not free(match):
            continue
        g = match.groupdict()
        year = int(g["y"]) if g["y"] else None
        last_month = _month(g["m2"])
        first_month = _month(g["m1"]) if g["m1"] else last_month
        first = _resolve(year, first_month, int(g["d1"]), weekday_number(g["wd1"]), submitted, match.group(0))
        if isinstance(first, TimeProblem):
            return first
        last_year = first.year + (1 if (last_month, int(g["d2"])) < (first_month, int(g["d1"])) else 0)
        last = _resolve(
            year if year and last_month >= first_month else last_year,
            last_month,
            int(g["d2"]),
            weekday_number(g["wd2"]),
            submitted,
            match.group(0),
        )
        if isinstance(last, TimeProblem):
            return last
        if last < first:
            return unreadable(f"{match.group(0)!r} ends before it starts")
        found.append(WrittenDate(first, last, match.start(), match.end()))
        taken.append((match.start(), match.end()))
    for pattern in (ISO_DATE, NUMERIC_DATE, DAY_MONTH, MONTH_DAY):
        for match in pattern.finditer(text):
            if not free(match):
                continue
            g = match.groupdict()
            month = int(g["m"]) if pattern in (ISO_DATE, NUMERIC_DATE) else _month(g["m"])
            year_text = (g.get("y") or "").lstrip("'")
            year = None
            if year_text:
                year = int(year_text) + (2000 if len(year_text) == 2 else 0)
            day = _resolve(year, month, int(g["d"]), weekday_number(g.get("wd")), submitted, match.group(0))
            if isinstance(day, TimeProblem):
                return day
            found.append(WrittenDate(day, day, match.start(), match.end()))
            taken.append((match.start(), match.end()))
    found.sort(key=lambda d: d.start)
    if not found:
        lone = LONE_WEEKDAY.search(text)
        if lone:
            return ambiguous(f"{lone.group(0)!r} names a weekday but no date; write the date as well")
    return found


def _resolve(  # noqa: PLR0911, PLR0917  (the parts of one written date, an answer for each doubt)
    year: int | None, month: int, day: int, weekday: int | None, submitted: date, said: str
) -> date | TimeProblem:
    """The date meant: as written, or without a year the next one on or after submission (whose weekday
    matches, when one is given)."""
    if year is not None:
        try:
            found = date(year, month, day)
        except ValueError:
            return unreadable(f"{said!r} is not a date")
        if weekday is not None and found.weekday() != weekday:
            return ambiguous(
                f"{said!r}: {found:%d %B %Y} is a {WEEKDAYS[found.weekday()].title()}, not a {WEEKDAYS[weekday].title()}"
            )
        return found
    if (month, day) == (2, 29):
        return _leap_day(weekday, submitted, said)
    for candidate_year in (submitted.year, submitted.year + 1):
        try:
            found = date(candidate_year, month, day)
        except ValueError:
            return unreadable(f"{said!r} is not a date")
        if not submitted <= found <= submitted + timedelta(days=366):
            continue
        if weekday is None or found.weekday() == weekday:
            return found
    return ambiguous(f"{said!r}: no such {WEEKDAYS[weekday or 0].title()} in the coming year; add the year")


def _leap_day(weekday: int | None, submitted: date, said: str) -> date | TimeProblem:
    """29 February without a year: the next one, when it falls in the coming year; else ask for the year."""
    year = next(y for y in range(submitted.year, submitted.year + 9) if calendar.isleap(y))
    if date(year, 2, 29) < submitted:
        year = next(y for y in range(year + 1, year + 9) if calendar.isleap(y))
    found = date(year, 2, 29)
    if found > submitted + timedelta(days=366):
        return ambiguous(
            f"{said!r}: 29 February is only in leap years, and the next is in {year}; give the year"
        )
    if weekday is not None and found.weekday() != weekday:
        return ambiguous(
            f"{said!r}: 29 February {year} is a {WEEKDAYS[found.weekday()].title()}, not a "
            f"{WEEKDAYS[weekday].title()}; give the year if you mean another"
        )
    return found
