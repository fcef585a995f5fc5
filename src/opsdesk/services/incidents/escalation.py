"""Escalation through jobs: the next page of an unacknowledged incident (or its end), each engineer's later
notification rules, and the morning hand-back of a deferred one. Each capability declares its own jobs
(`jobs()`).

An engineer with `notify` rules is paged by rule 1 at once; each later rule is a job due its after-minutes
after the page, sent only while the incident is still triggered. A rule whose delay passes the step's wait
is still sent (the next step is paged as well, on time): the escalation's steps never wait for the rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from opsdesk.domain.hours import Cover
from opsdesk.domain.incidents.escalation import next_page, step_key
from opsdesk.domain.incidents.model import Incident, IncidentState, MonitoredService
from opsdesk.domain.incidents.paging import NotifyRule, page_stem, rule_job_key
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


class JobsTakenError(RuntimeError):
    """A batch of jobs is no longer wholly this worker's."""


RULE_JOB = "incident-page-rule"  # an engineer's later notification rule (rule 2 on) of one page
Whom = tuple[EngineerId, str, int, int]  # engineer, role, cycle, step


class EscalationSteps(PageComposer):
    def jobs(self) -> Mapping[str, Callable[[Job], None]]:
        """The job kinds incidents run, and their handlers."""
        return {
            PAGE_JOB: self.run_job,
            END_JOB: self.run_job,
            RULE_JOB: self.run_rule,
            HANDBACK_JOB: self.run_hand_back,
        }

    def together(self) -> Mapping[str, Callable[[list[Job], str], None]]:
        """The job kinds whose due jobs run in one unit of work: a storm's pages, written together."""
        return {PAGE_JOB: self.run_jobs, END_JOB: self.run_jobs}

    def run_job(self, job: Job) -> None:
        """The handler of PAGE_JOB and END_JOB: the next page of an unacknowledged incident, or its end."""
        now = self.clock.now()
        with self.transaction() as uow:
            self._run(uow, job, now)

    def run_jobs(self, jobs: list[Job], owner: str) -> None:
        """PAGE_JOB and END_JOB jobs due together (the pages held for cover, at 07:00), in one unit of work
        that also marks them done for `owner`: one commit for the lot, not two each. If any fails, nothing
        is kept, and the runner runs each on its own."""
        now = self.clock.now()
        with self.transaction() as uow:
            uow.defer_writes()  # the timeline entries and next jobs of all of them: one statement each
            found = uow.incidents.get_many([int(job.payload["incident"]) for job in jobs])
            for job in jobs:  # an incident a job of this batch has paged already is read again
                self._run(uow, job, now, found.pop(int(job.payload["incident"]), None))
            if uow.jobs.finish([job.id for job in jobs], owner, now) < len(jobs):
                # Another worker holds some of them now (a lease lapsed): keep nothing, run them one by one.
                raise JobsTakenError(f"{owner} no longer holds every job of the batch")

    def _run(self, uow: UnitOfWork, job: Job, now: datetime, incident: Incident | None = None) -> None:
        """One PAGE_JOB or END_JOB in `uow`, on `incident` when it was read already with a batch."""
        if incident is None:
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
        over at once, saying so; the next step or the end is scheduled. Once per (cycle, step): a step
        already paged early (its engineer's last method failed) is not paged again when its job runs."""
        if not uow.receipts.receipt(f"incident:{incident.id}:stepped:{step_key(*position)}", now):
            return
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
        whom: Whom,
        said: str,
        now: datetime,
    ) -> None:
        """One page through the notifier (keyed by incident and step, so it is sent once), on the timeline:
        by the service's paging ways, or by the engineer's first rule with a job for each later rule."""
        engineer, role, cycle, step = whom
        rules = self._rules(engineer)
        data: dict[str, object] = {"engineer": engineer, "role": role, "cycle": cycle, "step": step}
        ways, first = (rules[0].methods, 1) if rules else (service.paging, 0)
        stem = page_stem(incident.id, cycle, step, first)
        self.notifier.send(uow.outbox, self.compose_page(service, incident, whom, ways, stem), now)
        if not rules:
            uow.incidents.entry(incident.id, system_entry(now, "paged", said, data))
            return
        uow.receipts.receipt(rule_job_key(incident.id, cycle, step, 1), now)
        later = "".join(
            f"; rule {n} by {r.named} at {r.after_minutes} min" for n, r in enumerate(rules[1:], 2)
        )
        said = f"{said}, by {rules[0].named} (rule 1){later}"
        data |= {"rule": 1, "by": list(rules[0].methods)}
        uow.incidents.entry(incident.id, system_entry(now, "paged", said, data))
        for number, rule in enumerate(rules[1:], start=2):
            payload = {"incident": incident.id, "engineer": engineer, "role": role, "cycle": cycle}
            payload |= {"step": step, "rule": number}
            due = now + timedelta(minutes=rule.after_minutes)
            uow.jobs.schedule(RULE_JOB, rule_job_key(incident.id, cycle, step, number), due, payload)

    def _rules(self, engineer: EngineerId) -> tuple[NotifyRule, ...]:
        found = self.rota.rota.engineer(engineer)
        return found.notify if found is not None else ()

    def run_rule(self, job: Job) -> None:
        """The handler of RULE_JOB: an engineer's later rule, sent while nobody has acknowledged."""
        now = self.clock.now()
        with self.transaction() as uow:
            incident = uow.incidents.get(int(job.payload["incident"]))
            if incident is None:
                return
            p = job.payload
            whom: Whom = (EngineerId(p["engineer"]), str(p["role"]), int(p["cycle"]), int(p["step"]))
            self._send_rule(uow, incident, whom, int(p["rule"]), "", now)

    def _send_rule(  # noqa: PLR0917  (the page, its rule, and why now)
        self, uow: UnitOfWork, incident: Incident, whom: Whom, number: int, why: str, now: datetime
    ) -> None:
        """Rule `number` of `whom`'s page, once only (by its job or sooner, when a method failed), while the
        incident is triggered; on the timeline either way."""
        engineer, role, cycle, step = whom
        key = rule_job_key(incident.id, cycle, step, number)
        rules = self._rules(engineer)
        if number > len(rules) or not uow.receipts.receipt(key, now):
            return  # sent already (or the policy has since dropped the rule)
        rule = rules[number - 1]
        where = f"cycle {cycle} step {step}"
        if incident.state is not IncidentState.TRIGGERED:
            said = f"{engineer} not paged by {rule.named} (rule {number}), {where}: the incident is {incident.state}"
            uow.incidents.entry(incident.id, system_entry(now, "rule-not-sent", said, {"rule": number}))
            return
        service = self.service(incident.service)
        stem = page_stem(incident.id, cycle, step, number)
        self.notifier.send(uow.outbox, self.compose_page(service, incident, whom, rule.methods, stem), now)
        said = f"paged {engineer} by {rule.named} (rule {number}), {where}{why}"
        if not why and self._past_wait(service, step, cycle, rule):
            said += "; after the step's wait, so the next step was paged too: sent while nobody acknowledges"
        data = {"engineer": engineer, "role": role, "cycle": cycle, "step": step, "rule": number}
        uow.incidents.entry(
            incident.id, system_entry(now, "paged-rule", said, data | {"by": list(rule.methods)})
        )

    @staticmethod
    def _past_wait(service: MonitoredService, step: int, cycle: int, rule: NotifyRule) -> bool:
        escalation = service.escalation
        if cycle > escalation.cycles or step > len(escalation.steps):
            return False  # a page of the final tier: no step comes after it
        return timedelta(minutes=rule.after_minutes) >= escalation.step(step).wait

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
