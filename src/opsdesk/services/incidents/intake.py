"""Alarms in: an alarm opens an incident (routed by the cover at its moment) or joins the open one with
its service and dedup key; follow-ups from the alarm source act by dedup key; people open incidents too."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from opsdesk.domain.hours import Cover, CoverAt
from opsdesk.domain.incidents.escalation import step_key
from opsdesk.domain.incidents.model import Action, Alarm, Incident, IncidentState, MonitoredService, Priority
from opsdesk.domain.incidents.routing import HeldPage, Holders, Routing, route_alarm
from opsdesk.domain.incidents.timeline import ALERT, ALERT_JOINED
from opsdesk.domain.rota import Role, holding
from opsdesk.domain.timeline import Actor, TimelineEntry, system_entry
from opsdesk.services.incidents.actions import ActionSteps
from opsdesk.services.incidents.context import CONFIRM_JOB, PAGE_JOB
from opsdesk.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Outcome:
    incident: Incident
    opened: bool = False  # a trigger opened a new incident (False: it joined an open one)


class IntakeSteps(ActionSteps):
    def trigger(
        self, alarm: Alarm, actor: Actor, receipt: str | None = None, *, joined_first: bool = True
    ) -> Outcome | None:
        """Open an incident for `alarm`, or join the open one with its service and dedup key.

        `receipt` names the delivery (e.g. an SNS MessageId): the same receipt twice is taken once (None).
        `joined_first=False` skips the quick attempt to join (the caller just found nothing to join).
        """
        service = self.service(alarm.service)
        now = self.clock.now()
        joining = self._joining(alarm, actor, now)
        if receipt is None and joined_first:  # the busy path: most alarms of a storm join an open incident
            with self.transaction() as uow:
                (joined,) = uow.incidents.join_open([(alarm, joining)])
            if joined is not None:
                return Outcome(joined)
        cover = self.rota.engine.cover_at(now)
        with self.transaction() as uow:
            uow.defer_writes()  # its timeline entries and jobs: one statement each as it commits
            if receipt is not None and not uow.receipts.receipt(receipt, now):
                return None
            incident, opened = uow.incidents.open_or_join(alarm, cover.cover, now)
            if not opened:
                message = f"{joining.message} (alert {incident.alert_count})"
                uow.incidents.entry(incident.id, replace(joining, message=message))
                return Outcome(incident)
            self._opened(uow, service, incident, actor, cover, now)
            return Outcome(incident, opened=True)

    def _opened(  # noqa: PLR0917  (the unit, the incident, who opened it, and when)
        self,
        uow: UnitOfWork,
        service: MonitoredService,
        incident: Incident,
        actor: Actor,
        cover: CoverAt,
        now: datetime,
    ) -> Routing:
        """A new incident's first steps, in the caller's unit of work: the timeline, the routing by cover,
        the post to its service's channel, and the escalation (a page now, or held for cover)."""
        what = f"triggered: {incident.summary}"
        uow.incidents.entry(incident.id, TimelineEntry(now, actor.name, actor.source, "triggered", what, {}))
        routing = self._route(service, cover)
        uow.incidents.entry(incident.id, system_entry(now, "routed", routing.reason, {}))
        self._ask_for_roles(uow, incident, now)
        text = f"Incident #{incident.id} ({service.name}): {_ended(incident.summary)} "
        text += _ended(routing.reason[:1].upper() + routing.reason[1:])
        self._post(uow, incident, "opened", text, now, mention=routing.name)
        self._start_escalation(uow, service, incident, routing, now)
        return routing

    def _start_escalation(
        self, uow: UnitOfWork, service: MonitoredService, incident: Incident, routing: Routing, now: datetime
    ) -> None:
        """The first page now, or held for cover (a job at `page_at`), or none."""
        if routing.page_at is None:
            return
        if routing.page_at <= now:
            self._page(uow, service, incident, (1, 1), due=now, now=now)
            return
        payload = {"incident": incident.id, "cycle": 1, "step": 1, "held": True}
        uow.jobs.schedule(PAGE_JOB, f"incident:{incident.id}:page:{step_key(1, 1)}", routing.page_at, payload)
        held = HeldPage(routing.page_at, *routing.first_paged())
        data = {"page_at": routing.page_at.isoformat(), "engineers": list(held.engineers), "role": held.role}
        uow.incidents.entry(incident.id, system_entry(now, "held", held.said(self._when(held.at)), data))

    def held_page(self, incident: Incident) -> HeldPage | None:
        """Whom a triggered incident's first page, held until cover starts, goes to as the rota stands now
        (an override added since counts); None when nothing is held (paged already, or never)."""
        now = self.clock.now()
        if incident.state is not IncidentState.TRIGGERED or incident.cover is not Cover.NONE:
            return None
        service = self._by_id.get(incident.service)
        if service is None:  # the service left the policy: nothing pages it any more
            return None
        routing = self._route(service, self.rota.engine.cover_at(incident.opened_at))
        if routing.page_at is None or routing.page_at <= now:
            return None
        return HeldPage(routing.page_at, *routing.first_paged())

    def _when(self, at: datetime) -> str:
        return f"{at.astimezone(self.rota.engine.timezone):%a %d %b %H:%M}"

    def _route(self, service: MonitoredService, cover: CoverAt) -> Routing:
        """How an alarm of `service` routes at the cover of its moment (the team's process, in the domain)."""
        support = None
        if cover.cover is Cover.SUPPORT:
            support = holding(self.rota.rota, Role.SUPPORT, cover.at, self.rota.engine.timezone).engineer
        following = self.rota.engine.cover_at(cover.until).cover if cover.until else None
        return route_alarm(
            service.mode,
            cover,
            support,
            following,
            holders=self._holders(service),
            final=service.escalation.final,
        )

    def _holders(self, service: MonitoredService) -> Holders:
        """Who holds each step of the service's escalation at an instant: whom routing says is paged."""
        rota, tz = self.rota.rota, self.rota.engine.timezone
        return lambda at: [holding(rota, step.role, at, tz) for step in service.escalation.steps]

    def join(self, alarms: Sequence[tuple[Alarm, Actor]]) -> list[Outcome | None]:
        """Alarms that join open incidents, in one transaction; None for each that would open one (give
        those to `trigger`). For intake under load: one commit for many alarms."""
        now = self.clock.now()
        known = [i for i, (alarm, _) in enumerate(alarms) if alarm.service in self._by_id]
        joins = [(alarms[i][0], self._joining(alarms[i][0], alarms[i][1], now)) for i in known]
        found: list[Outcome | None] = [None] * len(alarms)  # an unknown service is `trigger`'s to refuse
        with self.transaction() as uow:
            joined = uow.incidents.join_open(joins)
        for i, incident in zip(known, joined, strict=True):
            found[i] = Outcome(incident) if incident else None
        return found

    def _joining(self, alarm: Alarm, actor: Actor, now: datetime) -> TimelineEntry:
        data = {"source": alarm.source, "severity": alarm.severity}
        return TimelineEntry(now, actor.name, actor.source, ALERT, f"{ALERT_JOINED}{alarm.summary}", data)

    def act_on_key(
        self, service_id: str, dedup_key: str, action: Action, actor: Actor, receipt: str | None = None
    ) -> Incident | None:
        """An acknowledge or resolve from an alarm source, by dedup key; None (dropped) when none is open."""
        self.service(service_id)
        with self.transaction() as uow:
            if receipt is not None and not uow.receipts.receipt(receipt, self.clock.now()):
                return None
            incident = uow.incidents.find_open(service_id, dedup_key)
            if incident is None:
                return None
            if action is Action.ACKNOWLEDGE and incident.state is not IncidentState.TRIGGERED:
                return incident  # already acknowledged (or deferred): nothing to change, as PagerDuty
            return self._act(uow, incident, action, actor, {})

    def open(
        self,
        service_id: str,
        summary: str,
        actor: Actor,
        priority: Priority | None = None,
        details: dict[str, Any] | None = None,
    ) -> Incident:
        """An incident opened by a person: routed as an alarm, under a fresh dedup key."""
        alarm = Alarm(
            service_id,
            f"manual-{secrets.token_hex(16)}",
            summary,
            source=actor.name,
            severity="critical",
            details=details or {},
            priority=priority,
        )
        outcome = self.trigger(alarm, actor)
        assert outcome is not None  # no receipt: always taken
        return outcome.incident

    def confirm_subscription(self, service_id: str, url: str, receipt: str) -> bool:
        """An SNS subscription to confirm: a job fetches `url` (checked by the caller); False if seen."""
        now = self.clock.now()
        with self.transaction() as uow:
            if not uow.receipts.receipt(receipt, now):
                return False
            key = f"{CONFIRM_JOB}:{receipt}"[:255]
            uow.jobs.schedule(CONFIRM_JOB, key, now, {"url": url, "service": service_id})
            return True


def _ended(text: str) -> str:
    """Text as a sentence that ends with a full stop (unless it has its own), to put another after it."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."
