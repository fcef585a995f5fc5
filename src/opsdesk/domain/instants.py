"""Instants and wall-clock times: reading what people type, and mapping local times to UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from opsdesk.domain.errors import InvalidInstantError

FIRST_YEAR = 1900
LAST_YEAR = 2100  # the holidays package knows UK bank holidays up to 2100
_NEAR = timedelta(hours=3)
_EPOCH_NAIVE = datetime(2000, 1, 1)  # noqa: DTZ001  (a wall-clock reference, deliberately naive)
_EPOCH_UTC = datetime(2000, 1, 1, tzinfo=UTC)
EXAMPLE = "e.g. 2026-12-24T16:00 (wall-clock time), 2026-12-24T16:00Z or 2026-12-24T16:00+01:00"


def wall_to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """The first instant at which clocks in `tz` read `wall` or later.

    An ambiguous wall time (the autumn hour) gives its first occurrence; a wall time that does not exist
    (the spring-forward hour) gives the instant the clocks jump, so a window that starts inside the gap
    starts when the gap ends and keeps its true length.
    """
    offset = tz.utcoffset(wall)
    if offset is not None and offset == tz.utcoffset(wall.replace(fold=1)):
        return _EPOCH_UTC + (wall - _EPOCH_NAIVE - offset)  # one reading only: no DST change here
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == wall:
        return first
    # In a gap: fold=1 maps with the later offset, which lands just before the jump; walk to it.
    candidate = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    while candidate.astimezone(tz).replace(tzinfo=None) < wall:
        candidate += timedelta(minutes=1)
    return candidate


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The instant (UTC) at which `day` starts in `tz`."""
    return wall_to_utc(datetime.combine(day, time()), tz)


def _check_range(value: str, instant: datetime) -> None:
    if not FIRST_YEAR <= instant.year <= LAST_YEAR:
        raise InvalidInstantError(value, f"outside the years opsdesk covers ({FIRST_YEAR}-{LAST_YEAR})")


def parse_instant(value: str, tz: ZoneInfo) -> datetime:
    """Read an ISO 8601 instant typed by a person; return it in UTC.

    An offset or `Z` is honoured. Without one, the text is wall-clock time in `tz`: a time that does not
    exist there is an error; an ambiguous one means its first occurrence.
    """
    text = value.strip()
    if not text:
        raise InvalidInstantError(value, f"empty; expected an ISO 8601 date and time, {EXAMPLE}")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInstantError(value, f"not an ISO 8601 date and time; expected {EXAMPLE}") from None
    _check_range(value, parsed)
    if parsed.tzinfo is not None:
        instant = parsed if parsed.tzinfo is UTC else parsed.astimezone(UTC)
        _check_range(value, instant)  # 2100-12-31T23:30-01:00 is already 2101 in UTC
        return instant
    offset = tz.utcoffset(parsed)
    if offset is not None and tz.utcoffset(parsed - _NEAR) == offset == tz.utcoffset(parsed + _NEAR):
        # The usual case: the same offset three hours either side, so no clock change can make this wall
        # time skipped or doubled. (Arithmetic from an epoch: datetime.replace costs a microsecond.)
        return _EPOCH_UTC + (parsed - _EPOCH_NAIVE - offset)
    instant = parsed.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != parsed:
        raise InvalidInstantError(
            value,
            f"this wall-clock time does not exist in {tz.key}: the clocks go forward over it. "
            "Give a time outside the skipped hour, or an explicit offset such as +00:00",
        )
    return instant


def parse_period_bound(value: str, tz: ZoneInfo, *, end: bool) -> datetime:
    """Read `--from`/`--to`: a date means whole days (an end date includes that day); else an instant."""
    text = value.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return parse_instant(value, tz)
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidInstantError(value, f"outside the years opsdesk covers ({FIRST_YEAR}-{LAST_YEAR})")
    return local_midnight(day + timedelta(days=1) if end else day, tz)


def span_text(start: datetime, end: datetime) -> str:
    """ "Sun 28 Mar 2027 00:30 to Sun 28 Mar 2027 03:30 BST"; across a clock change each end says its own
    offset ("00:30 GMT to 03:30 BST"), so a two-hour window never reads as three."""
    first = f"{start:%a %d %b %Y %H:%M}" + (f" {start:%Z}" if start.utcoffset() != end.utcoffset() else "")
    return f"{first} to {end:%a %d %b %Y %H:%M %Z}"
