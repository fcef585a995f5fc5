"""A long incident timeline read a page at a time: newest first, a cursor, and a storm's alerts folded into
one line.

An alarm storm joins hundreds of thousands of alerts to one incident, each leaving an `alert` entry. Nobody
reads those one by one: a page shows the other entries and says how many alerts joined, when, and the first
and last of them; the alerts themselves are listed only when asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from opsdesk.domain.errors import IncidentError
from opsdesk.domain.timeline import TimelineEntry

ALERT = "alert"  # the kind of entry each alert that joins an open incident leaves


ALERT_JOINED = "another alert joined: "  # how each such entry's message starts


PAGE_LIMIT = 1000  # the most entries one page holds


@dataclass(frozen=True)
class AlertSummary:
    """Every alert that joined an incident after the one that opened it, counted instead of listed."""

    count: int
    first_at: datetime
    last_at: datetime
    first: str  # the first one's message
    last: str  # the last one's message

    def text(self, tz: tzinfo) -> str:
        """E.g. "298,310 more alerts joined between 21:04 and 23:59 (first: ..., last: ...)"."""
        first, last = self.first_at.astimezone(tz), self.last_at.astimezone(tz)
        pattern = "%H:%M" if first.date() == last.date() else "%d %b %H:%M"
        if self.count == 1:
            return f"1 more alert joined at {first.strftime(pattern)}: {_said(self.first)}"
        return (
            f"{self.count:,} more alerts joined between {first.strftime(pattern)} and {last.strftime(pattern)} "
            f"(first: {_said(self.first)}, last: {_said(self.last)})"
        )


def _said(message: str) -> str:
    return message.removeprefix(ALERT_JOINED)


@dataclass(frozen=True)
class TimelinePage:
    """Some of an incident's timeline, newest first, and what lies beyond it."""

    entries: tuple[TimelineEntry, ...]  # newest first
    older: int  # entries older than the last one here (counting alerts only when they are listed)
    alerts: AlertSummary | None  # every alert of the incident, whether listed here or not
    listed_alerts: bool  # False: the alerts' own entries are left out, the summary stands for them

    @property
    def next(self) -> int | None:
        """The cursor of the next (older) page: pass it as `before`; None when this page reaches the start."""
        if not self.older or not self.entries:
            return None
        return self.entries[-1].id


def check_page(limit: int, before: int | None) -> None:
    """A page's size and cursor, or IncidentError saying what to give instead."""
    if not 1 <= limit <= PAGE_LIMIT:
        raise IncidentError(
            f"a timeline page holds 1 to {PAGE_LIMIT} entries, not {limit}; give a limit in that range"
        )
    if before is not None and before < 1:
        raise IncidentError(
            f"'before' is the id of a timeline entry (1 or more), not {before}; take it from `next`"
        )
