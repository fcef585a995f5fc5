"""The board's steps: a request filed, assigned, moved, commented on, triaged and reopened; each checked
(the board's rules, who may act), recorded in its history, and its messages written in the same unit of
work."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from opsdesk.domain.errors import SupportError
from opsdesk.domain.rota import Engineer
from opsdesk.domain.support.model import (
    BODY_LIMIT,
    LINK_LIMIT,
    TITLE_LIMIT,
    Comment,
    Priority,
    Status,
    SupportRequest,
    Triage,
)
from opsdesk.domain.support.workflow import (
    check_move,
    check_reopen,
    check_triage,
    engineer,
    is_first_response,
    labels_of,
    may_reopen,
    priority_of,
    status_of,
)
from opsdesk.domain.timeline import Actor
from opsdesk.services.support.context import SupportContext
from opsdesk.services.text import NUL, nul_problem, optional_text, required_text
from opsdesk.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Filed:
    """A request as it arrives: from a person (checked strictly), from GitHub or a Slack message (already
    made to fit)."""

    title: str
    body: str
    requester: str
    created_at: datetime
    labels: tuple[str, ...] = ()
    link: str | None = None
    repository: str | None = None
    issue: int | None = None
    slack_channel: str | None = None  # a Slack message's: its channel's id, its thread's root, its own ts
    slack_thread: str | None = None
    slack_ts: str | None = None


class BoardSteps(SupportContext):
    def new(
        self,
        title: str,
        body: str,
        actor: Actor,
        *,
        labels: Iterable[str] = (),
        link: str | None = None,
    ) -> SupportRequest:
        """A new request, untriaged, in todo; announced in the support channel."""
        filed = Filed(
            required_text(title, "title", TITLE_LIMIT, error=SupportError),
            body_text(body, "body"),
            actor.name[:100],
            self.clock.now(),
            labels_of(labels),
            optional_text(link, "link", LINK_LIMIT, error=SupportError),
        )
        with self.transaction() as uow:
            request = self._file(uow, filed, actor)
        if request is None:  # only a request from an issue can find one there already
            raise SupportError("the request was not filed: try again")
        return request

    def _file(self, uow: UnitOfWork, filed: Filed, actor: Actor) -> SupportRequest | None:
        """The request filed and announced; None when its issue has one already."""
        now = self.clock.now()
        request = uow.support.create(
            {
                "title": filed.title,
                "body": filed.body,
                "requester": filed.requester,
                "status": Status.TODO,
                "triage": Triage.UNTRIAGED,
                "created_at": filed.created_at,
                "labels": filed.labels,
                "link": filed.link,
                "repository": filed.repository,
                "issue": filed.issue,
                "slack_channel": filed.slack_channel,
                "slack_thread": filed.slack_thread,
                "slack_ts": filed.slack_ts,
            }
        )
        if request is None:
            return None
        self._record(uow, request, now, actor, "created", f"created: {filed.title}")
        self._announce(uow, request, now)
        return request

    def assign(self, request_id: int, actor: Actor, assignee: str) -> SupportRequest:
        """Assign a team engineer (by id, GitHub login, Slack id or email), who is told directly."""
        with self.transaction() as uow:
            return self._assign(uow, self._get(uow, request_id), actor, assignee)

    def _assign(
        self, uow: UnitOfWork, request: SupportRequest, actor: Actor, assignee: str
    ) -> SupportRequest:
        now = self.clock.now()
        engineer(self.people, actor.name, "assign", request)
        found = self.people.find(assignee)
        if found is None:
            raise SupportError(
                f"{assignee[:100]!r} is not one of the team's engineers: assign an engineer by id, GitHub "
                "login, Slack id or email"
            )
        if request.status is Status.DONE:
            raise SupportError(f"{request.reference} is done: reopen it before assigning it")
        if request.assignee == found.id:
            raise SupportError(f"{request.reference} is assigned to {found.id} already")
        updated = uow.support.update(request.id, {"assignee": found.id})
        was = f" (was {request.assignee})" if request.assignee else ""
        self._record(uow, request, now, actor, "assigned", f"assigned to {found.id}{was}")
        self._tell_assignee(uow, updated, actor, now)
        told = "You are told here when it is done."
        said = f"{updated.reference} is assigned to {found.id}, who takes it from here. {told}"
        self._reply(uow, updated, said, "assigned", now, issue=False)
        return updated

    def move(self, request_id: int, actor: Actor, status: Status | str) -> SupportRequest:
        """Move an accepted request to another column, as the board allows (done is left by reopening)."""
        to = status if isinstance(status, Status) else status_of(status)
        now = self.clock.now()
        with self.transaction() as uow:
            request = self._get(uow, request_id)
            engineer(self.people, actor.name, "move", request)
            check_move(request, to)
            values: dict[str, Any] = {"status": to}
            if to is Status.DONE:
                values["done_at"] = now
            updated = uow.support.update(request.id, values)
            self._record(uow, request, now, actor, "moved", f"moved: {request.status} -> {to}")
            if to is Status.DONE:
                said = f"{updated.reference} is done. If that does not solve it for you, ask the support team to reopen it."
                self._reply(uow, updated, said, "done", now, issue=False)
            return updated

    def comment(self, request_id: int, actor: Actor, text: str) -> Comment:
        """A comment by anyone; the first by a team engineer other than the requester is the response."""
        words = required_text(body_text(text, "comment"), "comment", BODY_LIMIT, error=SupportError)
        with self.transaction() as uow:
            request = self._get(uow, request_id)
            found = self.people.find(actor.name)
            return self._comment(uow, request, actor, words, self.clock.now(), found)

    def _comment(  # noqa: PLR0917  (the request, who, what, when, and whether an engineer wrote it)
        self,
        uow: UnitOfWork,
        request: SupportRequest,
        actor: Actor,
        text: str,
        at: datetime,
        by: Engineer | None,
    ) -> Comment:
        author = by.id if by is not None else actor.name[:100]
        kept = uow.support.comment(request.id, Comment(at, author, actor.source, text))
        said = "commented"
        if is_first_response(request, by, self.people):
            uow.support.update(request.id, {"first_response_at": at})
            said = "commented: the first response"
        self._record(uow, request, self.clock.now(), Actor(author, actor.source), "commented", said)
        if by is not None:  # the team's word to the requester (theirs, and others', stay on the board)
            what = f"comment:{kept.id}"
            said = f"{author} on {request.reference}: {text}"
            self._reply(uow, request, said, what, self.clock.now(), issue=False)
        return kept

    def triage(
        self,
        request_id: int,
        actor: Actor,
        *,
        accept: Priority | str | None = None,
        decline: str | None = None,
    ) -> SupportRequest:
        """Accept with a priority (P1-P3), or decline with a reason (the request is then done). A team
        engineer triages, normally the support engineer on duty; an accepted request may be triaged again
        for a new priority, while its time to triage counts from the first triage."""
        priority, reason = triage_decision(accept, decline)
        with self.transaction() as uow:
            return self._triage(uow, self._get(uow, request_id), actor, priority, reason)

    def _triage(
        self,
        uow: UnitOfWork,
        request: SupportRequest,
        actor: Actor,
        priority: Priority | None,
        reason: str | None,
    ) -> SupportRequest:
        now = self.clock.now()
        who = engineer(self.people, actor.name, "triage", request)
        check_triage(request)
        values, said, reply = _decision(request, priority, reason, now)
        values |= {"triaged_at": request.triaged_at or now, "triaged_by": request.triaged_by or who.id}
        duty = " (the support engineer on duty)" if self.on_duty(who.id, now) else ""
        updated = uow.support.update(request.id, values)
        self._record(uow, request, now, Actor(who.id, actor.source), "triaged", f"{said}{duty}")
        self._reply(uow, updated, reply, "triage", now)
        return updated

    def reopen(self, request_id: int, actor: Actor, reason: str | None = None) -> SupportRequest:
        """A done request back in todo, by its requester or a team engineer; a declined one is untriaged
        again, to be triaged anew."""
        why = optional_text(reason, "reason", error=SupportError)
        with self.transaction() as uow:
            request = self._get(uow, request_id)
            may_reopen(self.people, actor.name, request)
            check_reopen(request)
            return self._reopen(uow, request, actor, why)

    def _reopen(
        self, uow: UnitOfWork, request: SupportRequest, actor: Actor, why: str | None
    ) -> SupportRequest:
        values: dict[str, Any] = {"status": Status.TODO, "done_at": None}
        if request.triage is Triage.DECLINED:
            values |= {"triage": Triage.UNTRIAGED, "priority": None, "reason": None}
        updated = uow.support.update(request.id, values)
        said = "reopened: done -> todo" + (f": {why}" if why else "")
        now = self.clock.now()
        self._record(uow, request, now, actor, "reopened", said)
        why_said = f" ({why})" if why else ""
        next_step = (
            "the support engineer triages it again"
            if updated.triage is Triage.UNTRIAGED
            else "the team takes it up again"
        )
        told = f"{updated.reference} is reopened{why_said} and back in todo: {next_step}."
        self._reply(uow, updated, told, "reopened", now, issue=False)
        return updated


def triage_decision(accept: Priority | str | None, decline: str | None) -> tuple[Priority | None, str | None]:
    """A triage's priority (accepted) or reason (declined), checked: exactly one of them."""
    if (accept is None) == (decline is None):
        raise SupportError("triage: accept it with a priority (P1, P2 or P3) or decline it with a reason")
    priority = None if accept is None else accept if isinstance(accept, Priority) else priority_of(accept)
    reason = None if decline is None else required_text(decline, "reason", error=SupportError)
    return priority, reason


def _decision(
    request: SupportRequest, priority: Priority | None, reason: str | None, now: datetime
) -> tuple[dict[str, Any], str, str]:
    """A triage's new values, its history entry and the reply to the requester."""
    if priority is not None:
        was = f" (was {request.priority})" if request.priority and request.priority != priority else ""
        values: dict[str, Any] = {"triage": Triage.ACCEPTED, "priority": priority, "reason": None}
        return (
            values,
            f"accepted as {priority}{was}",
            f"{request.reference} is accepted as {priority} and is on the support board.",
        )
    values = {"triage": Triage.DECLINED, "reason": reason, "status": Status.DONE, "done_at": now}
    values["first_response_at"] = request.first_response_at or now  # the reason answers the requester
    return values, f"declined: {reason}", f"{request.reference} is declined: {reason}"


def body_text(value: str, name: str) -> str:
    """A request's text or a comment as given by a person: no NUL, at most BODY_LIMIT characters."""
    if NUL in value:
        raise SupportError(nul_problem(name))
    if len(value) > BODY_LIMIT:
        raise SupportError(
            f"the {name} is {len(value):,} characters; at most {BODY_LIMIT:,}: shorten it, or link to the rest"
        )
    return value
