"""The ask channel: what a message there means at `now` (a question to follow up in support hours, one to
answer out of hours, the team's answer, or nothing), and the texts opsdesk says in a question's thread."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from opsdesk.domain.elapsed import add_elapsed
from opsdesk.domain.hours import ONE_DAY, UNTIL_HORIZON_DAYS, Cover, CoverEngine
from opsdesk.domain.rota import EngineerId, Role, Rota, holding

DEFAULT_REMIND_AFTER = timedelta(minutes=30)
DEFAULT_OUT_OF_HOURS_TEXT = (
    "If it is critical (a service down, or data at risk), do not wait: raise an incident now by email to "
    "the team's incident address, and the engineer on call is paged."
)
JUST_BEFORE = timedelta(microseconds=1)  # the holder at a support period's end is the one just before it
NEXT_HOLDER_DAYS = 31  # how far ahead a reminder looks for the next support engineer (a vacancy's end)
# Slack's message subtypes a person's question may carry; every other (edits, deletions, joins, bots) is
# not a question nor an answer.
PEOPLES_SUBTYPES = frozenset({"", "thread_broadcast", "file_share"})
SLACK_ID = re.compile(r"^[A-Z0-9]{2,40}$")
SLACK_TS = re.compile(r"^\d{1,12}\.\d{1,9}$")


@dataclass(frozen=True)
class AskPolicy:
    """The policy's `ask:` section, as the domain needs it."""

    enabled: bool = True
    channel: str | None = None  # the ask channel's Slack id (C...); a name never matches an event
    remind_after: timedelta = DEFAULT_REMIND_AFTER  # counted in support hours
    out_of_hours_text: str = DEFAULT_OUT_OF_HOURS_TEXT
    topic: bool = False  # the channel's topic names the support engineer, set as each support period starts

    def listens_to(self, channel: str) -> bool:
        return self.enabled and self.channel is not None and self.channel == channel


@dataclass(frozen=True)
class Message:
    """A message event as Slack sends it, read for what the ask channel needs (the text is never kept)."""

    channel: str
    user: str
    ts: str
    thread: str  # the thread it starts or is in: its own ts for a top-level message
    by_bot: bool = False
    subtype: str = ""

    @property
    def top_level(self) -> bool:
        return self.thread == self.ts


@dataclass(frozen=True)
class AskThread:
    """A question's thread in the ask channel, as kept."""

    channel: str
    thread: str  # the question's ts
    asked_by: str  # a Slack user id
    asked_at: datetime
    answered_at: datetime | None = None  # a team engineer's first reply in the thread
    reminded_at: datetime | None = None
    out_of_hours_answered_at: datetime | None = None


class Meaning(StrEnum):
    IGNORED = "ignored"  # another channel, a bot, an edit, the team's own post
    QUESTION = "question"  # a top-level message from someone outside the team
    FOLLOW_UP = "follow-up"  # more from outside the team in a question's thread
    ANSWER = "answer"  # a team engineer's reply in the thread


@dataclass(frozen=True)
class Decision:
    meaning: Meaning
    remind_at: datetime | None = None  # a question: when the support engineer is reminded (support hours)
    out_of_hours: str | None = None  # a question or follow-up out of hours: the answer in its thread


IGNORED = Decision(Meaning.IGNORED)


def message_of(event: Mapping[str, object]) -> Message | None:
    """The message in an Events API `message` event; None for one that is not shaped as Slack sends it."""
    channel, user, ts = event.get("channel"), event.get("user"), event.get("ts")
    thread, subtype = event.get("thread_ts") or ts, event.get("subtype") or ""
    if not (isinstance(channel, str) and isinstance(ts, str) and isinstance(thread, str)):
        return None
    if not (SLACK_ID.match(channel) and SLACK_TS.match(ts) and SLACK_TS.match(thread)):
        return None
    by_bot = bool(event.get("bot_id")) or subtype == "bot_message"
    named = user if isinstance(user, str) and SLACK_ID.match(user) else ""
    kind = subtype if isinstance(subtype, str) else "?"
    return Message(channel, named, ts, thread, by_bot or not named, kind[:40])


def decide(
    message: Message, policy: AskPolicy, team: frozenset[str], engine: CoverEngine, now: datetime
) -> Decision:
    """What `message` means at `now`: `team` are the engineers' Slack ids."""
    if not policy.listens_to(message.channel) or message.by_bot or message.subtype not in PEOPLES_SUBTYPES:
        return IGNORED
    if message.user in team:
        return IGNORED if message.top_level else Decision(Meaning.ANSWER)
    meaning = Meaning.QUESTION if message.top_level else Meaning.FOLLOW_UP
    # A question's wait is counted in support hours: out of hours, from when support resumes.
    remind_at = (
        add_elapsed(engine, now, policy.remind_after, Cover.SUPPORT) if meaning is Meaning.QUESTION else None
    )
    if engine.cover_at(now).cover is Cover.SUPPORT:
        return Decision(meaning, remind_at=remind_at)
    return Decision(meaning, remind_at=remind_at, out_of_hours=out_of_hours_text(engine, now, policy))


def support_resumes(engine: CoverEngine, now: datetime) -> datetime | None:
    """The next instant from `now` in support hours (None: none within the engine's horizon)."""
    day, index = engine.locate(now)
    for _ in range(UNTIL_HORIZON_DAYS + 1):
        for segment in day.segments[index:]:
            if segment.cover is Cover.SUPPORT:
                return max(segment.start, now)
        day, index = engine.day(day.date + ONE_DAY), 0
    return None


