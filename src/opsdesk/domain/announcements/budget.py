"""The mention budget: `@channel` only where the policy allows it (by default an incident update on a P1),
`@here` at most so many times a week, Monday to Sunday in the team's time. A refused mention says why,
what the budget is, and what to do instead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from opsdesk.domain.announcements.model import AnnouncementKind, AnnouncementPolicy, Mention, Request
from opsdesk.domain.errors import AnnouncementError
from opsdesk.domain.instants import local_midnight


@dataclass(frozen=True)
class Week:
    """Monday 00:00 to the next Monday 00:00 in the team's time zone, as UTC instants ([start, end))."""

    start: datetime
    end: datetime
    tz: ZoneInfo

    @property
    def label(self) -> str:
        """The ISO week, e.g. 2026-W49: what keys a week's mentions."""
        year, week, _ = self.start.astimezone(self.tz).isocalendar()
        return f"{year}-W{week:02d}"

    @property
    def next_monday(self) -> str:
        return f"{self.end.astimezone(self.tz):%a %d %b}"


def week_of(at: datetime, tz: ZoneInfo) -> Week:
    day = at.astimezone(tz).date()
    monday = day - timedelta(days=day.weekday())
    return Week(local_midnight(monday, tz), local_midnight(monday + timedelta(days=7), tz), tz)


def check_mention(
    request: Request, priority: str | None, here_used: int, policy: AnnouncementPolicy, week: Week
) -> None:
    """AnnouncementError unless the request's mention is within the budget; `priority` is its incident's
    (None: no incident, or none set), `here_used` the @here mentions made this week."""
    if request.mention is Mention.CHANNEL:
        _check_channel(request, priority, here_used, policy)
    elif request.mention is Mention.HERE:
        _check_here(request, priority, here_used, policy, week)


def _check_channel(
    request: Request, priority: str | None, here_used: int, policy: AnnouncementPolicy
) -> None:
    allowed = policy.channel_for
    if request.kind is AnnouncementKind.INCIDENT_UPDATE and priority in allowed:
        return
    if not allowed:
        budget = "this team does not use @channel (the policy's announcements.channel-mention-for is empty)"
    else:
        budget = (
            f"@channel is kept for an incident update on a {' or '.join(allowed)} incident (the policy's "
            f"announcements.channel-mention-for)"
        )
    if request.kind is not AnnouncementKind.INCIDENT_UPDATE:
        this = f"this is {request.kind.words.lower()}"
    elif priority is None:
        this = f"incident #{request.incident} has no priority set"
    else:
        this = f"incident #{request.incident} is {priority}"
    left = policy.here_per_week - here_used
    instead = (
        f"post it with @here ({left} of {policy.here_per_week} left this week) or without a mention"
        if left > 0
        else "post it without a mention"
    )
    raise AnnouncementError(f"{budget}; {this}: {instead}")


def _check_here(
    request: Request, priority: str | None, here_used: int, policy: AnnouncementPolicy, week: Week
) -> None:
    budget = policy.here_per_week
    if here_used < budget:
        return
    times = "once" if here_used == 1 else f"{here_used} times"
    said = (
        "this team does not use @here (the policy's announcements.here-per-week is 0)"
        if budget == 0
        else f"@here was used {times} this week (the budget is {budget} a week, Monday to Sunday)"
    )
    instead = f"post without a mention (the next @here is free from {week.next_monday})"
    if request.kind is AnnouncementKind.INCIDENT_UPDATE and priority in policy.channel_for:
        instead += f", or use @channel: incident #{request.incident} is {priority}"
    else:
        instead += ", or ask the team to raise announcements.here-per-week in the policy"
    raise AnnouncementError(f"{said}: {instead}")
