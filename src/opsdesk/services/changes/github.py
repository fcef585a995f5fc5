"""Change requests from GitHub: issues filed with the team's form open or update a request; `/approve` and
`/reject` comments from team engineers act on it. Deliveries are taken in once, by what their signature
covers (receipts.py); an issue version older than one taken in, or a command written before the request
last changed, is not acted on."""

from __future__ import annotations

from datetime import datetime

from opsdesk.domain.changes.model import OPEN_CHANGE_STATES, ChangeRequest, ChangeState, Problem
from opsdesk.domain.errors import ChangeError
from opsdesk.domain.notices import IssueReply
from opsdesk.domain.rota import Engineer
from opsdesk.domain.timeline import Actor, Source, TimelineEntry
from opsdesk.services.changes.carry_out import CarryOutSteps
from opsdesk.services.changes.events import CommentEvent, IssueEvent
from opsdesk.services.changes.receipts import comment_receipt, issue_receipt, stale, substance_mark, taken
from opsdesk.services.unit_of_work import UnitOfWork


class GitHubSteps(CarryOutSteps):
    def github_issue(self, event: IssueEvent, delivery: str) -> str:
        """An issue opened or edited: a request from the form is opened, or checked again. What happened.

        Deliveries are taken in by their signed content, once; a version older than one already taken
        in (delivered late) is ignored."""
        now = self.clock.now()
        with self.transaction() as uow:
            seen = taken(uow.receipts, issue_receipt(event), delivery, now)
            if seen is not None:
                return seen
            if event.action not in ("opened", "edited", "reopened"):
                return f"{event.action}: nothing to do"
            actor = Actor(event.author, Source.GITHUB)
            existing = uow.changes.by_issue(
                event.repository, event.number
            )  # held until commit: one at a time
            older = stale(uow.receipts, event)
            if older is not None:
                if existing is not None:
                    uow.changes.entry(
                        existing.id, TimelineEntry(now, actor.name, actor.source, "ignored", older, {})
                    )
                return older
            if existing is None:
                return self._github_open(uow, event, actor)
            if existing.state not in (*OPEN_CHANGE_STATES, ChangeState.APPROVED):
                said = f"edited on GitHub after it was {existing.state}: not checked again"
                uow.changes.entry(
                    existing.id, TimelineEntry(now, actor.name, actor.source, "edited", said, {})
                )
                return said
            updated = self._edit(
                uow,
                existing,
                actor,
                event.body,
                event.title,
                now,
                by_requester=False,
                version=event.updated_at,
            )
            return f"checked {updated.reference} again ({updated.state})"

    def github_comment(self, event: CommentEvent, delivery: str) -> str:
        """`/approve @engineer` (instructions below) or `/reject reason` from a team engineer; anyone else,
        or a command written before the request last changed, is refused with a reply. What happened."""
        now = self.clock.now()
        command = event.command
        with self.transaction() as uow:
            seen = taken(uow.receipts, comment_receipt(event), delivery, now)
            if seen is not None:
                return seen
            if event.action != "created" or command is None:
                return "not a command: ignored"
            change = uow.changes.by_issue(event.repository, event.number)
            if change is None:
                return "no change request on this issue: ignored"
            name, word, rest = command.verb, command.engineer, command.text
            reviewer = self._github_reviewer(uow, change, event, name)
            if isinstance(reviewer, str):
                return reviewer
            actor = Actor(reviewer.id, Source.GITHUB)
            try:
                if name == "approve":
                    if not word:
                        raise ChangeError("name the engineer: /approve @engineer, then the instructions")
                    self._approve(uow, change, actor, word, instructions=rest, channel=None)
                else:
                    self._reject(uow, change, actor, rest)
            except ChangeError as exc:
                self._reply(uow, change, event, f"@{event.author}: {exc}", now)
                return f"refused: {exc}"
            return f"{'approved' if name == 'approve' else 'rejected'} {change.reference}"

    def _github_open(self, uow: UnitOfWork, event: IssueEvent, actor: Actor) -> str:
        if isinstance(self.read(event.body), Problem) and not event.from_form:
            return "not an out-of-hours support request: ignored"
        change = self._submit(
            uow,
            event.title,
            event.body,
            actor,
            submitted_at=event.created_at,
            repository=event.repository,
            issue=event.number,
        )
        uow.receipts.mark(substance_mark(event.repository, event.number), event.updated_at)
        return f"opened {change.reference} ({change.state})"

    def _github_reviewer(
        self, uow: UnitOfWork, change: ChangeRequest, event: CommentEvent, command: str
    ) -> Engineer | str:
        """The team engineer who wrote the command, or why it is refused (replied on the issue): not an
        engineer, or written before the request last changed (about another version of it)."""
        reviewer = self.people.by_github(event.author)
        if reviewer is None:
            text = (
                f"@{event.author}: only the team's engineers can approve or reject out-of-hours "
                "changes; this command was not carried out."
            )
            return self._refuse(uow, change, event, command, text, "not a team engineer")
        changed = uow.receipts.marked(substance_mark(event.repository, event.number))
        if changed is not None and event.created_at < changed:
            tz = self.rota.engine.timezone
            text = (
                f"@{event.author}: this /{command} was written before {change.reference} last changed "
                f"({changed.astimezone(tz):%a %d %b %Y %H:%M} {tz.key}), so it was not carried out: read "
                f"the request as it is now and comment /{command} again."
            )
            return self._refuse(
                uow, change, event, command, text, f"written before {change.reference} last changed"
            )
        return reviewer

    def _refuse(  # noqa: PLR0917  (the command, where it was, and why not)
        self, uow: UnitOfWork, change: ChangeRequest, event: CommentEvent, command: str, text: str, why: str
    ) -> str:
        """A command not carried out: the reply on the issue says why, and the history records it."""
        now = self.clock.now()
        self._reply(uow, change, event, text, now)
        said = f"/{command} refused: {why}"
        uow.changes.entry(change.id, TimelineEntry(now, event.author, Source.GITHUB, "refused", said, {}))
        return f"refused: {why}"

    def _reply(
        self, uow: UnitOfWork, change: ChangeRequest, event: CommentEvent, text: str, now: datetime
    ) -> None:
        key = f"change:{change.id}:github-reply:{event.comment_id}"
        self.notifier.send(
            uow.outbox, IssueReply(event.repository, event.number, text, key, signed=False), now
        )
