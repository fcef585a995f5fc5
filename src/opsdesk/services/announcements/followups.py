"""What follows an announcement, as jobs: when a promised update is due and has not come, its author and
the incident's lead are reminded (once); before scheduled work starts, it is announced again at each of
the policy's offsets (each once: the job's key, and the outbox key of its pair)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from opsdesk.domain.announcements.model import Announcement, Reminder
from opsdesk.domain.durations import spoken
from opsdesk.domain.jobs import Job
from opsdesk.domain.notices import ChannelPost, DirectMessage
from opsdesk.domain.rota import EngineerId
from opsdesk.services.announcements.context import PROMISE_JOB, REMINDER_JOB, AnnouncementContext
from opsdesk.services.notifier import ANNOUNCEMENT_LOG
from opsdesk.services.unit_of_work import UnitOfWork

logger = logging.getLogger("opsdesk.announcements")


class FollowUpSteps(AnnouncementContext):
    def jobs(self) -> Mapping[str, Callable[[Job], None]]:
        """The job kinds announcements run, and their handlers."""
        return {PROMISE_JOB: self.run_promise, REMINDER_JOB: self.run_reminder}

    def run_promise(self, job: Job) -> None:
        """The handler of PROMISE_JOB: the promised update's time has come and no later announcement on
        the incident or change request has kept it: remind the author and the incident's lead."""
        now = self.clock.now()
        with self.transaction() as uow:
            record = uow.announcements.get(int(job.payload["announcement"]))
            if record is None or record.promise is None:
                return
            if record.promise.kept_at is not None or record.promise.reminded_at is not None:
                return
            self._remind(uow, record, now)
            uow.announcements.mark_reminded(record.id, now)

    def _remind(self, uow: UnitOfWork, record: Announcement, now: datetime) -> None:
        promise = record.promise
        assert promise is not None
        subject = record.subject or "it"
        option = (
            f"--incident {record.incident}" if record.incident is not None else f"--change {record.change}"
        )
        heading = f"[opsdesk] Update due on {subject}"
        text = (
            f"The next update on {subject} was promised for {self.when(promise.due)} in announcement "
            f"#{record.id} ({record.title}). Post it now: `opsdesk announce post {record.kind} {option} "
            f"--title ... --body ...`. From {self.when(promise.overdue_from)} it is overdue, and the handover "
            "lists it."
        )
        recipients = self._recipients(uow, record)
        for engineer in recipients:
            message = DirectMessage(engineer, heading, text, f"{record.key}:promise:{engineer}")
            self.notifier.send(uow.outbox, message, now)
        if not recipients:  # nobody on the team to tell: the log keeps the reminder
            post = ChannelPost(None, text, f"{record.key}:promise", ANNOUNCEMENT_LOG)
            self.notifier.send(uow.outbox, post, now)

    def _recipients(self, uow: UnitOfWork, record: Announcement) -> list[EngineerId]:
        """The author and the incident's lead, each once, those who are engineers of the team."""
        found = [record.author]
        if record.incident is not None:
            incident = uow.incidents.get(record.incident)
            if incident is not None and incident.lead:
                found.append(incident.lead)
        ids = [e.id for e in (self.people.find(name) for name in found) if e is not None]
        return list(dict.fromkeys(ids))

    def run_reminder(self, job: Job) -> None:
        """The handler of REMINDER_JOB: the work starts in (about) the reminder's offset: announce it again,
        unless it has started, or a nearer reminder is due as well (opsdesk was down): that one goes."""
        now = self.clock.now()
        before = timedelta(seconds=int(job.payload["before"]))
        with self.transaction() as uow:
            record = uow.announcements.get(int(job.payload["announcement"]))
            if record is None or record.starts_at is None:
                return
            reminder = next((r for r in record.reminders if r.before == before), None)
            if reminder is None or reminder.sent_at is not None or not self._timely(record, reminder, now):
                return
            left = timedelta(minutes=round((record.starts_at - now).total_seconds() / 60))
            heading = f"Reminder: {record.kind.words.lower()} starts in {spoken(left)}"
            key = f"{record.key}:reminder:{int(before.total_seconds())}"
            self.notifier.send(uow.outbox, self.notice(record, key, heading, mention=False), now)
            uow.announcements.mark_reminder_sent(record.id, before, now)

    def _timely(self, record: Announcement, reminder: Reminder, now: datetime) -> bool:
        assert record.starts_at is not None
        if record.starts_at <= now:
            logger.info("announcement #%s: its work has started; no reminder", record.id)
            return False
        nearer = [r for r in record.reminders if r.before < reminder.before and r.at <= now]
        if nearer:
            logger.info("announcement #%s: a nearer reminder is due as well; that one goes", record.id)
            return False
        return True
