"""The handover as values: its kinds, the policy, what a briefing holds, and the kept record.

A briefing is what one rhythm moment says (the 16:00 handover, the morning hand-back, the turn change, the
daily digest); a record is a briefing made and kept, with its acknowledgement. Texts here are plain: each
vendor's renderer writes them for its channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from opsdesk.domain.rota import EngineerId

NOTE_LIMIT = 2000  # characters of one note (a handover is read on a phone)


class HandoverKind(StrEnum):
    HANDOVER = "handover"  # end of a support window: support engineer -> the on-call pair
    HAND_BACK = "hand-back"  # start of a support window: the on-call pair -> the support engineer
    TURN_CHANGE = "turn-change"  # the weekly turn: outgoing pair -> incoming pair
    DIGEST = "digest"  # start of a support window: the day at a glance, for the team

    @property
    def acknowledged(self) -> bool:
        """Whether its receivers acknowledge it (a digest is for reading only)."""
        return self is not HandoverKind.DIGEST


class Timeliness(StrEnum):
    ON_TIME = "on-time"
    LATE = "late"  # made after the service came back, within the policy's limit
    MISSED = "missed"  # the service was down past the limit: recorded, said in the next digest


@dataclass(frozen=True)
class HandoverPolicy:
    """The `handover:` section of the policy."""

    channel: str | None = None  # the team's channel (None: the log keeps the post)
    acknowledge_within: timedelta = timedelta(minutes=30)  # then both receivers are reminded
    tell_support_after: timedelta = timedelta(minutes=30)  # after the reminder: the giver is told
    late_limit: timedelta = timedelta(hours=2)  # a moment missed by longer is recorded as missed
    late_after: timedelta = timedelta(minutes=5)  # a moment made later than this is marked late
    direct: bool = True  # a direct message (or email) to each receiver as well as the channel post
    turn_change: bool = True
    digest: bool = True
    repositories: tuple[str, ...] = ()  # owner/name: Dependabot pull requests and failed runs in the digest
    note_limit: int = NOTE_LIMIT


@dataclass(frozen=True)
class Moment:
    """When a briefing is due, and the stretch it covers ([start, end))."""

    kind: HandoverKind
    at: datetime
    start: datetime
    end: datetime

    @property
    def key(self) -> str:
        """One key per moment (its kind and UTC instant), so two replicas never make it twice."""
        return f"{self.kind}:{self.at.astimezone(UTC):%Y-%m-%dT%H:%MZ}"


@dataclass(frozen=True)
class Person:
    id: EngineerId
    name: str


@dataclass(frozen=True)
class CoverSpan:
    """One cover window of the stretch, and who holds each on-call role as it starts."""

    start: datetime
    end: datetime
    cover: str  # on-call, none, support
    primary: Person | None = None
    secondary: Person | None = None
    holiday: str | None = None


@dataclass(frozen=True)
class IncidentLine:
    id: int
    service: str
    summary: str
    state: str
    priority: str | None
    opened_at: datetime
    what: str = "open"  # open; in a hand-back: opened, resolved, deferred (in the stretch)
    informed: str | None = None
    plan: str | None = None
    lead: str | None = None
    acknowledged_by: str | None = None


@dataclass(frozen=True)
class ChangeLine:
    id: int
    title: str
    state: str
    start: datetime | None
    end: datetime | None
    assigned: Person | None = None
    instructions: str | None = None
    channel: str | None = None
    what: str = "window"  # window (in the stretch), monitoring, review (awaiting it), done, rolled-back
    monitoring_until: datetime | None = None
    note: str | None = None


@dataclass(frozen=True)
class AlarmCount:
    """Alarms of the last 24 hours on one service, and its noisiest dedup keys (key, count)."""

    service: str
    count: int
    noisiest: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class PageLine:
    """A page sent in the stretch, and how long it waited to be acknowledged (None: never)."""

    incident: int
    engineer: str
    role: str
    at: datetime
    acknowledged_after: timedelta | None = None


@dataclass(frozen=True)
class Note:
    id: int
    at: datetime
    author: str
    text: str


@dataclass(frozen=True)
class LeaveLine:
    engineer: Person
    first: str  # ISO dates
    last: str
    note: str = ""


@dataclass(frozen=True)
class GitHubItem:
    repository: str
    number: int
    title: str
    url: str
    at: datetime | None = None


@dataclass(frozen=True)
class GitHubSection:
    """The digest's GitHub part: `ok`, `not-set-up` or `failed` (with a line saying why)."""

    state: str
    message: str = ""
    pull_requests: tuple[GitHubItem, ...] = ()  # open Dependabot pull requests
    failed_runs: tuple[GitHubItem, ...] = ()  # workflow runs that failed in the last day


@dataclass(frozen=True)
class Missed:
    """A briefing the service did not make in time (it was down past the late limit)."""

    kind: str
    at: datetime


@dataclass(frozen=True)
class PromiseLine:
    """An announcement's promised next update, now overdue."""

    announcement: int
    title: str
    author: str
    due_at: datetime
    incident: int | None = None


@dataclass(frozen=True)
class RequestLine:
    """A support request waiting on the team: untriaged, or past its triage target."""

    id: int
    title: str
    requester: str
    created_at: datetime
    waited: timedelta  # in support hours
    what: str = "untriaged"  # untriaged; late (untriaged past the policy's target)


@dataclass(frozen=True)
class Briefing:
    """What one moment says. Sections a kind does not use stay empty."""

    kind: HandoverKind
    at: datetime
    start: datetime  # the stretch it covers
    end: datetime
    giver: tuple[Person, ...]  # who hands over (the support engineer; the on-call pair)
    primary: Person | None  # who receives (the hand-back: the support engineer as primary)
    secondary: Person | None
    cover: tuple[CoverSpan, ...] = ()
    incidents: tuple[IncidentLine, ...] = ()
    changes: tuple[ChangeLine, ...] = ()
    alarms: tuple[AlarmCount, ...] = ()
    pages: tuple[PageLine, ...] = ()
    notes: tuple[Note, ...] = ()
    leave: tuple[LeaveLine, ...] = ()
    github: GitHubSection | None = None
    missed: tuple[Missed, ...] = ()
    promises: tuple[PromiseLine, ...] = ()  # overdue updates (handover, digest)
    requests: tuple[RequestLine, ...] = ()  # untriaged support requests (handover, digest)
    timeliness: Timeliness = Timeliness.ON_TIME
    support: Person | None = None  # the digest: today's support engineer

    @property
    def receivers(self) -> tuple[Person, ...]:
        return tuple(p for p in (self.primary, self.secondary) if p is not None)


@dataclass(frozen=True)
class Acknowledgement:
    by: str  # the engineer's id
    at: datetime
    via: str  # cli, api, slack


@dataclass(frozen=True)
class HandoverRecord:
    """A briefing made and kept."""

    id: int
    key: str
    briefing: Briefing
    made_at: datetime
    acknowledgement: Acknowledgement | None = None
    reminded_at: datetime | None = None
    escalated_at: datetime | None = None  # the giver told nobody acknowledged

    @property
    def kind(self) -> HandoverKind:
        return self.briefing.kind
