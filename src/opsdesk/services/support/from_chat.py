"""The board from a chat message: triage and assign as pressed on a request's message (each taken in once,
in one unit of work with the message rewritten in place through the outbox), and a message made a request
(taken in once per message, linked back to it, answered in its thread)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from opsdesk.domain.notices import ChannelPost, ChatMessage, MessageUpdate, Offer
from opsdesk.domain.rota import EngineerId, Role, holding
from opsdesk.domain.support.model import (
    BODY_LIMIT,
    TITLE_LIMIT,
    Priority,
    Status,
    SupportRequest,
    Triage,
)
from opsdesk.domain.support.seen import assignee_changed, assignee_seen, triage_changed, triage_seen
from opsdesk.domain.timeline import Actor
from opsdesk.services.support.board import Filed, triage_decision
from opsdesk.services.support.context import LOG_FALLBACK
from opsdesk.services.support.github import GitHubSteps
from opsdesk.services.text import NUL, REPLACEMENT, without_bidi
from opsdesk.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class FromMessage:
    """The request a chat message was made into: `made` False when it was made from it before."""

    request: SupportRequest | None  # None: made before opsdesk kept which message a request was made of
    made: bool


@dataclass(frozen=True)
class ChatText:
    """A chat message as a request's title and body, made to fit (never refused for its text)."""

    title: str
    body: str


class ChatSteps(GitHubSteps):
    def triage_from_message(  # noqa: PLR0917  (the request, who, the decision, once, where)
        self,
        request_id: int,
        actor: Actor,
        receipt: str,
        message: ChatMessage | None,
        accept: Priority | str | None = None,
        decline: str | None = None,
        *,
        seen: str | None,
    ) -> SupportRequest | None:
        """Triage as submitted from a request's message: taken in once per `receipt` (None: taken in
        before, nothing done again), the message rewritten in the same unit of work. Refused when its
        triage is no longer as `seen` when the form opened (triage_seen), saying who triaged it since.
        SupportError (and its kinds) as `triage` raises them: nothing is kept, not even the receipt."""
        priority, reason = triage_decision(accept, decline)
        now = self.clock.now()
        with self.transaction() as uow:
            request = self._get(uow, request_id)
            if not uow.receipts.receipt(receipt, now):
                return None
            if seen != triage_seen(request):
                raise triage_changed(request, seen, _latest(uow, request, "triaged"))
            updated = self._triage(uow, request, actor, priority, reason)
            if message is not None:
                self.notifier.send(uow.outbox, rewrite(updated, message, receipt), now)
            return updated

    def assign_from_message(  # noqa: PLR0917  (the request, who, to whom, once, where, as seen)
        self,
        request_id: int,
        actor: Actor,
        assignee: str,
        receipt: str,
        message: ChatMessage | None,
        seen: str | None,
    ) -> SupportRequest | None:
        """Assign as submitted from a request's message: once per `receipt`, the message rewritten;
        refused when its assignee is no longer as `seen` when the form opened (assignee_seen)."""
        now = self.clock.now()
        with self.transaction() as uow:
            request = self._get(uow, request_id)
            if not uow.receipts.receipt(receipt, now):
                return None
            if seen != assignee_seen(request):
                raise assignee_changed(request, seen, _latest(uow, request, "assigned"))
            updated = self._assign(uow, request, actor, assignee)
            if message is not None:
                self.notifier.send(uow.outbox, rewrite(updated, message, receipt), now)
            return updated

    def file_from_message(  # noqa: PLR0917  (the text, who, the link, once, where)
        self,
        text: str,
        actor: Actor,
        link: str | None,
        receipt: str,
        reply_in: ChatMessage | None,
        message_ts: str | None = None,
    ) -> FromMessage:
        """A message made a request on the board (announced as any new one), once per `receipt`: a second
        time finds the request made the first time (by the message: `reply_in`'s channel and `message_ts`,
        the thread's root when not given). With `reply_in` (the channel and the thread's root), a reply in
        that thread says it is on the board and what happens next, and the requester is told there what
        becomes of it."""
        made = chat_text(text)
        now = self.clock.now()
        ts = message_ts or (reply_in.ts if reply_in is not None else None)
        filed = Filed(
            made.title,
            made.body,
            actor.name[:100],
            now,
            (),
            link[:500] if link else None,
            slack_channel=reply_in.channel if reply_in is not None else None,
            slack_thread=reply_in.ts if reply_in is not None else None,
            slack_ts=ts if reply_in is not None else None,
        )
        with self.transaction() as uow:
            first = uow.receipts.receipt(receipt, now)
            before = uow.support.by_message(reply_in.channel, ts) if reply_in and ts else None
            if not first or before is not None:
                return FromMessage(before, made=False)
            request = self._file(uow, filed, actor)
            if request is not None and reply_in is not None:
                self._reply_in_thread(uow, request, reply_in, now)
        return FromMessage(request, made=request is not None)

    def _reply_in_thread(
        self, uow: UnitOfWork, request: SupportRequest, reply_in: ChatMessage, now: datetime
    ) -> None:
        reply = ChannelPost(
            reply_in.channel,
            f"Support request {request.reference} is on the board. {self.next_step(request)}",
            f"support:{request.id}:from-message",
            LOG_FALLBACK,
            thread=reply_in.ts,
        )
        self.notifier.send(uow.outbox, reply, now)

    def on_duty_now(self) -> EngineerId | None:
        """The support engineer on duty now (None: nobody holds the duty now)."""
        return holding(self.rota.rota, Role.SUPPORT, self.clock.now(), self.rota.engine.timezone).engineer

    def next_step(self, request: SupportRequest) -> str:
        """What happens next to a new request, naming the support engineer on duty when there is one."""
        duty = self.on_duty_now()
        who = f"The support engineer on duty ({duty})" if duty else "The support engineer"
        return f"{who} accepts it with a priority or declines it with a reason; follow it in this thread."


