"""Reading the free-text "Scheduled Time" of an out-of-hours change request into a window in UTC.

People write "Thursday, 18th December 2025 / Outage window: 17:30 – 00:00", "Saturday 30 - Sunday 31
August" or "21st April 2026 at 8pm - change window is 8pm - 9pm". The reader finds the dates, the times
and any explicit zone, and builds one window; when the text allows more than one reading (two different
windows, a start without an end, a wall-clock time the clocks skip or repeat) it says so instead of
guessing.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from opsdesk.domain.changes.dates import (
    LONE_WEEKDAY,
    WEEKDAYS,
    TimeProblem,
    TimeProblemCode,
    WrittenDate,
    ambiguous,
    find_dates,
    unreadable,
    weekday_number,
)
from opsdesk.domain.instants import span_text

__all__ = ["ChangeWindow", "TimeProblem", "TimeProblemCode", "read_window"]

TEXT_LIMIT = 2000  # characters of Scheduled Time read; longer text is not a time
UK = ZoneInfo("Europe/London")  # where GMT and BST are kept
UK_ZONES = ("GMT", "BST")

TIME = re.compile(
    r"(?<![\d:.])(?:(?P<h>\d{1,2})[:.](?P<mi>\d{2})\s*(?P<ap>am|pm|a\.m\.|p\.m\.)?|(?P<h2>\d{1,2})\s*(?P<ap2>am|pm|a\.m\.|p\.m\.)"
    r"|(?P<h4>[01]\d|2[0-3])(?P<mi4>[0-5]\d)\s*(?:hrs|hours|h)\b|(?P<word>midnight|noon|midday))(?![\d])"
)
ZONE = re.compile(
    r"(?<![a-z])(?P<name>utc|gmt|bst|z)(?:(?P<sign>[+-])(?P<oh>\d{1,2})(?::?(?P<om>\d{2}))?)?(?![a-z\d])"
)
OFFSET = re.compile(r"(?<![\d:])(?P<sign>[+-])(?P<oh>\d{2}):?(?P<om>\d{2})\b")
BETWEEN = re.compile(r"\bbetween\b")
SHARED_MERIDIEM = re.compile(
    r"(?<![\d:./])(?P<h1>\d{1,2})(?:[:.](?P<m1>\d{2}))?\s*(?P<sep>-|to|until|till)\s*"
    r"(?P<h2>\d{1,2})(?:[:.](?P<m2>\d{2}))?\s*(?P<ap>am|pm)\b"
)
WEEK = re.compile(r"\bw/c\b|\bweek (?:commencing|beginning|starting|of)\b")
VAGUE = re.compile(
    r"\b(?:evening|morning|afternoon|overnight|night|tonight|tbc|tbd|approx\w*|around|circa|o'clock|eod|cob"
    r"|out of hours|after hours|sometime|some time|flexible)\b"
)
OTHER_ZONES = re.compile(
    r"\b(?:cet|cest|eet|eest|wet|west|est|edt|cst|cdt|mst|mdt|pst|pdt|ist|aest|aedt|jst|hkt|sgt|pt|et)\b"
)


@dataclass(frozen=True)
class ChangeWindow:
    start: datetime  # UTC
    end: datetime  # UTC

    @property
    def length(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class _Time:
    value: time
    next_day: bool  # 24:00 / "midnight" as an end
    start: int
    end: int
    word: str


def read_window(text: str, submitted: datetime, tz: ZoneInfo) -> ChangeWindow | TimeProblem:  # noqa: PLR0911  (one answer per doubt)
    """The change window a person wrote, in UTC, or why it cannot be read for sure."""
    if len(text) > TEXT_LIMIT:
        return unreadable(f"the scheduled time is {len(text)} characters; write the date and times only")
    cleaned = _clean(text)
    local_submitted = submitted.astimezone(tz).date()
    dates = find_dates(cleaned, local_submitted)
    if isinstance(dates, TimeProblem):
        return dates
    blanked = cleaned
    for found in dates:
        blanked = blanked[: found.start] + " " * (found.end - found.start) + blanked[found.end :]
    zone = _zone(blanked)
    if isinstance(zone, TimeProblem):
        return zone
    blanked = ZONE.sub(lambda m: " " * len(m.group(0)), blanked)
    blanked = OFFSET.sub(lambda m: " " * len(m.group(0)), blanked)
    times = _times(blanked)
    if isinstance(times, TimeProblem):
        return times
    if not dates:
        return unreadable(
            "no date found; write one such as 'Tuesday 2nd March 2027, 18:00-20:00' or '2027-03-02 18:00-20:00'"
        )
    doubt = _doubts(cleaned, blanked, dates, times)
    if doubt is not None:
        return doubt
    return _window(dates, times, blanked, zone or tz)


def _doubts(cleaned: str, blanked: str, dates: list[WrittenDate], times: list[_Time]) -> TimeProblem | None:
    """Anything in the text that the window would silently leave out: then it is not sure."""
    hint = "write the window as e.g. 'Tuesday 2nd March 2027, 18:00-20:00'"
    week = WEEK.search(cleaned)
    if week:
        return ambiguous(f"{week.group(0)!r}: a week is not a window; {hint}")
    other = OTHER_ZONES.search(blanked)
    if other:
        return ambiguous(
            f"{other.group(0).upper()!r} is not a zone opsdesk reads: give UK time, or UTC, GMT, BST or an offset such as +01:00"
        )
    vague = VAGUE.search(blanked)
    if vague:
        return ambiguous(f"{vague.group(0)!r} is not a time; {hint}")
    rest = blanked
    for found in times:
        rest = rest[: found.start] + " " * (found.end - found.start) + rest[found.end :]
    stray = re.search(r"[+-]?\d[\d:.h/]*", rest)
    if stray:
        return ambiguous(f"{stray.group(0)!r} is not read as part of the date or the time; {hint}")
    days = {d.first + timedelta(days=i) for d in dates for i in range((d.last - d.first).days + 1)}
    for named in LONE_WEEKDAY.finditer(cleaned):
        weekday = weekday_number(named.group("wd"))
        if all(day.weekday() != weekday for day in days):
            listed = ", ".join(f"{day:%A %d %B %Y}" for day in sorted(days))
            return ambiguous(f"the text names {WEEKDAYS[weekday or 0].title()}, but the date is {listed}")
    return None


def _clean(text: str) -> str:
    lowered = text.lower().replace("\u2013", "-").replace("\u2014", "-").replace("\u2212", "-")
    lowered = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", lowered)
    lowered = re.sub(r"\s+", " ", lowered).strip()
    lowered = re.sub(r"\b(\d{1,2}[:.]\d{2}):00\b", r"\1", lowered)  # 18:00:00: seconds say nothing here
    lowered = re.sub(r"\b(\d{1,2}[:.]\d{2})\s*(?:hrs|hr|h)\b", r"\1", lowered)  # 17:00hrs
    return SHARED_MERIDIEM.sub(_share_meridiem, lowered)


def _share_meridiem(match: re.Match[str]) -> str:
    """ "5:30-7:30pm" and "6-8pm": the end's am/pm is the start's too, when that puts the start first."""
    hour, minute, sep, meridiem = int(match["h1"]), int(match["m1"] or 0), match["sep"], match["ap"]
    end = int(match["h2"]) % 12 + (12 if meridiem == "pm" else 0), int(match["m2"] or 0)
    start = hour % 12 + (12 if meridiem == "pm" else 0), minute
    if hour > 12 or start >= end:
        return match.group(0)  # left as written: the start is then not a time, and says so
    first = f"{match['h1']}:{match['m1']}" if match["m1"] else match["h1"]
    second = f"{match['h2']}:{match['m2']}" if match["m2"] else match["h2"]
    return f"{first}{meridiem} {sep} {second}{meridiem}"


def _zone(text: str) -> tzinfo | TimeProblem | None:
    zones: set[tuple[str, int]] = set()
    for match in ZONE.finditer(text):
        name = match.group("name")
        minutes = 60 if name == "bst" else 0
        if match.group("sign"):
            sign = 1 if match.group("sign") == "+" else -1
            minutes += sign * (int(match.group("oh")) * 60 + int(match.group("om") or 0))
        zones.add((name if not match.group("sign") else f"{name}+", minutes))
    for match in OFFSET.finditer(text):
        sign = 1 if match.group("sign") == "+" else -1
        zones.add(("offset", sign * (int(match.group("oh")) * 60 + int(match.group("om")))))
    offsets = {minutes for _, minutes in zones}
    if len(offsets) > 1:
        return ambiguous(
            "more than one time zone is given; give one (UTC, GMT, BST or an offset) or none for UK time"
        )
    if not offsets:
        return None
    minutes = offsets.pop()
    if abs(minutes) >= 24 * 60:
        return unreadable("the time zone offset is not a real one")
    names = {name for name, _ in zones}
    if len(names) == 1 and names <= {"gmt", "bst"}:
        # People write GMT or BST for UK time: honoured only where the UK keeps it (checked per instant).
        return timezone(timedelta(minutes=minutes), names.pop().upper())
    return timezone(timedelta(minutes=minutes))


def _times(text: str) -> list[_Time] | TimeProblem:
    found = []
    for match in TIME.finditer(text):
        g = match.groupdict()
        next_day = False
        if g["word"]:
            if g["word"] == "midnight":
                value, next_day = time(0), True
            else:
                value = time(12)
        else:
            hour_text = g["h"] or g["h2"] or g["h4"]
            minute = int(g["mi"] or g["mi4"] or 0)
            hour = int(hour_text)
            meridiem = (g["ap"] or g["ap2"] or "").replace(".", "")
            if meridiem:
                if not 1 <= hour <= 12:
                    return unreadable(f"{match.group(0).strip()!r} is not a time")
                hour = hour % 12 + (12 if meridiem == "pm" else 0)
            if hour == 24 and minute == 0:
                value, next_day = time(0), True
            elif hour > 23 or minute > 59:
                return unreadable(f"{match.group(0).strip()!r} is not a time")
            else:
                value = time(hour, minute)
        found.append(_Time(value, next_day, match.start(), match.end(), match.group(0).strip()))
    return found


def _ranges(times: list[_Time], text: str) -> list[tuple[_Time, _Time]]:
    """Pairs of times written as a range: "17:30 - 00:00", "8pm to 9pm", "between 18:00 and 20:00"."""
    pairs = []
    for first, second in itertools.pairwise(times):
        between = text[first.end : second.start]
        if re.fullmatch(r"\s*(?:-|to|until|till|and|through)\s*", between):
            if between.strip() == "and" and not BETWEEN.search(text[max(0, first.start - 12) : first.start]):
                continue
            pairs.append((first, second))
    return pairs


def _window(  # noqa: PLR0911, PLR0912  (one answer per way the text can fall short)
    dates: list[WrittenDate], times: list[_Time], text: str, zone: tzinfo
) -> ChangeWindow | TimeProblem:
    ranges = _ranges(times, text)
    distinct_days = {(d.first, d.last) for d in dates}
    if not times:
        if len(distinct_days) == 1:
            only = dates[0]
            return _build(only.first, time(0), only.last + timedelta(days=1), time(0), zone)
        if len(dates) == 2 and dates[0].last < dates[1].first:  # "from 30 August to 1 September"
            return _build(dates[0].first, time(0), dates[1].last + timedelta(days=1), time(0), zone)
        return ambiguous(
            "more than one date and no times; write the window as a date and a start and end time"
        )
    if (
        len(dates) == 2
        and len(times) == 2
        and dates[0].start < times[0].start < dates[1].start < times[1].start
    ):
        first_day, second_day = dates[0].first, dates[1].first  # "18 Dec 2025 22:00 to 19 Dec 2025 02:00"
        end_day = second_day + timedelta(days=1) if times[1].next_day else second_day
        return _build(first_day, times[0].value, end_day, times[1].value, zone)
    if len(distinct_days) > 1:
        return ambiguous("more than one date is given; say which day the window is on")
    day = dates[0]
    if day.first != day.last:
        return ambiguous(
            f"a range of days ({day.first:%d %B} to {day.last:%d %B}) and a time; write the start and end as date and time"
        )
    spans = {(a.value, b.value, b.next_day) for a, b in ranges}
    if len(spans) > 1:
        return ambiguous("more than one time range is given; give one window")
    if not spans:
        if len({t.value for t in times}) == 1:
            return ambiguous(f"a start time ({times[0].word}) but no end time; write e.g. '18:00-20:00'")
        return ambiguous("times without a range; write the window as start-end, e.g. '18:00-20:00'")
    start, end, end_next_day = spans.pop()
    first = ranges[0][0]
    if first.word == "midnight":
        return ambiguous("midnight at the start: write 00:00 with the date it falls on")
    if first.next_day:  # "24:00 - 02:00" starts at the end of that day
        return _build(day.first + timedelta(days=1), start, day.first + timedelta(days=1), end, zone)
    loose = [t for t in times if all(t is not a and t is not b for a, b in ranges)]
    if any(t.value != start for t in loose):
        return ambiguous("a time outside the window's range is given as well; give only the window")
    if end == start and not end_next_day:
        return _empty(start)
    end_day = day.first
    if end_next_day or end < start:
        end_day = day.first + timedelta(days=1)  # "17:30 - 00:00" ends the next morning
    return _build(day.first, start, end_day, end, zone)


def _build(first: date, start: time, last: date, end: time, zone: tzinfo) -> ChangeWindow | TimeProblem:
    begin = _instant(first, start, zone)
    if isinstance(begin, TimeProblem):
        return begin
    finish = _instant(last, end, zone)
    if isinstance(finish, TimeProblem):
        return finish
    if finish == begin:
        return _empty(start)
    if finish < begin:
        return unreadable("the window ends before it starts")
    return ChangeWindow(begin, finish)


def _empty(start: time) -> TimeProblem:
    """ "18:00-18:00": an empty window, or a day written without the end's date; ask, never guess."""
    example = f"{start:%H:%M}-{(datetime.combine(date.min, start) + timedelta(hours=2)).time():%H:%M}"
    return ambiguous(
        f"the window starts and ends at {start:%H:%M}: write when it ends, e.g. '{example}', or for a whole "
        "day give the end's date as well"
    )