def spoken_instant(at: datetime, tz: ZoneInfo) -> str:
    """ "Mon 7 Dec at 09:00", in the team's zone."""
    local = at.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b} at {local:%H:%M}"


def out_of_hours_text(engine: CoverEngine, now: datetime, policy: AskPolicy) -> str:
    """The answer to a question out of hours: the policy's text on a critical incident first (what to do
    now), then when support resumes and the question is answered."""
    resumes = support_resumes(engine, now)
    if resumes is None:
        return (
            f"{policy.out_of_hours_text} Otherwise, this channel has no support hours set, so your question "
            "may not be followed up."
        )
    return (
        f"{policy.out_of_hours_text} Otherwise, support resumes {spoken_instant(resumes, engine.timezone)} "
        "and your question will be answered then in this thread."
    )


def spoken_minutes(wait: timedelta) -> str:
    """ "30 minutes", "1 minute": a part of a minute counts as a whole one."""
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def reminder_text(policy: AskPolicy, mentioned: bool, name: str | None = None) -> str:
    """The reminder in the question's thread, addressed first: after the support engineer's mention (the
    renderer puts it first) when `mentioned`, else to them by `name`, else to the team (nobody holds it)."""
    wait = spoken_minutes(policy.remind_after)
    rest = (
        f"this question has had no answer from the team for {wait} of support hours: "
        "please answer it in this thread."
    )
    if mentioned:
        return rest
    if name:
        return f"{name} (support engineer): {rest}"
    return f"To the team (nobody holds the support duty): {rest}"


def reminded_engineer(rota: Rota, engine: CoverEngine, due: datetime) -> EngineerId | None:
    """The support engineer a reminder due at `due` names, however late its job runs: whoever holds the
    duty at `due` in support hours (at the end of a support period, whoever held it just before), or else
    the next one to hold it; None when nobody does within NEXT_HOLDER_DAYS."""
    for at in _support_instants(rota, engine, due):
        engineer = holding(rota, Role.SUPPORT, at, engine.timezone).engineer
        if engineer is not None:
            return engineer
    return None


def _support_instants(rota: Rota, engine: CoverEngine, due: datetime) -> Iterator[datetime]:
    """`due` (or the instant just before it) when in support hours, then each instant from `due` at which
    the support duty may change hands: a support period's start, an override's start or end within one."""
    if engine.cover_at(due).cover is Cover.SUPPORT:
        yield due
    elif engine.cover_at(due - JUST_BEFORE).cover is Cover.SUPPORT:
        yield due - JUST_BEFORE
    edges = sorted(
        {o.start for o in rota.overrides if o.role is Role.SUPPORT}
        | {o.end for o in rota.overrides if o.role is Role.SUPPORT}
    )
    day, index = engine.locate(due)
    for _ in range(NEXT_HOLDER_DAYS):
        for segment in day.segments[index:]:
            if segment.cover is not Cover.SUPPORT or segment.end <= due:
                continue
            if segment.start > due:
                yield segment.start
            yield from (edge for edge in edges if max(segment.start, due) < edge < segment.end)
        day, index = engine.day(day.date + ONE_DAY), 0


def support_periods(
    engine: CoverEngine, since: datetime, until: datetime
) -> list[tuple[datetime, datetime | None]]:
    """The support periods that start in [since, until), each (start, end; None: it does not end within
    the engine's horizon): one period runs through adjoining support segments, so a period never starts
    where another ends."""
    found: list[tuple[datetime, datetime | None]] = []
    day, index = engine.locate(since)
    start: datetime | None = None
    previous_support = engine.cover_at(since - JUST_BEFORE).cover is Cover.SUPPORT
    while day.start < until:
        for segment in day.segments[index:]:
            support = segment.cover is Cover.SUPPORT
            if support and not previous_support and since <= segment.start < until:
                start = segment.start
            if not support and previous_support and start is not None:
                found.append((start, segment.start))
                start = None
            previous_support = support
        day, index = engine.day(day.date + ONE_DAY), 0
    if start is not None:
        found.append((start, _period_end(engine, start)))
    return found


def _period_end(engine: CoverEngine, start: datetime) -> datetime | None:
    """The first instant outside support from `start` (None: support lasts past the engine's horizon)."""
    day, index = engine.locate(start)
    for _ in range(UNTIL_HORIZON_DAYS + 1):
        for segment in day.segments[index:]:
            if segment.cover is not Cover.SUPPORT:
                return segment.start
        day, index = engine.day(day.date + ONE_DAY), 0
    return None


def topic_text(name: str | None, start: datetime, end: datetime | None, tz: ZoneInfo) -> str:
    """The ask channel's topic for a support period: who answers here and until when (plain text, by
    name: a mention in a topic would ping them), within Slack's 250 characters."""
    local_start = start.astimezone(tz)
    when = f"{local_start:%a} {local_start.day} {local_start:%b} {local_start:%H:%M}"
    if end is None:
        until = " until further notice"
    else:
        local_end = end.astimezone(tz)
        same_day = local_end.date() == local_start.date()
        until = (
            f"-{local_end:%H:%M}"
            if same_day
            else f" to {local_end:%a} {local_end.day} {local_end:%b} {local_end:%H:%M}"
        )
    who = name[:80] if name else "nobody holds the support duty"
    return f"Support engineer: {who} ({when}{until}). Questions here are answered in support hours."[:250]
