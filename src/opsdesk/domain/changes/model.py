"""Change requests as values: states, the policy, what a check finds, the request itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from opsdesk.domain.changes.checklist import DEFAULT_CHECKLIST, Checklist, Tick
from opsdesk.domain.changes.window import ChangeWindow

BODY_LIMIT = 65_536  # characters of a request's text; a form's answers are far shorter
# (id, label) of each section of a request, in the team's order. "Assesment" is the team's spelling (their
# GitHub form's label), kept so that what people wrote is read and messages use their words.
FIELDS = (
    ("change-details", "Change Details"),
    ("time", "Scheduled Time"),
    ("impact", "Impact Assesment"),
    ("rollback", "Rollback Plan"),
)


class Code(StrEnum):
    NOT_FORM = "not-form"
    TOO_LARGE = "too-large"
    MISSING_FIELD = "missing-field"
    UNREADABLE_TIME = "unreadable-time"
    AMBIGUOUS_TIME = "ambiguous-time"
    TOO_LONG = "too-long"
    SHORT_NOTICE = "short-notice"
    IN_HOURS = "in-hours"
    PARTLY_IN_HOURS = "partly-in-hours"
    CONFLICT = "conflict"
    NO_ENGINEER = "no-engineer"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    code: Code
    severity: Severity
    message: str


@dataclass(frozen=True)
class Freeze:
    """A period in which no change may run (from the policy)."""

    start: datetime
    end: datetime
    reason: str


@dataclass(frozen=True)
class ChangePolicy:
    notice: timedelta = timedelta(hours=48)
    longest: timedelta = timedelta(hours=24)
    freezes: tuple[Freeze, ...] = ()
    ask_channel: str | None = None  # where requests and approvals are announced
    channel: str | None = None  # the designated channel for changes, unless a reviewer names another
    monitoring: timedelta = timedelta(hours=24)  # after a change, watched and handed over this long
    checklist: Checklist = DEFAULT_CHECKLIST
    start_tolerance: timedelta = timedelta(minutes=15)  # how early before its window a change may start


@dataclass(frozen=True)
class Booked:
    """An approved change already holding a window."""

    reference: str
    window: ChangeWindow


@dataclass(frozen=True)
class CheckResult:
    window: ChangeWindow | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity is Severity.ERROR for p in self.problems)


class ChangeState(StrEnum):
    SUBMITTED = "submitted"
    NEEDS_INFO = "needs-info"
    UNDER_REVIEW = "under-review"
    APPROVED = "approved"
    REJECTED = "rejected"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    ROLLED_BACK = "rolled-back"
    CANCELLED = "cancelled"


class ChangeAction(StrEnum):
    CHECK = "check"  # the request was (re)checked: to needs-info or under-review
    APPROVE = "approve"
    REJECT = "reject"
    START = "start"
    COMPLETE = "complete"
    ROLL_BACK = "roll-back"
    CANCEL = "cancel"


OPEN_CHANGE_STATES = (ChangeState.SUBMITTED, ChangeState.NEEDS_INFO, ChangeState.UNDER_REVIEW)


@dataclass(frozen=True)
class ChangeRequest:
    id: int
    title: str
    body: str
    requester: str  # a GitHub login, a token's name, a person at the CLI
    state: ChangeState
    submitted_at: datetime
    window: ChangeWindow | None = None
    problems: tuple[Problem, ...] = ()
    assigned: str | None = None  # the engineer's id
    instructions: str | None = None
    channel: str | None = None  # the designated Slack channel
    checklist: tuple[Tick, ...] = ()  # the items ticked, by whom and when, in the order ticked
    reason: str | None = None  # why rejected or cancelled
    note: str | None = None  # after the change
    monitoring_until: datetime | None = None  # from completion (or roll-back), for the policy's period
    started_at: datetime | None = None
    finished_at: datetime | None = None  # completed or rolled back
    repository: str | None = None  # owner/name, for a request from a GitHub issue
    issue: int | None = None

    @property
    def reference(self) -> str:
        return f"{self.repository}#{self.issue}" if self.repository and self.issue else f"CR-{self.id}"

    def ticked(self, item: str) -> Tick | None:
        return next((t for t in self.checklist if t.item == item), None)


@dataclass(frozen=True)
class RequestText:
    """A request's sections as the requester wrote them, by field id (None: left empty or absent), and how
    many times a Scheduled Time was given (more than one is a doubt, not a choice)."""

    answers: dict[str, str | None]
    times_given: int = 1

    def answer(self, field_id: str) -> str | None:
        return self.answers.get(field_id)


@dataclass(frozen=True)
class ReviewCommand:
    """A reviewer's decision written as a command (e.g. a comment on the request's issue): approve with an
    engineer and instructions, or reject with a reason."""

    verb: str  # "approve" or "reject"
    engineer: str  # approve: the engineer named (may be empty: then refused, saying so)
    text: str  # approve: the instructions; reject: the reason
