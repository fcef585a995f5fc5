"""What arrives from a request's issue tracker (GitHub webhooks), as the change workflow and the support
board take it in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from opsdesk.domain.changes.model import ReviewCommand


@dataclass(frozen=True)
class IssueEvent:
    """A GitHub `issues` webhook, as far as change requests and support requests care."""

    action: str  # opened, edited, reopened, closed, ...
    repository: str  # owner/name
    number: int
    title: str
    body: str
    author: str  # the issue's author (login)
    created_at: datetime
    updated_at: datetime  # this version of the issue: orders edits delivered out of order
    from_form: bool = False  # filed with the team's issue form (its title prefix), whatever its body says
    labels: tuple[str, ...] = ()  # the issue's labels' names (the support label puts it on the board)
    url: str | None = None  # the issue's page on GitHub
    sender: str = ""  # who took the action (closed or reopened it, added a label)


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
    command: ReviewCommand | None = None  # the command the comment holds, if any
