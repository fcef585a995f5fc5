"""Making briefings: jobs planned from the cover and the turn, each made once (late, or recorded as missed,
when the service was down), kept, and sent through the outbox; and the preview, which makes one without
keeping or sending it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from opsdesk.domain.elapsed import elapsed
from opsdesk.domain.errors import HandoverError
from opsdesk.domain.handover.acks import reminder_due
from opsdesk.domain.handover.compose import Facts, compose
from opsdesk.domain.handover.model import (
    Briefing,
    GitHubSection,
    HandoverKind,
    Missed,
    Moment,
    PromiseLine,
    RequestLine,
    Timeliness,
)
from opsdesk.domain.handover.moments import handover_for
from opsdesk.domain.jobs import Job
from opsdesk.domain.notices import HandoverNotice
from opsdesk.domain.support.model import Status, SupportRequest, Triage
from opsdesk.domain.support.report import waits
from opsdesk.domain.timeline import system_entry
from opsdesk.services.handover.context import (
    CHASE_JOB,
    MAKE_JOB,
    PLAN_AHEAD,
    PLAN_BACK,
    PLANNED,
    HandoverContext,
)
from opsdesk.services.unit_of_work import UnitOfWork

logger = logging.getLogger("opsdesk.handover")
DAY = timedelta(hours=24)
ZERO = timedelta(0)
BREACH_LIMIT = 200  # accepted requests looked at for the digest's breaches


class MakingSteps(HandoverContext):
    def plan(self, now: datetime | None = None) -> int:
        """A job for every moment from where planning last reached (at most a week back) to two days
        ahead; the jobs' keys keep two replicas from planning twice. Returns the jobs added."""
        now = now or self.clock.now()
        added = 0
        with self.transaction() as uow:
            since = max(uow.receipts.marked(PLANNED) or now, now - PLAN_BACK)
            until = now + PLAN_AHEAD
            if since >= until:
                return 0
            for moment in self.moments(since, until):
                payload = {"kind": str(moment.kind), "at": moment.at.isoformat()}
                added += uow.jobs.schedule(MAKE_JOB, moment.key, moment.at, payload)
            uow.receipts.mark(PLANNED, until)
        return added

    def run_make(self, job: Job) -> None:
        """The handler of MAKE_JOB: make the moment's briefing, unless the policy in force no longer makes
        it or it is kept already."""
        now = self.clock.now()
        kind, at = HandoverKind(job.payload["kind"]), datetime.fromisoformat(job.payload["at"])
        moment = self.current(kind, at)
        if moment is None:
            logger.info("a %s at %s is no longer due under the policy in force", kind, at.isoformat())
            return
        self.make(moment, now)

    def timeliness(self, moment: Moment, now: datetime) -> Timeliness:
        late = now - moment.at
        if late > self.policy.late_limit:
            return Timeliness.MISSED
        return Timeliness.LATE if late > self.policy.late_after else Timeliness.ON_TIME

    def make(self, moment: Moment, now: datetime) -> int | None:
        """Make, keep and send `moment`'s briefing once; the kept record's id (None: kept already)."""
        timeliness = self.timeliness(moment, now)
        github = None
        if moment.kind is HandoverKind.DIGEST and timeliness is not Timeliness.MISSED:
            github = self._github(moment)  # before the unit of work: a slow vendor holds no lock
        with self.transaction() as uow:
            if uow.handovers.by_key(moment.key) is not None:
                return None
            briefing = self._briefing(uow, moment, timeliness, github)
            record = uow.handovers.add(moment.key, briefing, now)
            if record is None:
                return None
            if timeliness is Timeliness.MISSED:
                logger.warning("the %s due at %s was missed: opsdesk was down", moment.kind, moment.at)
                return record.id
            self._send(uow, record.id, briefing, moment.key, now)
            if moment.kind.acknowledged and briefing.receivers:
                payload = {"handover": record.id, "step": "remind"}
                uow.jobs.schedule(
                    CHASE_JOB, f"{moment.key}:remind", reminder_due(record, self.policy), payload
                )
            if moment.kind is HandoverKind.HAND_BACK:
                self._handed_back(uow, briefing, record.id, now)
            return record.id

    def preview(self, at: datetime) -> Briefing:
        """The handover made at the end of the support window at or before `at`, made now from what is
        stored, without keeping or sending anything."""
        moment = handover_for(self.rota.engine, self.policy, at)
        if moment is None:
            raise HandoverError("the policy has no support window, so no handover is ever made")
        with self.uow() as uow:  # read only: never committed
            return self._briefing(uow, moment, Timeliness.ON_TIME, None)

    def _briefing(
        self, uow: UnitOfWork, moment: Moment, timeliness: Timeliness, github: GitHubSection | None
    ) -> Briefing:
        facts = self._facts(uow, moment, github)
        return compose(
            moment, facts, self.rota.engine, self.rota.rota, holder=self.holder, timeliness=timeliness
        )

    def _facts(self, uow: UnitOfWork, moment: Moment, github: GitHubSection | None) -> Facts:
        kind, at, start, end = moment.kind, moment.at, moment.start, moment.end
        store = uow.handovers
        if kind is HandoverKind.HAND_BACK:
            return Facts(
                stretch_incidents=store.stretch_incidents(start, end),
                changes=store.changes_for(start, end),
                pages=store.pages_between(start, end),
                people=self.person,
            )
        if kind is HandoverKind.DIGEST:
            return Facts(
                open_incidents=store.open_incidents(),
                changes=store.changes_for(at, at + 2 * DAY),
                github=github,
                missed=self._missed(uow, at),
                promises=self._promises(uow, at),
                requests=self._requests(uow, at, breaches=True),
                people=self.person,
            )
        previous = self.previous(HandoverKind.HANDOVER, at)
        notes = (
            store.notes_between(previous.at if previous else at - DAY, at)
            if kind is HandoverKind.HANDOVER
            else []
        )
        return Facts(
            open_incidents=store.open_incidents(),
            changes=store.changes_for(start, end),
            alarms=store.alarm_counts(at - DAY, at) if kind is HandoverKind.HANDOVER else [],
            notes=notes,
            promises=self._promises(uow, at) if kind is HandoverKind.HANDOVER else [],
            requests=self._requests(uow, at) if kind is HandoverKind.HANDOVER else [],
            people=self.person,
        )

    def _promises(self, uow: UnitOfWork, at: datetime) -> list[PromiseLine]:
        """Announcements whose promised next update is overdue at `at`."""
        return [
            PromiseLine(a.id, a.title, a.author, a.promise.due, a.incident)
            for a in uow.announcements.overdue_promises(at)
            if a.promise is not None
        ]

    def _requests(self, uow: UnitOfWork, at: datetime, *, breaches: bool = False) -> list[RequestLine]:
        """Support requests nobody has triaged, with how long each has waited in support hours (late past
        the triage target, as the board's report counts it); with `breaches`, also accepted ones past the
        first-response or the done target."""
        found = [self._request_line(r, at, "triage", "untriaged") for r in uow.support.untriaged()]
        if breaches:
            for request in uow.support.requests(triage=Triage.ACCEPTED, limit=BREACH_LIMIT):
                if request.status is not Status.DONE:
                    found.append(self._request_line(request, at, "first_response", None))
        return [line for line in found if line is not None]

    def _request_line(
        self, request: SupportRequest, at: datetime, measure: str, otherwise: str | None
    ) -> RequestLine | None:
        """The request's line: `late` (for triage), `unanswered` or `overdue` when the board's `waits` say
        it is past that target; else `otherwise` (None: not listed)."""
        late = waits(request, at, self.support, self._support_time).late
        if measure == "triage":
            what = "late" if "triage" in late else otherwise
        else:
            what = "unanswered" if "first_response" in late else "overdue" if "done" in late else otherwise
        if what is None:
            return None
        waited = self._support_time(request.created_at, at)
        return RequestLine(request.id, request.title, request.requester, request.created_at, waited, what)

    def _support_time(self, start: datetime, end: datetime) -> timedelta:
        return elapsed(self.rota.engine, start, end) if start < end else ZERO

    def _missed(self, uow: UnitOfWork, at: datetime) -> list[Missed]:
        """Briefings recorded as missed since the digest before this one."""
        previous = self.previous(HandoverKind.DIGEST, at)
        since = previous.at if previous else at - DAY
        found = uow.handovers.between(since, at)
        return [
            Missed(str(r.kind), r.briefing.at)
            for r in reversed(found)
            if r.briefing.timeliness is Timeliness.MISSED
        ]

    def _github(self, moment: Moment) -> GitHubSection:
        try:
            return self.github().read(self.policy.repositories, moment.at - DAY)
        except Exception as exc:  # the digest is made whatever GitHub does
            logger.warning("the digest's GitHub section failed", extra={"error": type(exc).__name__})
            return GitHubSection(
                "failed", f"GitHub could not be read ({type(exc).__name__}); the next digest tries again"
            )

    def _send(self, uow: UnitOfWork, handover_id: int, briefing: Briefing, key: str, now: datetime) -> None:
        recipients = tuple(p.id for p in briefing.receivers) if self.policy.direct else ()
        if briefing.kind is HandoverKind.DIGEST:
            recipients = ()
        notice = HandoverNotice(
            handover_id, briefing, self.policy.channel, recipients, self.rota.engine.timezone, key
        )
        self.notifier.send(uow.outbox, notice, now)

    def _handed_back(self, uow: UnitOfWork, briefing: Briefing, handover_id: int, now: datetime) -> None:
        """Each deferred incident's timeline says it went into this hand-back (its only post)."""
        support = briefing.primary.id if briefing.primary else None
        for line in briefing.incidents:
            if line.what == "deferred":
                text = f"handed back to the support engineer in the hand-back #{handover_id}"
                data = {"support": support, "handover": handover_id}
                uow.incidents.entry(line.id, system_entry(now, "handed-back", text, data))
