"""The schedule of an announcement: the next update it promises (`30m`, `2h`, `1h30m` or an instant), when
that promise is overdue, and the reminders before scheduled work starts."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from opsdesk.domain.announcements.model import AnnouncementPolicy, Promise, Reminder
from opsdesk.domain.durations import spoken
from opsdesk.domain.errors import InvalidInstantError
from opsdesk.domain.instants import EXAMPLE, parse_instant

UNIT_SECONDS = {"d": 86_400, "h": 3_600, "m": 60}
PART = re.compile(r"(\d{1,5})\s*(d|days?|h|hours?|hrs?|m|mins?|minutes?)", re.IGNORECASE)
WHOLE = re.compile(rf"^\s*(?:{PART.pattern}\s*)+$", re.IGNORECASE)
DATED = re.compile(r"^\s*\d{4}-")


def next_update(text: str, tz: ZoneInfo) -> datetime | timedelta:
    """When `text` says: a while from the announcement (`30m`, `2h`, `1h30m`, `1d`) or an instant (ISO
    8601, in the team's time unless it carries an offset). InvalidInstantError saying what is expected
    otherwise."""
    if WHOLE.match(text):
        seconds = sum(int(n) * UNIT_SECONDS[unit[0].lower()] for n, unit in PART.findall(text))
        if seconds == 0:
            raise InvalidInstantError(text, "a duration of no time: give e.g. 30m or 2h")
        return timedelta(seconds=min(seconds, 366 * 86_400))
    if DATED.match(text):  # an instant: its own error says what is wrong with it
        return parse_instant(text, tz)
    raise InvalidInstantError(text, f"expected a duration from now (30m, 2h, 1h30m) or an instant, {EXAMPLE}")


def promise(due: datetime, policy: AnnouncementPolicy) -> Promise:
    return Promise(due, due + policy.grace)


def reminders(starts_at: datetime | None, now: datetime, policy: AnnouncementPolicy) -> tuple[Reminder, ...]:
    """The reminders before `starts_at` still to come (an offset already past is left out), earliest first."""
    if starts_at is None:
        return ()
    due = {starts_at - before: before for before in policy.reminders if starts_at - before > now}
    return tuple(Reminder(before, at) for at, before in sorted(due.items()))


def before_words(before: timedelta) -> str:
    """ "24 hours", "1 hour 30 minutes": how long before the start a reminder goes."""
    return spoken(before)
