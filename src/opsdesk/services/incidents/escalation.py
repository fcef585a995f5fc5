"""Escalation through jobs: the next page of an unacknowledged incident (or its end), and the morning
hand-back of a deferred one. Each capability declares its own jobs (`jobs()`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from opsdesk.domain.hours import Cover
from opsdesk.domain.incidents.escalation import next_page, step_key
from opsdesk.domain.incidents.model import Incident, IncidentState, MonitoredService
from opsdesk.domain.incidents.paging import page_stem
from opsdesk.domain.jobs import Job
from opsdesk.domain.rota import EngineerId, holding
from opsdesk.domain.timeline import system_entry
from opsdesk.services.incidents.context import (
    END_JOB,
    HANDBACK_JOB,
    HANDBACK_SEARCH,
    PAGE_JOB,
)
from opsdesk.services.incidents.paging import PageComposer
from opsdesk.services.unit_of_work import UnitOfWork


class EscalationSteps(PageComposer):
    def jobs(self) -> Mapping[str, Callable[[Job], None]]:
        """The job kinds incidents run, and their handlers."""
        return {PAGE_JOB: self.run_job, END_JOB: self.run_job, HANDBACK_JOB: self.run_hand_back}

    def run_job(self, job: Job) -> None:
        """The handler of PAGE_JOB and END_JOB: the next page of an unacknowledged incident, or its end."""
        now = self.clock.now()
        with self.transaction() as uow:
            incident = uow.incidents.get(int(job.payload["incident"]))
            if incident is None:
                return
            service = self.service(incident.service)
            if incident.state is not IncidentState.TRIGGERED:
                if job.payload.get("held"):
                    text = f"cover started; nobody paged: the incident is {incident.state}"
                    uow.incidents.entry(incident.id, system_entry(now, "not-paged", text, {}))
                return
            if job.kind == END_JOB:
                cycles = service.escalation.cycles
                self._end(uow, service, incident, f"{cycles} cycles paged and nobody acknowledged", now)
                return
            at = (int(job.payload["cycle"]), int(job.payload["step"]))
            self._page(uow, service, incident, at, due=job.due_at, now=now)

    def _page(
        self,
        uow: UnitOfWork,
        service: MonitoredService,
        incident: Incident,
        position: tuple[int, int],
        *,
        due: datetime,
        now: datetime,
    ) -> None:
        """Page the holder of (cycle, step), as the domain's `next_page` says: steps nobody holds are passed
        over at once, saying so; the next step or the end is scheduled."""
        rota, tz = self.rota.rota, self.rota.engine.timezone
        found = next_page(service.escalation, *position, lambda role: holding(rota, role, due, tz).engineer)
        for skip in found.skipped:
            said = f"cycle {skip.cycle} step {skip.step} skipped: nobody holds {skip.role} now"
            data = {"cycle": skip.cycle, "step": skip.step, "role": str(skip.role)}
            uow.incidents.entry(incident.id, system_entry(now, "skipped", said, data))
        if found.nobody:
            self._end(uow, service, incident, "nobody holds any role of the escalation now", now)
            return
        if found.ran_out or found.engineer is None or found.role is None:
            self._schedule_end(uow, incident, due)
            return
        cycle, step = found.cycle, found.step
        said = f"paged {found.engineer} ({found.role}), cycle {cycle} step {step}"
        self._send_page(uow, service, incident, (found.engineer, str(found.role), cycle, step), said, now)
        after = due + found.wait
        if found.following is None:
            self._schedule_end(uow, incident, after)
            return
        c, s = found.following
        payload = {"incident": incident.id, "cycle": c, "step": s}
        uow.jobs.schedule(PAGE_JOB, f"incident:{incident.id}:page:{step_key(c, s)}", after, payload)

    def _send_page(  # noqa: PLR0917  (the page, and what the timeline says of it)
        self,
        uow: UnitOfWork,
        service: MonitoredService,
        incident: Incident,
        whom: tuple[EngineerId, str, int, int],
        said: str,
        now: datetime,
    ) -> None:
        """One page through the notifier (keyed by incident and step, so it is sent once), on the timeline."""
        engineer, role, cycle, step = whom
        page = self.compose_page(service, incident, whom, service.paging, page_stem(incident.id, cycle, step))
        self.notifier.send(uow.outbox, page, now)
        data = {"engineer": engineer, "role": role, "cycle": cycle, "step": step}
        uow.incidents.entry(incident.id, system_entry(now, "paged", said, data))

    def _end(
        self, uow: UnitOfWork, service: MonitoredService, incident: Incident, why: str, now: datetime
    ) -> None:
        """The escalation has run out (or nobody holds any of its steps): page the final tier, if the policy
        names one, and stop, saying so on the timeline and in the channel. Once per incident: a retried job
        neither pages nor writes twice."""
        if not uow.receipts.receipt(f"incident:{incident.id}:escalation-ended", now):
            return
        final = service.escalation.final
        if final is None:
            if why.startswith("nobody"):
                text = f"{why}: nobody was paged; escalation stopped"
            else:
                text = f"escalation ended: {why}; opsdesk pages no more"
        else:
            for engineer, cycle, step in service.escalation.final_pages():
                said = f"paged {engineer} ({final.role}), the final tier: {why}"
                self._send_page(uow, service, incident, (engineer, final.role, cycle, step), said, now)
            text = f"escalation ended: {why}; the final tier was paged: {final.named}; opsdesk pages no more"
        uow.incidents.entry(incident.id, system_entry(now, "escalation-ended", text, {}))
        what = "nobody" if why.startswith("nobody") else "escalation-ended"
        self._post(uow, incident, what, f"#{incident.id}: {text}", now)

    def _schedule_end(self, uow: UnitOfWork, incident: Incident, at: datetime) -> None:
        uow.jobs.schedule(END_JOB, f"incident:{incident.id}:escalation-end", at, {"incident": incident.id})

    def _schedule_hand_back(self, uow: UnitOfWork, incident: Incident, now: datetime) -> None:
        """A deferred incident goes into the hand-back when support hours next start (the handover's
        hand-back lists every deferred incident: this only says when, on the timeline)."""
        engine = self.rota.engine
        start = next(
            (
                w.start
                for w in engine.windows(now, now + HANDBACK_SEARCH)
                if w.cover is Cover.SUPPORT and w.start > now
            ),
            None,
        )
        if start is None:
            return
        when = start.astimezone(engine.timezone)
        text = f"in the hand-back at {when:%a %d %b %H:%M}, when support hours start"
        uow.incidents.entry(incident.id, system_entry(now, "hand-back-due", text, {}))

    def run_hand_back(self, job: Job) -> None:
        """Jobs of an earlier version, which posted each deferred incident on its own: the hand-back
        briefing (services/handover) now lists them all in one message, so these do nothing."""
