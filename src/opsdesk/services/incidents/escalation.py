"""Escalation through jobs: the next page of an unacknowledged incident (or its end), and the morning
hand-back of a deferred one. Each capability declares its own jobs (`jobs()`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from opsdesk.domain.hours import Cover
from opsdesk.domain.incidents.escalation import next_page, step_key
from opsdesk.domain.incidents.model import Incident, IncidentState, MonitoredService
from opsdesk.domain.jobs import Job
from opsdesk.domain.notices import Page
from opsdesk.domain.rota import Role, holding
from opsdesk.domain.timeline import system_entry
from opsdesk.services.incidents.context import (
    END_JOB,
    HANDBACK_JOB,
    HANDBACK_SEARCH,
    PAGE_JOB,
    IncidentContext,
)
from opsdesk.services.unit_of_work import UnitOfWork


class EscalationSteps(IncidentContext):
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
                text = (
                    f"escalation ended: {cycles} cycles paged and nobody acknowledged; opsdesk pages no more"
                )
                uow.incidents.entry(incident.id, system_entry(now, "escalation-ended", text, {}))
                self._post(uow, incident, "escalation-ended", f"#{incident.id}: {text}", now)
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
            text = "nobody holds any role of the escalation now: nobody was paged; escalation stopped"
            uow.incidents.entry(incident.id, system_entry(now, "escalation-ended", text, {}))
            self._post(uow, incident, "nobody", f"#{incident.id}: {text}", now)
            return
        if found.ran_out or found.engineer is None or found.role is None:
            self._schedule_end(uow, incident, due)
            return
        engineer, role, cycle, step = found.engineer, found.role, found.cycle, found.step
        text = (
            f"Page for {engineer} ({role}): incident #{incident.id} on {service.name}: {incident.summary}\n"
            f"Acknowledge: `opsdesk incident ack {incident.id}`"
        )
        page = Page(
            engineer,
            role,
            incident.id,
            service.id,
            incident.summary,
            cycle,
            step,
            service.paging,
            f"page:{incident.id}:{step_key(cycle, step)}",
            f"[opsdesk] Page: #{incident.id} {incident.summary}"[:200],
            text,
        )
        self.notifier.send(uow.outbox, page, now)
        said = f"paged {engineer} ({role}), cycle {cycle} step {step}"
        data = {"engineer": engineer, "role": str(role), "cycle": cycle, "step": step}
        uow.incidents.entry(incident.id, system_entry(now, "paged", said, data))
        after = due + found.wait
        if found.following is None:
            self._schedule_end(uow, incident, after)
            return
        c, s = found.following
        payload = {"incident": incident.id, "cycle": c, "step": s}
        uow.jobs.schedule(PAGE_JOB, f"incident:{incident.id}:page:{step_key(c, s)}", after, payload)

    def _schedule_end(self, uow: UnitOfWork, incident: Incident, at: datetime) -> None:
        uow.jobs.schedule(END_JOB, f"incident:{incident.id}:escalation-end", at, {"incident": incident.id})

    def _schedule_hand_back(self, uow: UnitOfWork, incident: Incident, now: datetime) -> None:
        """A deferred incident goes into the hand-back when support hours next start."""
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
        key = f"incident:{incident.id}:hand-back:{start.isoformat()}"
        uow.jobs.schedule(HANDBACK_JOB, key, start, {"incident": incident.id})
        when = start.astimezone(engine.timezone)
        text = f"in the hand-back at {when:%a %d %b %H:%M}, when support hours start"
        uow.incidents.entry(incident.id, system_entry(now, "hand-back-due", text, {}))

    def run_hand_back(self, job: Job) -> None:
        """The morning hand-back of a deferred incident: posted to its channel, naming the support engineer."""
        now = self.clock.now()
        with self.transaction() as uow:
            incident = uow.incidents.get(int(job.payload["incident"]))
            if incident is None or incident.state is not IncidentState.DEFERRED:
                return  # resolved (or acted on) overnight: nothing to hand back
            support = holding(self.rota.rota, Role.SUPPORT, now, self.rota.engine.timezone).engineer
            text = (
                f"Hand-back: incident #{incident.id} ({incident.service}) was deferred out of hours: "
                f"{incident.summary}. Informed: {incident.informed}. Plan: {incident.plan}."
            )
            uow.incidents.entry(incident.id, system_entry(now, "handed-back", text, {"support": support}))
            self._post(uow, incident, f"hand-back-{job.key}", text, now, mention=support)
