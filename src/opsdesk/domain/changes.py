"""Out-of-hours change requests: the form, reading a submitted issue body, and the checks on a request.

The team's GitHub issue form has four required fields (ids and labels as the team wrote them, spelling
included). GitHub renders a submitted form as Markdown: `### <label>`, a blank line, the answer, and
`_No response_` for a field left empty.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from opsdesk.domain.change_time import ChangeWindow, TimeProblem, TimeProblemCode, read_window
from opsdesk.domain.errors import DomainError, NotAllowedError
from opsdesk.domain.hours import Cover, CoverEngine
from opsdesk.domain.rota import Engineer, Rota

# (id, label) of each field, in the form's order. "Assesment" is the team's spelling, kept so that
# bodies of issues filed with their form are read.
FIELDS = (
    ("change-details", "Change Details"),
    ("time", "Scheduled Time"),
    ("impact", "Impact Assesment"),
    ("rollback", "Rollback Plan"),
)
TITLE_PREFIX = "Service name: "
ALSO_READ = {"impact assessment": "impact"}  # the usual spelling, when someone writes the body by hand
BODY_LIMIT = 65_536  # characters; a form's answers are far shorter
NO_RESPONSE = "_No response_"
HEADING = re.compile(r"^###[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)


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


def read_form(body: str) -> dict[str, str | None] | Problem:
    """The form's answers by field id (None: empty or absent), or why this is not a form's body."""
    if len(body) > BODY_LIMIT:
        return Problem(
            Code.TOO_LARGE,
            Severity.ERROR,
            f"the issue body is {len(body):,} characters; a request's is far shorter (at most {BODY_LIMIT:,})",
        )
    text = body.replace("\r\n", "\n")
    headings = list(HEADING.finditer(text))
    labels = {label.casefold(): field_id for field_id, label in FIELDS} | ALSO_READ
    answers: dict[str, str | None] = {}
    for index, heading in enumerate(headings):
        field_id = labels.get(heading.group(1).strip().casefold())
        if field_id is None or field_id in answers:
            continue
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        answer = text[heading.end() : end].strip()
        answers[field_id] = None if not answer or answer == NO_RESPONSE else answer
    if not answers:
        expected = ", ".join(f"### {label}" for _, label in FIELDS)
        return Problem(
            Code.NOT_FORM,
            Severity.ERROR,
            f"this is not an out-of-hours support request form: expected the sections {expected}",
        )
    return {field_id: answers.get(field_id) for field_id, _ in FIELDS}


def check_request(  # noqa: PLR0917  (everything a check looks at)
    body: str,
    submitted: datetime,
    policy: ChangePolicy,
    rota: Rota,
    engine: CoverEngine,
    booked: Sequence[Booked],
) -> CheckResult:
    """Every problem with a request as written, and its window when the time could be read."""
    answers = read_form(body)
    if isinstance(answers, Problem):
        return CheckResult(None, [answers])
    problems = [
        Problem(Code.MISSING_FIELD, Severity.ERROR, f"{label} is empty: fill in the {label!r} field")
        for field_id, label in FIELDS
        if answers[field_id] is None
    ]
    time_text = answers["time"]
    if time_text is None:
        return CheckResult(None, problems)
    if _times_given(body) > 1:
        problems.append(
            Problem(Code.AMBIGUOUS_TIME, Severity.ERROR, "Scheduled Time is given more than once: keep one")
        )
        return CheckResult(None, problems)
    window = read_window(time_text, submitted, engine.timezone)
    if isinstance(window, TimeProblem):
        code = Code.AMBIGUOUS_TIME if window.code is TimeProblemCode.AMBIGUOUS else Code.UNREADABLE_TIME
        problems.append(Problem(code, Severity.ERROR, f"Scheduled Time: {window.message}"))
        return CheckResult(None, problems)
    problems += check_window(window, submitted, policy, rota, engine, booked)
    return CheckResult(window, problems)


def _times_given(body: str) -> int:
    return sum(
        1
        for h in HEADING.finditer(body.replace("\r\n", "\n"))
        if h.group(1).strip().casefold() == "scheduled time"
    )


def check_window(  # noqa: PLR0917  (everything a check looks at)
    window: ChangeWindow,
    submitted: datetime,
    policy: ChangePolicy,
    rota: Rota,
    engine: CoverEngine,
    booked: Sequence[Booked],
) -> list[Problem]:
    problems = []
    hours = window.length.total_seconds() / 3600
    if window.length > policy.longest:
        longest = policy.longest.total_seconds() / 3600
        problems.append(
            Problem(
                Code.TOO_LONG,
                Severity.ERROR,
                f"the window is {hours:g} hours; the policy allows at most {longest:g}: split the change",
            )
        )
    notice = window.start - submitted
    if notice < policy.notice:
        needed = policy.notice.total_seconds() / 3600
        if notice <= timedelta():
            said = "the window starts before the request was made"
        else:
            seconds = int(notice.total_seconds())
            said = f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d} (h:mm:ss) of notice"
        problems.append(
            Problem(
                Code.SHORT_NOTICE,
                Severity.ERROR,
                f"{said}; at least {needed:g} hours are needed from submission to the window's start",
            )
        )
    support = sum(
        ((w.end - w.start) for w in engine.windows(window.start, window.end) if w.cover is Cover.SUPPORT),
        timedelta(),
    )
    if support == window.length:
        problems.append(
            Problem(
                Code.IN_HOURS,
                Severity.ERROR,
                "the whole window is in support hours, when the team is at work: no out-of-hours support is needed",
            )
        )
    elif support > timedelta():
        problems.append(
            Problem(
                Code.PARTLY_IN_HOURS,
                Severity.WARNING,
                f"{support.total_seconds() / 3600:g} hour{'' if support == timedelta(hours=1) else 's'} of the window "
                f"{'is' if support == timedelta(hours=1) else 'are'} in support hours",
            )
        )
    for other in booked:
        if other.window.start < window.end and window.start < other.window.end:
            problems.append(
                Problem(
                    Code.CONFLICT, Severity.ERROR, f"the window overlaps approved change {other.reference}"
                )
            )
    for freeze in policy.freezes:
        if freeze.start < window.end and window.start < freeze.end:
            problems.append(
                Problem(
                    Code.CONFLICT, Severity.ERROR, f"the window falls in a change freeze: {freeze.reason}"
                )
            )
    if not available_engineers(rota, days_of(window, engine.timezone)):
        problems.append(
            Problem(
                Code.NO_ENGINEER,
                Severity.ERROR,
                "no engineer on the on-call rota is free then (everyone is on leave or opted out)",
            )
        )
    return problems


def days_of(window: ChangeWindow, tz: ZoneInfo) -> list[date]:
    """The local days a window touches."""
    first = window.start.astimezone(tz).date()
    last = (window.end - timedelta(microseconds=1)).astimezone(tz).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def available_engineers(rota: Rota, days: list[date]) -> list[Engineer]:
    """Engineers on the on-call rota who are not on leave on any of `days`."""
    return [e for e in rota.engineers if e.on_call and all(rota.on_leave(e.id, day) is None for day in days)]


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
CHANGE_MOVES: dict[ChangeAction, tuple[tuple[ChangeState, ...], ChangeState | None]] = {
    ChangeAction.CHECK: ((*OPEN_CHANGE_STATES, ChangeState.APPROVED), None),  # the check decides which
    ChangeAction.APPROVE: ((ChangeState.UNDER_REVIEW,), ChangeState.APPROVED),
    ChangeAction.REJECT: ((*OPEN_CHANGE_STATES, ChangeState.APPROVED), ChangeState.REJECTED),
    ChangeAction.START: ((ChangeState.APPROVED,), ChangeState.IN_PROGRESS),
    ChangeAction.COMPLETE: ((ChangeState.IN_PROGRESS,), ChangeState.COMPLETED),
    ChangeAction.ROLL_BACK: ((ChangeState.IN_PROGRESS,), ChangeState.ROLLED_BACK),  # "roll back"
    ChangeAction.CANCEL: ((*OPEN_CHANGE_STATES, ChangeState.APPROVED), ChangeState.CANCELLED),
}
CHECKLIST = (
    ("stakeholders-informed", "stakeholders informed"),
    ("backup-and-rollback-verified", "backup and rollback verified"),
)


class ChangeError(DomainError):
    """A change-request action refused: an illegal transition, the wrong person, something missing."""


class UnknownChangeError(ChangeError):
    pass


class ChangeNotAllowedError(NotAllowedError, ChangeError):
    """Not this person's step on a change request (not the requester, not a team engineer, their own
    request): refused as NotAllowedError everywhere, and still a ChangeError, so a refused GitHub command
    is answered on the issue like any other refusal."""


def next_change_state(reference: str, state: ChangeState, action: ChangeAction) -> ChangeState | None:
    """The state after `action` (None for CHECK: the check decides), or ChangeError saying why not."""
    allowed, result = CHANGE_MOVES[action]
    if state not in allowed:
        names = [str(s) for s in allowed]
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
        verb = str(action).replace("-", " ")
        raise ChangeError(f"change {reference} is {state}: to {verb} it, it must be {listed}")
    return result


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
    checklist: tuple[str, ...] = ()  # ids of the items ticked
    reason: str | None = None  # why rejected or cancelled
    note: str | None = None  # after the change
    monitoring_until: datetime | None = None
    repository: str | None = None  # owner/name, for a request from a GitHub issue
    issue: int | None = None

    @property
    def reference(self) -> str:
        return f"{self.repository}#{self.issue}" if self.repository and self.issue else f"CR-{self.id}"

    @property
    def checklist_done(self) -> bool:
        return all(item in self.checklist for item, _ in CHECKLIST)


@dataclass(frozen=True)
class IssueEvent:
    """A GitHub `issues` webhook, as far as change requests care."""

    action: str  # opened, edited, reopened, closed, ...
    repository: str  # owner/name
    number: int
    title: str
    body: str
    author: str  # the issue's author (login)
    created_at: datetime
    updated_at: datetime  # this version of the issue: orders edits delivered out of order


@dataclass(frozen=True)
class CommentEvent:
    """A GitHub `issue_comment` webhook (created)."""

    action: str
    repository: str
    number: int
    comment_id: int
    author: str
    body: str
    created_at: datetime  # when it was written: a command older than the request's last change is refused
    updated_at: datetime


def read_command(text: str) -> tuple[str, str, str] | None:
    """`/approve @engineer instructions...` or `/reject reason...` at a comment's start, as
    (command, first word, the rest); None for any other comment."""
    stripped = text.strip()
    match = re.match(r"^/(approve|reject)\b[ \t]*(.*)", stripped, re.DOTALL)
    if match is None:
        return None
    command, rest = match.group(1), match.group(2).strip()
    if command == "reject":
        return command, "", rest
    first, _, remainder = rest.partition("\n")
    word, _, tail = first.strip().partition(" ")
    return command, word, (tail.strip() + "\n" + remainder.strip()).strip()
