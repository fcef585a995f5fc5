"""Reviewers: a request approved with an assigned engineer and instructions (reminders scheduled), or
rejected with a reason. A reviewer is a team engineer and never the requester."""

from __future__ import annotations

from opsdesk.domain.changes.checklist import Phase
from opsdesk.domain.changes.checks import available_engineers, days_of
from opsdesk.domain.changes.model import ChangeAction, ChangeRequest
from opsdesk.domain.changes.window import window_text
from opsdesk.domain.changes.workflow import check_reviewer
from opsdesk.domain.durations import spoken
from opsdesk.domain.errors import ChangeError
from opsdesk.domain.rota import Engineer
from opsdesk.domain.timeline import Actor
from opsdesk.services.changes.context import CHANNEL_NAME, REMINDER_JOB, REMINDERS
from opsdesk.services.changes.requests import RequestSteps
from opsdesk.services.text import required_text
from opsdesk.services.unit_of_work import UnitOfWork


class ReviewSteps(RequestSteps):
    def approve(
        self, change_id: int, reviewer: Actor, engineer: str, *, instructions: str, channel: str | None = None
    ) -> ChangeRequest:
        """Approved with an assigned engineer and instructions; confirmed on the issue and in Slack."""
        with self.transaction() as uow:
            change = self._get(uow, change_id)
            return self._approve(uow, change, reviewer, engineer, instructions=instructions, channel=channel)

    def _approve(
        self,
        uow: UnitOfWork,
        change: ChangeRequest,
        reviewer: Actor,
        engineer: str,
        *,
        instructions: str,
        channel: str | None,
    ) -> ChangeRequest:
        now = self.clock.now()
        instructions = required_text(instructions, "instructions", error=ChangeError)
        check_reviewer(change, reviewer.name, self.people, "approve")
        person = self._engineer(engineer)
        if change.window is None:
            raise ChangeError(f"{change.reference} has no window yet: it cannot be approved")
        days = days_of(change.window, self.rota.engine.timezone)
        if person not in available_engineers(self.rota.rota, days):
            raise ChangeError(f"{person.id} is not free then (on leave or not on the on-call rota)")
        for other in uow.changes.booked(other_than=change.id):
            if other.window.start < change.window.end and change.window.start < other.window.end:
                raise ChangeError(
                    f"{change.reference} overlaps approved change {other.reference}: reject one"
                )
        if change.window.end <= now:
            raise ChangeError(f"{change.reference}'s window has passed: it cannot be approved")
        if channel is not None and not CHANNEL_NAME.fullmatch(channel.strip()):
            raise ChangeError(f"{channel!r} is not a Slack channel: give e.g. #chg-payments or a channel id")
        designated = channel.strip() if channel else self.policy.channel
        extra = {"assigned": person.id, "instructions": instructions, "channel": designated}
        said = f"approved by {reviewer.name}: {person.id} assigned"
        updated = self._move(uow, change, ChangeAction.APPROVE, reviewer, extra, said)
        tz = self.rota.engine.timezone
        start = change.window.start.astimezone(tz)
        text = (
            f"Approved: {change.reference} {change.title}, {start:%a %d %b %Y %H:%M} {tz.key}. "
            f"Engineer: {person.name} ({person.id}). Instructions: {instructions}."
            + (f" Channel: {designated}." if designated else "")
        )
        self._announce(uow, updated, "approved", text, now)
        if designated:
            self._post(uow, designated, text, f"change:{change.id}:approved:designated", now)
        self._direct(
            uow, updated, self._assigned_text(updated), f"change:{change.id}:approved:{now.isoformat()}", now
        )
        for before in REMINDERS:
            due = change.window.start - before
            if due > now:
                key = f"change:{change.id}:reminder:{int(before.total_seconds())}"
                uow.jobs.schedule(
                    REMINDER_JOB, key, due, {"change": change.id, "before": before.total_seconds()}
                )
        return updated

    def _assigned_text(self, change: ChangeRequest) -> str:
        """What the assigned engineer is told on approval: the window, the instructions, the channel and
        the checklist's before items, then how to go on."""
        tz = self.rota.engine.timezone
        before = self.policy.checklist.phase(Phase.BEFORE)
        items = "; ".join(f"{i.label} ({i.id})" for i in before)
        return (
            f"You are assigned {change.reference} {change.title}: {window_text(change.window, tz)}."
            + (f" Updates in {change.channel}." if change.channel else "")
            + (f" Before you start, tick: {items} (opsdesk change tick {change.id} ITEM)." if before else "")
            + self._start_text(change)
            + f" (opsdesk change start {change.id}).\nInstructions: {change.instructions}"
        )

    def _start_text(self, change: ChangeRequest) -> str:
        """When the engineer may start: a time, not a sum to do ("from 19:45, 15 minutes before it opens")."""
        ahead = spoken(self.policy.start_tolerance)
        if change.window is None:
            return f" Start from {ahead} before the window opens"
        earliest = (change.window.start - self.policy.start_tolerance).astimezone(self.rota.engine.timezone)
        return f" Start from {earliest:%a %d %b %H:%M %Z}, {ahead} before the window opens"

    def reject(self, change_id: int, reviewer: Actor, reason: str) -> ChangeRequest:
        with self.transaction() as uow:
            return self._reject(uow, self._get(uow, change_id), reviewer, reason)

    def _reject(self, uow: UnitOfWork, change: ChangeRequest, reviewer: Actor, reason: str) -> ChangeRequest:
        check_reviewer(change, reviewer.name, self.people, "reject")
        why = required_text(reason, "reason", error=ChangeError)
        said = f"rejected by {reviewer.name}: {why}"
        updated = self._move(uow, change, ChangeAction.REJECT, reviewer, {"reason": why}, said)
        text = f"Rejected: {change.reference} {change.title}: {why}"
        self._announce(uow, updated, "rejected", text, self.clock.now())
        return updated

    def _engineer(self, name: str) -> Engineer:
        person = self.people.find(name)
        if person is not None:
            return person
        raise ChangeError(f"no engineer {name!r}: give an engineer's id or GitHub login from the policy")