def _instant(day: date, at: time, zone: tzinfo) -> datetime | TimeProblem:
    """A wall-clock time in `zone` as UTC; skipped or repeated by a clock change: say so."""
    naive = datetime.combine(day, at)
    named = zone.tzname(None) if isinstance(zone, timezone) else None
    if named in UK_ZONES:
        instant = naive.replace(tzinfo=zone).astimezone(UTC)
        kept = "BST" if instant.astimezone(UK).dst() else "GMT"
        if kept != named:
            return ambiguous(
                f"{day:%d %B %Y} {at:%H:%M} {named}: the UK is on {kept} then, not {named}; write the time "
                "as UK time without a zone, or in UTC"
            )
        return instant
    early, late = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if early.utcoffset() != late.utcoffset():
        if early.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
            return ambiguous(
                f"{day:%d %B %Y} {at:%H:%M} does not exist in {zone}: the clocks go forward then"
            )
        return ambiguous(
            f"{day:%d %B %Y} {at:%H:%M} happens twice in {zone} (the clocks go back); add BST or GMT"
        )
    return early.astimezone(UTC)


def window_text(window: ChangeWindow | None, tz: ZoneInfo) -> str:
    if window is None:
        return "unknown"
    start, end = window.start.astimezone(tz), window.end.astimezone(tz)
    if start.utcoffset() != end.utcoffset():  # across a clock change: each end says its own offset
        return f"{span_text(start, end)} ({tz.key})"
    return f"{start:%a %d %b %Y %H:%M} to {end:%a %d %b %Y %H:%M} ({tz.key})"
