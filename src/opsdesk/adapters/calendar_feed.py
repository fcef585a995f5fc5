"""iCalendar feeds of duty shifts (RFC 5545, via the icalendar package), with a VTIMEZONE."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from opsdesk.domain.rota import EngineerId, Role
from opsdesk.domain.shifts import Shift

TITLES = {
    Role.PRIMARY: "On call (primary)",
    Role.SECONDARY: "On call (secondary)",
    Role.SUPPORT: "Support duty",
}


def shift_uid(shift: Shift) -> str:
    """Stable while the shift starts when it did: calendar apps update an event instead of adding one."""
    return f"{shift.role}-{shift.engineer}-{shift.start.astimezone(UTC):%Y%m%dT%H%M%SZ}@opsdesk"


def render_ics(
    shifts: list[Shift],
    tz: ZoneInfo,
    name_of: Callable[[EngineerId], str | None],
    title: str,
    stamp: datetime,
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//opsdesk//rota//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", title)
    calendar.add("x-wr-timezone", tz.key)
    for shift in shifts:
        event = Event()
        person = name_of(shift.engineer) or shift.engineer
        event.add("uid", shift_uid(shift))
        event.add("dtstamp", stamp.astimezone(UTC))
        event.add("dtstart", shift.start.astimezone(tz))
        event.add("dtend", shift.end.astimezone(tz))
        event.add("summary", f"{TITLES[shift.role]}: {person}")
        event.add("description", f"{person} ({shift.engineer}) holds {shift.role} ({shift.day}).")
        event.add("categories", [str(shift.role)])
        calendar.add_component(event)
    if shifts:
        # Transitions for the feed's own years only: a VTIMEZONE from 1970 would be most of the file.
        first, last = shifts[0].start.astimezone(tz).date(), shifts[-1].end.astimezone(tz).date()
        calendar.add_missing_timezones(
            first.replace(month=1, day=1), last.replace(year=last.year + 1, month=1, day=1)
        )
    return bytes(calendar.to_ical())
