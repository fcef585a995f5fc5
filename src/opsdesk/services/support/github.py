"""Support requests from GitHub: an issue carrying the policy's label (and not the change-request form)
joins the board when opened or labelled, and stays in step: edits and labels, closed (done), reopened
(todo); comments on it are the request's comments. Deliveries are taken in once, by what their signature
covers (services/changes/receipts.py), and a version of the issue older than one taken in is ignored.

Each step answers None for an issue that is not the board's, taking nothing in, so the webhook hands the
delivery to the change workflow instead."""

from __future__ import annotations

from typing import Any

from opsdesk.domain.changes.model import Problem
from opsdesk.domain.support.model import BODY_LIMIT, TITLE_LIMIT, Status, SupportRequest
from opsdesk.domain.support.workflow import labels_of
from opsdesk.domain.timeline import Actor, Source
from opsdesk.services.changes.events import CommentEvent, IssueEvent
from opsdesk.services.changes.receipts import comment_receipt, issue_receipt, stale, taken
from opsdesk.services.support.board import BoardSteps, Filed
from opsdesk.services.unit_of_work import UnitOfWork

SIGNED = "**opsdesk**"  # how opsdesk's own replies begin (adapters/github/render.py): not a comment


class GitHubSteps(BoardSteps):
    def github_issue(self, event: IssueEvent, delivery: str) -> str | None:
        """What happened to the board, or None: not the board's issue (nothing taken in)."""
        now = self.clock.now()
        with self.transaction() as uow:
            existing = uow.support.by_issue(event.repository, event.number)
            if existing is None and not self._claims(uow, event):
                return None
            seen = taken(uow.receipts, issue_receipt(event), delivery, now)
            if seen is not None:
                return seen
            older = stale(uow.receipts, event)
            if older is not None:
                if existing is not None:
                    self._record(uow, existing, now, self._sender(event), "ignored", older)
                return older
            if existing is None:
                if event.action not in ("opened", "labeled"):
                    return f"{event.action}: {event.repository}#{event.number} is not on the support board; ignored"
                return self._github_file(uow, event)
            return self._github_step(uow, existing, event)

    def _github_step(self, uow: UnitOfWork, request: SupportRequest, event: IssueEvent) -> str:
        """An issue on the board closed (done), reopened (todo), or edited or labelled (kept in step)."""
        if event.action == "closed":
            return self._github_close(uow, request, event)
        if event.action != "reopened":
            return self._github_sync(uow, request, event)
        if request.status is not Status.DONE:
            return f"reopened: {request.reference} is {request.status}; nothing to do"
        reopened = self._reopen(uow, request, self._sender(event), "reopened on GitHub")
        return f"reopened {reopened.reference} ({reopened.status})"

    def github_comment(self, event: CommentEvent, delivery: str) -> str | None:
        """A comment on a request's issue taken in as the request's comment; None: not the board's issue."""
        now = self.clock.now()
        with self.transaction() as uow:
            request = uow.support.by_issue(event.repository, event.number)
            if request is None:
                return None
            seen = taken(uow.receipts, comment_receipt(event), delivery, now)
            if seen is not None:
                return seen
            if event.action != "created":
                return f"comment {event.action}: ignored"
            if event.body.startswith(SIGNED):
                return "opsdesk's own reply: ignored"
            by = self.people.by_github(event.author)
            actor = Actor(by.id if by is not None else event.author, Source.GITHUB)
            text = event.body[:BODY_LIMIT].strip() or "(empty)"
            self._comment(uow, request, actor, text, event.created_at, by)
            return f"commented on {request.reference}"

    def _claims(self, uow: UnitOfWork, event: IssueEvent) -> bool:
        """An issue carrying the support label that is not a change request (the form, or one opened)."""
        label = self.policy.label.casefold()
        if not any(name.strip().casefold() == label for name in event.labels):
            return False
        if event.from_form or not isinstance(self.read(event.body), Problem):
            return False
        return uow.changes.by_issue(event.repository, event.number) is None

    def _sender(self, event: IssueEvent) -> Actor:
        return Actor(event.sender or event.author, Source.GITHUB)

    def _github_file(self, uow: UnitOfWork, event: IssueEvent) -> str:
        filed = Filed(
            (event.title.strip() or f"{event.repository}#{event.number}")[:TITLE_LIMIT],
            event.body[:BODY_LIMIT],
            event.author[:100],
            event.created_at,
            self._labels(event),
            event.url or f"https://github.com/{event.repository}/issues/{event.number}",
            event.repository,
            event.number,
        )
        request = self._file(uow, filed, self._sender(event))
        if request is None:  # another delivery of the issue (its `labeled` beside its `opened`) filed it
            existing = uow.support.by_issue(event.repository, event.number)
            return self._github_step(uow, existing, event) if existing else "filed meanwhile: ignored"
        cut = self._cut(event)
        if cut:
            self._record(uow, request, self.clock.now(), self._sender(event), "cut", cut)
        return f"opened {request.reference} from {event.repository}#{event.number}"

    def _github_close(self, uow: UnitOfWork, request: SupportRequest, event: IssueEvent) -> str:
        if request.status is Status.DONE:
            return f"closed: {request.reference} is done already"
        done_at = max(event.updated_at, request.created_at)  # when GitHub closed it, not when we heard
        updated = uow.support.update(request.id, {"status": Status.DONE, "done_at": done_at})
        said = f"closed on GitHub: {request.status} -> done"
        self._record(uow, request, self.clock.now(), self._sender(event), "moved", said)
        return f"closed {updated.reference} (done)"

    def _github_sync(self, uow: UnitOfWork, request: SupportRequest, event: IssueEvent) -> str:
        """The issue's title, text and labels (but the support label) kept in step with the request."""
        values: dict[str, Any] = {}
        title = (event.title.strip() or request.title)[:TITLE_LIMIT]
        if title != request.title:
            values["title"] = title
        if event.body[:BODY_LIMIT] != request.body:
            values["body"] = event.body[:BODY_LIMIT]
        labels = self._labels(event)
        if labels != request.labels:
            values["labels"] = labels
        said = [{"title": "the title", "body": "the text", "labels": "the labels"}[name] for name in values]
        words = f"edited on GitHub: {' and '.join(said)} changed" if said else ""
        removed = self.policy.label.casefold() not in {name.strip().casefold() for name in event.labels}
        if event.action == "unlabeled" and removed:
            words = (words + "; " if words else "") + "the support label was removed: it stays on the board"
        if not words:
            return f"{event.action}: nothing changed on {request.reference}"
        uow.support.update(request.id, values)
        self._record(uow, request, self.clock.now(), self._sender(event), "edited", words)
        return f"updated {request.reference}: {words}"

    def _labels(self, event: IssueEvent) -> tuple[str, ...]:
        label = self.policy.label.casefold()
        return labels_of((n for n in event.labels if n.strip().casefold() != label), cut=True)

    def _cut(self, event: IssueEvent) -> str | None:
        """What of the issue did not fit (said in the history: the whole of it stays on GitHub)."""
        cut = [
            f"the {what} was cut to {limit:,} characters"
            for what, text, limit in (
                ("title", event.title.strip(), TITLE_LIMIT),
                ("text", event.body, BODY_LIMIT),
            )
            if len(text) > limit
        ]
        return "; ".join(cut) + "; the whole issue is on GitHub" if cut else None
