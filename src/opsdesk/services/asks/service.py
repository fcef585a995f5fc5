"""Questions in the ask channel: each message event taken in once (by its event id, in the same unit of
work as what it does), a question's thread kept, its reminder scheduled (counted in support hours, so
from when support resumes for a question out of hours), its answer out of hours posted (once per thread),
and the reminder run: the support engineer on duty when it fell
due (however late its job runs), mentioned first in the thread, once, unless a team engineer has answered."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from opsdesk.domain.asks import (
    AskPolicy,
    AskThread,
    Decision,
    Meaning,
    Message,
    decide,
    message_of,
    reminded_engineer,
    reminder_text,
    support_periods,
    topic_text,
)
from opsdesk.domain.jobs import Job
from opsdesk.domain.notices import ChannelPost, TopicChange
from opsdesk.domain.rota import Role, holding
from opsdesk.services.clock import Clock
from opsdesk.services.notifier import ASK_LOG, Notifier
from opsdesk.services.rota import RotaService
from opsdesk.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

logger = logging.getLogger("opsdesk.asks")
REMINDER_JOB = "ask:remind"
TOPIC_JOB = "ask:topic"
TOPIC_AHEAD = timedelta(days=2)  # support periods planned this far ahead
JUST_AFTER = timedelta(microseconds=1)
TOPIC_LATE = timedelta(hours=2)  # a topic job run later than this into its period is not sent (stale)
EVENT_ID_LIMIT = 100


@dataclass
class AskService:
    uow: UnitOfWorkFactory
    rota: RotaService
    policy: AskPolicy
    clock: Clock
    notifier: Notifier

    def jobs(self) -> Mapping[str, Callable[[Job], None]]:
        """The job kinds the ask channel runs, and their handlers."""
        return {REMINDER_JOB: self.remind, TOPIC_JOB: self.set_topic}

    @contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        with self.uow() as uow:
            yield uow
            uow.commit()

    def team(self) -> frozenset[str]:
        """The engineers' Slack ids: their replies answer a question, their posts are none."""
        return frozenset(e.slack for e in self.notifier.people.engineers if e.slack)

    def take_message(self, event: Mapping[str, object], event_id: str) -> Decision | None:
        """What a message event meant, once done; None when the event was taken in before (a retry)."""
        message = message_of(event)
        if message is None:
            return Decision(Meaning.IGNORED)
        now = self.clock.now()
        decision = decide(message, self.policy, self.team(), self.rota.engine, now)
        if decision.meaning is Meaning.IGNORED:
            return decision
        with self.transaction() as uow:
            if not uow.receipts.receipt(f"slack:event:{event_id[:EVENT_ID_LIMIT]}", now):
                return None
            if decision.meaning is Meaning.ANSWER:
                uow.asks.mark(message.channel, message.thread, "answered_at", now)
                return decision
            if decision.meaning is Meaning.QUESTION or decision.out_of_hours is not None:
                uow.asks.add(AskThread(message.channel, message.thread, message.user, now))
            if decision.remind_at is not None and decision.meaning is Meaning.QUESTION:
                payload = {"channel": message.channel, "thread": message.thread}
                key = f"ask:{message.channel}:{message.thread}:reminder"
                uow.jobs.schedule(REMINDER_JOB, key, decision.remind_at, payload)
            if decision.out_of_hours is not None:
                self._answer(uow, message, decision.out_of_hours, now)
        return decision

    def _answer(self, uow: UnitOfWork, message: Message, text: str, now: datetime) -> None:
        """The answer out of hours in the thread, once per thread."""
        if not uow.asks.mark(message.channel, message.thread, "out_of_hours_answered_at", now):
            return
        key = f"ask:{message.channel}:{message.thread}:out-of-hours"
        post = ChannelPost(message.channel, text, key, ASK_LOG, thread=message.thread)
        self.notifier.send(uow.outbox, post, now)

    def remind(self, job: Job) -> None:
        """The handler of a reminder job: the support engineer on duty when it fell due (or the next one),
        mentioned first in the question's thread, once, unless a team engineer has answered it."""
        if not self.policy.enabled:  # switched off since the question: nobody is reminded
            return
        channel, thread = str(job.payload.get("channel") or ""), str(job.payload.get("thread") or "")
        now = self.clock.now()
        with self.transaction() as uow:
            kept = uow.asks.get(channel, thread)
            if kept is None or kept.answered_at is not None or kept.reminded_at is not None:
                return
            engineer = reminded_engineer(self.rota.rota, self.rota.engine, job.due_at)
            person = self.notifier.people.mention(engineer)
            mentioned = person is not None and bool(person.slack)
            text = reminder_text(self.policy, mentioned, person.name if person else None)
            uow.asks.mark(channel, thread, "reminded_at", now)
            key = f"ask:{channel}:{thread}:reminder"
            post = ChannelPost(
                channel, text, key, ASK_LOG, mention=engineer, thread=thread, mention_first=True
            )
            self.notifier.send(uow.outbox, post, now)
            logger.info("an unanswered question in the ask channel was reminded", extra={"thread": thread})

    def plan(self, now: datetime | None = None) -> int:
        """With `topic` on, a job at the start of each support period in the next two days that sets the
        ask channel's topic; the jobs' keys keep replicas (and each minute's planning) from adding one twice.
        Returns the jobs added."""
        if not (self.policy.enabled and self.policy.topic and self.policy.channel):
            return 0
        now = now or self.clock.now()
        added = 0
        with self.transaction() as uow:
            for start, _ in support_periods(self.rota.engine, now, now + TOPIC_AHEAD):
                key = f"ask:topic:{self.policy.channel}:{start.isoformat()}"
                added += uow.jobs.schedule(TOPIC_JOB, key, start, {"start": start.isoformat()})
        return added

    def set_topic(self, job: Job) -> None:
        """The handler of a topic job: the ask channel's topic names the support engineer of the period
        (through the outbox), unless the policy in force no longer wants it, the period no longer starts
        then (the hours changed since it was planned) or it is long begun."""
        channel = self.policy.channel
        now = self.clock.now()
        start = datetime.fromisoformat(str(job.payload["start"]))
        engine = self.rota.engine
        periods = support_periods(engine, start, start + JUST_AFTER)
        wanted = self.policy.enabled and self.policy.topic and channel
        if not wanted or not periods or now - job.due_at > TOPIC_LATE:
            logger.info(
                "an ask channel topic was not set: not wanted now, or too late", extra={"job": job.key}
            )
            return
        ((_, end),) = periods
        engineer = holding(self.rota.rota, Role.SUPPORT, start, engine.timezone).engineer
        person = self.notifier.people.by_id(engineer) if engineer is not None else None
        name = person.name if person is not None else engineer
        text = topic_text(name, start, end, engine.timezone)
        with self.transaction() as uow:
            self.notifier.send(
                uow.outbox, TopicChange(str(channel), text, f"ask:topic:{channel}:{start.isoformat()}"), now
            )