def _latest(uow: UnitOfWork, request: SupportRequest, kind: str) -> str | None:
    """Who last did `kind` to the request (None: nobody recorded), from its history."""
    done = [e.actor for e in uow.support.history(request.id) if e.kind == kind]
    return done[-1] if done else None


def chat_text(text: str) -> ChatText:
    """A message's text as a request: NUL and bidirectional controls replaced, the title its first line
    with text (cut to the board's limit with "…"), the body the text (cut to the board's limit, saying so)."""
    cleaned = without_bidi(text.replace(NUL, REPLACEMENT))
    lines = [line.strip() for line in cleaned.splitlines() if line.strip()]
    first = " ".join(lines[0].split()) if lines else ""
    if not first:
        first = "A message from Slack (no text)"
    title = first if len(first) <= TITLE_LIMIT else first[: TITLE_LIMIT - 1].rstrip() + "…"
    note = f"\n\n… (cut: the message is {len(cleaned):,} characters; the rest is in Slack, at the link)"
    body = cleaned if len(cleaned) <= BODY_LIMIT else cleaned[: BODY_LIMIT - len(note)] + note
    return ChatText(title, body)


def offered(request: SupportRequest) -> tuple[str, ...]:
    """What can still be done from a request's message: triage while untriaged, assign until done."""
    if request.status is Status.DONE:
        return ()
    if request.triage is Triage.UNTRIAGED:
        return ("triage", "assign")
    return ("assign",)


def state_of(request: SupportRequest) -> str:
    """Where a request stands, in a sentence, for its rewritten message."""
    assigned = f", assigned to {request.assignee}" if request.assignee else ""
    if request.triage is Triage.DECLINED:
        return f"Declined by {request.triaged_by}: {request.reason}."
    if request.triage is Triage.ACCEPTED:
        done = " Done." if request.status is Status.DONE else ""
        return f"Accepted as {request.priority} by {request.triaged_by}{assigned}.{done}"
    return (
        f"Untriaged{assigned}: the support engineer accepts it with a priority or declines it with a reason."
    )


def rewrite(request: SupportRequest, message: ChatMessage, receipt: str) -> MessageUpdate:
    """The request's message as it reads now, with the buttons still offered."""
    text = f"Support request {request.reference} from {request.requested_by}: {request.title}. {state_of(request)}"
    return MessageUpdate(
        message.channel,
        message.ts,
        text,
        f"support:{request.id}:update:{receipt}"[:255],
        offer=Offer("support", request.id, offered(request)),
    )
