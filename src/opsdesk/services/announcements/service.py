"""Announcing: a request checked (limits, plain text, its kind's times), its incident or change request
found, its mention held to the budget; then, in one unit of work, the announcement kept, the promises on
the same incident or change request kept by it, its linked pair written to the outbox, and its follow-ups
(the promised update, the reminders before its work) written as jobs. A refusal stores and posts nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import overload

from opsdesk.domain.announcements.budget import Week, check_mention, week_of
from opsdesk.domain.announcements.model import Announcement, AnnouncementKind, Mention, Request, checked
from opsdesk.domain.announcements.schedule import promise, reminders
from opsdesk.domain.errors import AnnouncementError
from opsdesk.domain.timeline import Actor
from opsdesk.services.announcements.context import PROMISE_JOB, REMINDER_JOB
from opsdesk.services.announcements.followups import FollowUpSteps
from opsdesk.services.unit_of_work import UnitOfWork

LIST_LIMIT = 500


class AnnouncementService(FollowUpSteps):
    @overload
    def announce(self, request: Request, actor: Actor) -> Announcement: ...
    @overload
    def announce(self, request: Request, actor: Actor, receipt: str) -> Announcement | None: ...
    def announce(self, request: Request, actor: Actor, receipt: str | None = None) -> Announcement | None:
        """Keep and post `request` as `actor`; AnnouncementError, with nothing stored or posted, when it
        is refused. With a `receipt` (e.g. a Slack form's), it is taken in once: None, with nothing done,
        when that receipt was taken in before (a refusal keeps no receipt, so the request can be put right)."""
        now = self.clock.now()
        request = checked(request, now)
        with self.transaction() as uow:
            if receipt is not None and not uow.receipts.receipt(receipt, now):
                return None
            priority = self._subject(uow, request)
            week = week_of(now, self.tz)
            used = uow.announcements.mentions(Mention.HERE, week.start, week.end)
            check_mention(request, priority, used, self.policy, week)
            if request.mention is Mention.HERE:
                self._take_here(uow, request, priority, used, week)
            record = uow.announcements.add(self._new(request, actor, priority, now))
            earlier = uow.announcements.open_promises(incident=record.incident, change=record.change)
            uow.announcements.keep([a.id for a in earlier if a.id != record.id], record.id, now)
            self.notifier.send(uow.outbox, self.notice(record, record.key), now)
            self._follow_ups(uow, record)
            return record

    def _subject(self, uow: UnitOfWork, request: Request) -> str | None:
        """The incident's priority (None: none set, or no incident); AnnouncementError when the incident or
        change request named does not exist."""
        if request.incident is not None:
            incident = uow.incidents.get(request.incident)
            if incident is None:
                raise AnnouncementError(
                    f"no incident #{request.incident}: `opsdesk incident list` shows the incidents"
                )
            return str(incident.priority) if incident.priority else None
        if request.change is not None and uow.changes.get(request.change) is None:
            raise AnnouncementError(
                f"no change request #{request.change}: `opsdesk change list` shows the change requests"
            )
        return None

    def _take_here(
        self, uow: UnitOfWork, request: Request, priority: str | None, used: int, week: Week
    ) -> None:
        """Take the week's next @here: one key per use, so two announcing at once cannot both take the last
        one (the second waits for the first, finds its key taken, and counts again)."""
        for number in range(used + 1, self.policy.here_per_week + 1):
            if uow.receipts.receipt(f"announcement:here:{week.label}:{number}", self.clock.now()):
                return
        check_mention(request, priority, self.policy.here_per_week, self.policy, week)

    def _new(self, request: Request, actor: Actor, priority: str | None, now: datetime) -> Announcement:
        person = self.people.find(actor.name)
        due = request.next_update if isinstance(request.next_update, datetime) else None
        return Announcement(
            id=0,
            kind=request.kind,
            title=request.title,
            body=request.body,
            author=person.id if person is not None else actor.name,
            at=now,
            incident=request.incident,
            change=request.change,
            priority=priority,
            mention=request.mention,
            starts_at=request.starts_at,
            promise=promise(due, self.policy) if due is not None else None,
            update_channel=self.policy.update_channel,
            ask_channel=self.policy.ask_channel,
            reminders=reminders(request.starts_at, now, self.policy),
        )

    def _follow_ups(self, uow: UnitOfWork, record: Announcement) -> None:
        """A job for the promised update, and one for each reminder before the work starts (their keys
        keep each to one)."""
        payload = {"announcement": record.id}
        if record.promise is not None:
            uow.jobs.schedule(PROMISE_JOB, f"{record.key}:promise", record.promise.due, payload)
        for reminder in record.reminders:
            seconds = int(reminder.before.total_seconds())
            key = f"{record.key}:reminder:{seconds}"
            uow.jobs.schedule(REMINDER_JOB, key, reminder.at, {**payload, "before": seconds})

    def get(self, announcement_id: int) -> Announcement:
        with self.transaction() as uow:
            return self._get(uow, announcement_id)

    def records(
        self,
        limit: int = 50,
        *,
        kind: AnnouncementKind | None = None,
        incident: int | None = None,
        change: int | None = None,
    ) -> list[Announcement]:
        """The newest first, optionally of one kind or on one incident or change request."""
        limit = max(1, min(limit, LIST_LIMIT))
        with self.transaction() as uow:
            return uow.announcements.listed(limit, kind=kind, incident=incident, change=change)

    def overdue(self, limit: int = 200) -> list[Announcement]:
        """Announcements whose promised update is overdue now, the longest overdue first."""
        with self.transaction() as uow:
            return uow.announcements.overdue_promises(self.clock.now(), max(1, min(limit, LIST_LIMIT)))
