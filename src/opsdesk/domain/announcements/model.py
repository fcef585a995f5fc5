"""Announcements as values: kinds, mentions, the policy, what a person asks to announce, what is kept, and
the checks of what is asked (limits, plain text, which kind may carry which time).

Texts here are plain: Slack's escaping is its renderer's job, so nothing a person writes can mention
anyone or link anywhere; a mention is only ever the `mention` field, checked against the budget.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from opsdesk.domain.errors import AnnouncementError

TITLE_LIMIT = 200  # characters: a title is one line, read in a notification
BODY_LIMIT = 4000  # characters: what fits a phone screen or two (Slack takes 40,000)
NEXT_UPDATE_LIMIT = timedelta(days=7)  # a promise further out is no schedule of updates
ALLOWED_IN_BODY = "\n\t"
MARKS = "\u200e\u200f"  # left-to-right and right-to-left marks: words written right to left need them


class AnnouncementKind(StrEnum):
    SCHEDULED_WORK = "scheduled-work"  # future work, announced in advance
    MAINTENANCE = "maintenance"  # planned maintenance, starting or under way
    INCIDENT_UPDATE = "incident-update"  # how an ongoing incident stands

    @property
    def words(self) -> str:
        return {
            AnnouncementKind.SCHEDULED_WORK: "Scheduled work",
            AnnouncementKind.MAINTENANCE: "Maintenance",
            AnnouncementKind.INCIDENT_UPDATE: "Incident update",
        }[self]

    @property
    def starts(self) -> bool:
        """Whether it may say when the work starts (and so be reminded of before it does)."""
        return self is not AnnouncementKind.INCIDENT_UPDATE

    @property
    def promises(self) -> bool:
        """Whether it may promise the next update."""
        return self is not AnnouncementKind.SCHEDULED_WORK


class Mention(StrEnum):
    HERE = "here"  # everyone active in the channel
    CHANNEL = "channel"  # everyone in the channel, active or not


@dataclass(frozen=True)
class AnnouncementPolicy:
    """The `announcements:` section of the policy."""

    update_channel: str | None = None  # None: the log keeps the post under "announcements"
    ask_channel: str | None = None  # None: the log keeps the forward under "ask"
    channel_for: tuple[str, ...] = ("P1",)  # @channel only on an incident update of these priorities
    here_per_week: int = 2  # @here at most this often a week, Monday to Sunday in the team's time
    reminders: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=1))  # before scheduled work
    grace: timedelta = timedelta(minutes=10)  # after a promised update's time, before it is overdue


@dataclass(frozen=True)
class Request:
    """What a person asks to announce (times already read as instants)."""

    kind: AnnouncementKind
    title: str
    body: str
    incident: int | None = None
    change: int | None = None
    mention: Mention | None = None
    starts_at: datetime | None = None
    next_update: datetime | timedelta | None = None  # an instant, or a while from when it is announced


@dataclass(frozen=True)
class Promise:
    """The next update an announcement promised, and what became of it."""

    due: datetime
    overdue_from: datetime  # due plus the policy's grace
    reminded_at: datetime | None = None  # the author (and the incident's lead) reminded
    kept_by: int | None = None  # the later announcement on the same incident or change
    kept_at: datetime | None = None

    def state(self, now: datetime) -> str:
        """pending, due (past its time, within the grace), overdue, kept, or kept-late."""
        if self.kept_at is not None:
            return "kept" if self.kept_at < self.overdue_from else "kept-late"
        if now < self.due:
            return "pending"
        return "due" if now < self.overdue_from else "overdue"


@dataclass(frozen=True)
class Reminder:
    """A reminder announcement before scheduled work starts: `before` the start, due `at`."""

    before: timedelta
    at: datetime
    sent_at: datetime | None = None


@dataclass(frozen=True)
class Announcement:
    """An announcement kept: what was said, by whom, where it went, and its schedule."""

    id: int
    kind: AnnouncementKind
    title: str
    body: str
    author: str  # an engineer's id when the one announcing is on the team, else the name they acted as
    at: datetime
    incident: int | None = None
    change: int | None = None
    priority: str | None = None  # the incident's priority when announced
    mention: Mention | None = None
    starts_at: datetime | None = None
    promise: Promise | None = None
    update_channel: str | None = None  # where it was posted, and forwarded (as the policy said then)
    ask_channel: str | None = None
    reminders: tuple[Reminder, ...] = field(default_factory=tuple)

    @property
    def key(self) -> str:
        """The stem of its outbox and job keys: posted once, reminded once."""
        return f"announcement:{self.id}"

    @property
    def subject(self) -> str | None:
        """What it is about, in words: "incident #7", "change request #3", or None."""
        if self.incident is not None:
            return f"incident #{self.incident}"
        if self.change is not None:
            return f"change request #{self.change}"
        return None


def checked(request: Request, now: datetime) -> Request:
    """The request with its title and body trimmed and its next update as an instant (a while from `now`);
    AnnouncementError saying what is wrong and how to put it right otherwise. Nothing is stored or posted
    before this passes."""
    title = _title(request.title)
    body = _body(request.body)
    kind = request.kind
    if request.incident is not None and request.change is not None:
        raise AnnouncementError(
            "an announcement belongs to one incident or one change request, not both: give one"
        )
    if kind is AnnouncementKind.INCIDENT_UPDATE and request.incident is None:
        raise AnnouncementError("an incident update names its incident: give the incident's number")
    if request.starts_at is not None and not kind.starts:
        raise AnnouncementError(
            f"an {kind} has no start time: a start belongs to scheduled work and maintenance"
        )
    due = request.next_update
    if isinstance(due, timedelta):
        due = now + due
    if due is not None:
        _check_promise(request, due, now)
    return replace(request, title=title, body=body, next_update=due)


def _check_promise(request: Request, due: datetime, now: datetime) -> None:
    if not request.kind.promises:
        raise AnnouncementError(
            "scheduled work promises no next update (it is reminded of before it starts): leave the "
            "next update out, or announce it as maintenance"
        )
    if request.incident is None and request.change is None:
        raise AnnouncementError(
            "a next update is kept by a later announcement on the same incident or change request: name "
            "the incident or the change request this one belongs to"
        )
    if due <= now:
        raise AnnouncementError("the next update must be promised for a time after now, e.g. 30m or 2h")
    if due - now > NEXT_UPDATE_LIMIT:
        raise AnnouncementError(
            "the next update may be promised at most 7 days ahead: give a nearer time, or leave it out"
        )


def _title(text: str) -> str:
    title = text.strip()
    if not title:
        raise AnnouncementError("the title is empty: say in a few words what is happening")
    if "\n" in title or "\r" in title:
        raise AnnouncementError("the title is one line: put the details in the body")
    if len(title) > TITLE_LIMIT:
        raise AnnouncementError(
            f"a title is at most {TITLE_LIMIT} characters and this one has {len(title)}: shorten it, "
            "and put the details in the body"
        )
    _plain(title, "the title", "")
    return title


def _body(text: str) -> str:
    body = text.strip()
    if not body:
        raise AnnouncementError("the body is empty: say what is happening, whom it affects, and what to do")
    if len(body) > BODY_LIMIT:
        raise AnnouncementError(
            f"a body is at most {BODY_LIMIT} characters and this one has {len(body)}: shorten it, or link "
            "to the details"
        )
    _plain(body, "the body", ALLOWED_IN_BODY)
    return body


def _plain(text: str, name: str, allowed: str) -> None:
    """No control or format characters (a NUL, an escape, a direction override) but those `allowed` and
    the direction marks."""
    bad = next(
        (c for c in text if unicodedata.category(c) in {"Cc", "Cf"} and c not in allowed and c not in MARKS),
        None,
    )
    if bad is not None:
        raise AnnouncementError(
            f"{name} holds the control character U+{ord(bad):04X}: write it as plain text"
        )
