"""Support requests as values: the board's statuses, triage, the policy's targets, a request, a comment."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from opsdesk.domain.timeline import Source

TITLE_LIMIT = 200  # characters of a title: one line on the board
BODY_LIMIT = 16_000  # characters of a request's text or a comment: a page or two, not a log file
LABEL_LIMIT = 50  # characters of a label (GitHub's own limit)
LABELS_LIMIT = 20  # labels on one request
LINK_LIMIT = 500  # characters of the link to where the request came from
DEFAULT_LABEL = "support-request"  # the GitHub label that puts an issue on the board
SLACK_USER = re.compile(r"^[UW][A-Z0-9]{1,39}$")  # a Slack user's id, as a requester from Slack may be


class Status(StrEnum):
    """The team's columns on the board."""

    TODO = "todo"
    IN_PROGRESS = "in-progress"
    BLOCKED = "blocked"
    FOR_REVIEW = "for-review"
    DONE = "done"


class Triage(StrEnum):
    UNTRIAGED = "untriaged"
    ACCEPTED = "accepted"  # with a priority
    DECLINED = "declined"  # with a reason; the request is done


class Priority(StrEnum):
    P1 = "P1"  # users are stopped: drop other support work
    P2 = "P2"  # users are hindered: next in line
    P3 = "P3"  # a question or an improvement: when there is time


@dataclass(frozen=True)
class SupportPolicy:
    """The `support:` part of the policy: the GitHub label, the channel, and the targets in support hours."""

    label: str = DEFAULT_LABEL
    channel: str | None = None  # where new requests are announced (the changes' ask channel by default)
    triage: timedelta = timedelta(hours=1)
    first_response: timedelta = timedelta(hours=4)
    done: timedelta = timedelta(hours=35)  # five support days of seven hours


@dataclass(frozen=True)
class SupportRequest:
    id: int
    title: str
    body: str
    requester: str  # a GitHub login, a token's name, a person at the CLI
    status: Status
    created_at: datetime
    triage: Triage = Triage.UNTRIAGED
    priority: Priority | None = None  # accepted: P1-P3
    reason: str | None = None  # declined: why
    assignee: str | None = None  # an engineer's id
    labels: tuple[str, ...] = ()  # sorted, each once (case aside)
    link: str | None = None  # where it came from: a GitHub issue's URL, a Slack permalink, ...
    repository: str | None = None  # owner/name, for a request from a GitHub issue
    issue: int | None = None
    triaged_at: datetime | None = None  # the first triage: what the triage target measures
    triaged_by: str | None = None
    first_response_at: datetime | None = None
    done_at: datetime | None = None  # the latest move to done; cleared when reopened
    # Made from a Slack message: its channel's id, its thread's root (where the requester is told what
    # becomes of it) and its own ts (the message the request was made of).
    slack_channel: str | None = None
    slack_thread: str | None = None
    slack_ts: str | None = None

    @property
    def reference(self) -> str:
        return f"SR-{self.id}"

    @property
    def requested_by(self) -> str:
        """The requester as the board names them: a Slack user who is not on the team by their Slack id,
        said to be one (a mention would ping them)."""
        if self.slack_channel and SLACK_USER.match(self.requester):
            return f"Slack user {self.requester}"
        return self.requester

    @property
    def issue_reference(self) -> str | None:
        return f"{self.repository}#{self.issue}" if self.repository and self.issue else None


@dataclass(frozen=True)
class Comment:
    at: datetime
    author: str  # an engineer's id when the author is one, else the name they came with
    source: Source
    text: str
    id: int | None = None  # its place in the store, once stored


@dataclass(frozen=True)
class Waits:
    """How long a request waited, in support hours: to triage, to the first response, to done (None: not
    yet, or never for this request: a declined request is never done)."""

    triage: timedelta | None
    first_response: timedelta | None
    done: timedelta | None
    # Still waiting, and already past the target: counted late though the wait has not ended.
    late: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TriageBreach:
    """An untriaged request that has waited longer than the triage target, in support hours."""

    request: SupportRequest
    waited: timedelta
