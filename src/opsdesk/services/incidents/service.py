"""Incident use cases: alarms in, routed by cover, paged and escalated through jobs, acted on, reported.

Every change happens in one store transaction with its timeline entry, its outgoing messages (the
outbox) and its timed follow-ups (jobs), so a crash never leaves a page sent for an incident that was not
stored, nor an incident without its escalation.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from opsdesk.domain.errors import IncidentError, UnknownIncidentError
from opsdesk.domain.hours import Cover
from opsdesk.domain.incidents.escalation import step_key
from opsdesk.domain.incidents.model import (
    Action,
    Alarm,
    Incident,
    IncidentState,
    MonitoredService,
    Priority,
    check_transition,
    key_digest,
)
from opsdesk.domain.incidents.report import Figures, incident_report
from opsdesk.domain.incidents.routing import Holders, route_alarm
from opsdesk.domain.incidents.timeline import ALERT, ALERT_JOINED, PAGE_LIMIT, TimelinePage, check_page
from opsdesk.domain.jobs import Job
from opsdesk.domain.outbox import OutgoingMessage
from opsdesk.domain.rota import EngineerId, Role, holding
from opsdesk.domain.timeline import Actor, TimelineEntry, system_entry
from opsdesk.services.clock import Clock
from opsdesk.services.rota import RotaService
from opsdesk.services.text import optional_text, required_text, slack_escape

PAGE_JOB = "incident-page"
END_JOB = "incident-escalation-end"
CONFIRM_JOB = "sns-confirm"
HANDBACK_JOB = "incident-hand-back"
HANDBACK_SEARCH = timedelta(days=21)  # how far ahead to look for the next support hours
TIMELINE_PAGE = 50  # timeline entries shown with an incident


class IncidentTx(Protocol):
    """One store transaction: reads lock what they return until it ends."""

    def open_or_join(self, alarm: Alarm, cover: Cover, now: datetime) -> tuple[Incident, bool]: ...
    def get(self, incident_id: int) -> Incident | None: ...
    def find_open(self, service: str, dedup_key: str) -> Incident | None: ...
    def update(self, incident_id: int, changes: Mapping[str, Any]) -> Incident: ...
    def entry(self, incident_id: int, entry: TimelineEntry) -> None: ...
    def message(self, message: OutgoingMessage, now: datetime) -> bool: ...
    def schedule(self, kind: str, key: str, due_at: datetime, payload: dict[str, Any]) -> bool: ...
    def receipt(self, key: str, now: datetime) -> bool: ...


class IncidentStore(Protocol):
    def transaction(self) -> AbstractContextManager[IncidentTx]: ...
    def join_open(self, joins: Sequence[tuple[Alarm, TimelineEntry]]) -> list[Incident | None]: ...
    def incident(self, incident_id: int) -> Incident | None: ...
    def timeline(
        self, incident_id: int, *, limit: int, before: int | None = None, alerts: bool = True
    ) -> TimelinePage: ...
    def entries_after(
        self, incident_id: int, after: int | None, limit: int, *, alerts: bool = True
    ) -> list[TimelineEntry]: ...
    def incidents(
        self, state: IncidentState | None = None, service: str | None = None, limit: int = 100
    ) -> list[Incident]: ...
    def opened_between(self, start: datetime, end: datetime) -> list[Incident]: ...


@dataclass(frozen=True)
class Outcome:
    incident: Incident
    opened: bool = False  # a trigger opened a new incident (False: it joined an open one)


@dataclass
class IncidentService:
    store: IncidentStore
    rota: RotaService
    services: Sequence[MonitoredService]
    clock: Clock
    # The channels this deployment has set up; pages fall back to the log channel when none fits.
    channels: frozenset[str] = frozenset({"log"})
    _by_key: dict[str, MonitoredService] = field(init=False, repr=False)
    _by_id: dict[str, MonitoredService] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {s.id: s for s in self.services}
        self._by_key = {digest: s for s in self.services for digest in s.key_digests}

    # -- look-ups ---------------------------------------------------------------------------------

    def service_for_key(self, key: str) -> MonitoredService | None:
        """The service an integration key sends to (compared by digest), or None."""
        return self._by_key.get(key_digest(key))

    def service(self, service_id: str) -> MonitoredService:
        found = self._by_id.get(service_id)
        if found is None:
            known = ", ".join(sorted(self._by_id)) or "none: add one under `services:` in the policy"
            raise IncidentError(f"no service {service_id!r}; the services are: {known}")
        return found

    def incident(self, incident_id: int) -> Incident:
        found = self.store.incident(incident_id)
        if found is None:
            raise UnknownIncidentError(f"no incident #{incident_id}")
        return found

    def timeline(
        self, incident_id: int, *, limit: int = TIMELINE_PAGE, before: int | None = None, alerts: bool = False
    ) -> TimelinePage:
        """The newest entries (older than the entry `before`), newest first; a storm's alerts are summed
        up, and listed as well only with `alerts`."""
        check_page(limit, before)
        self.incident(incident_id)
        return self.store.timeline(incident_id, limit=limit, before=before, alerts=alerts)

    def walk_timeline(self, incident_id: int, *, alerts: bool = True) -> Iterator[TimelineEntry]:
        """Every entry, oldest first, read a page at a time so that memory stays flat however long it is."""
        self.incident(incident_id)
        after: int | None = None
        while True:
            found = self.store.entries_after(incident_id, after, PAGE_LIMIT, alerts=alerts)
            yield from found
            if len(found) < PAGE_LIMIT:
                return
            after = found[-1].id

    def incidents(
        self, state: IncidentState | None = None, service: str | None = None, limit: int = 100
    ) -> list[Incident]:
        return self.store.incidents(state, service, limit)

    def report(self, start: datetime, end: datetime) -> dict[str, dict[str, Figures]]:
        return incident_report(self.store.opened_between(start, end))

    # -- alarms in --------------------------------------------------------------------------------

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
            (joined,) = self.store.join_open([(alarm, joining)])
            if joined is not None:
                return Outcome(joined)
        cover = self.rota.engine.cover_at(now)
        with self.store.transaction() as tx:
            if receipt is not None and not tx.receipt(receipt, now):
                return None
            incident, opened = tx.open_or_join(alarm, cover.cover, now)
            if not opened:
                message = f"{joining.message} (alert {incident.alert_count})"
                tx.entry(incident.id, replace(joining, message=message))
                return Outcome(incident)
            what = f"triggered: {alarm.summary}"
            tx.entry(incident.id, TimelineEntry(now, actor.name, actor.source, "triggered", what, {}))
            support = None
            if cover.cover is Cover.SUPPORT:
                support = holding(self.rota.rota, Role.SUPPORT, now, self.rota.engine.timezone).engineer
            following = self.rota.engine.cover_at(cover.until).cover if cover.until else None
            routing = route_alarm(service.mode, cover, support, following, holders=self._holders(service))
            tx.entry(incident.id, system_entry(now, "routed", routing.reason, {}))
            self._ask_for_roles(tx, incident, now)
            text = f"Incident #{incident.id} ({service.name}): {_ended(incident.summary)} "
            text += _ended(routing.reason[:1].upper() + routing.reason[1:])
            self._post(
                tx, service, incident, "opened", text=text, now=now, mention=self._mention(routing.name)
            )
            if routing.page_at is not None and routing.page_at <= now:
                self._page(tx, service, incident, (1, 1), due=now, now=now)
            elif routing.page_at is not None:
                tx.schedule(
                    PAGE_JOB,
                    f"incident:{incident.id}:page:{step_key(1, 1)}",
                    routing.page_at,
                    {"incident": incident.id, "cycle": 1, "step": 1, "held": True},
                )
                when = f"{routing.page_at.astimezone(self.rota.engine.timezone):%a %d %b %H:%M}"
                held = (
                    f"held for cover: {routing.paged.engineer} ({routing.paged.role}) is paged at {when} "
                    "unless it is resolved first"
                    if routing.paged
                    else f"held for cover: the escalation starts at {when}, but nobody holds a step of it "
                    "then; add an override to the rota before then"
                )
                tx.entry(
                    incident.id, system_entry(now, "held", held, {"page_at": routing.page_at.isoformat()})
                )
            return Outcome(incident, opened=True)

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
        for i, incident in zip(known, self.store.join_open(joins), strict=True):
            found[i] = Outcome(incident) if incident else None
        return found

    def _joining(self, alarm: Alarm, actor: Actor, now: datetime) -> TimelineEntry:
        return TimelineEntry(
            now,
            actor.name,
            actor.source,
            ALERT,
            f"{ALERT_JOINED}{alarm.summary}",
            {"source": alarm.source, "severity": alarm.severity},
        )

    def act_on_key(
        self, service_id: str, dedup_key: str, action: Action, actor: Actor, receipt: str | None = None
    ) -> Incident | None:
        """An acknowledge or resolve from an alarm source, by dedup key; None (dropped) when none is open."""
        self.service(service_id)
        with self.store.transaction() as tx:
            if receipt is not None and not tx.receipt(receipt, self.clock.now()):
                return None
            incident = tx.find_open(service_id, dedup_key)
            if incident is None:
                return None
            if action is Action.ACKNOWLEDGE and incident.state is not IncidentState.TRIGGERED:
                return incident  # already acknowledged (or deferred): nothing to change, as PagerDuty
            return self._act(tx, incident, action, actor, {})

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
        with self.store.transaction() as tx:
            if not tx.receipt(receipt, now):
                return False
            tx.schedule(
                CONFIRM_JOB, f"{CONFIRM_JOB}:{receipt}"[:255], now, {"url": url, "service": service_id}
            )
            return True

    # -- people act -------------------------------------------------------------------------------

    def acknowledge(self, incident_id: int, actor: Actor) -> Incident:
        return self._act_by_id(incident_id, Action.ACKNOWLEDGE, actor, {})

    def resolve(self, incident_id: int, actor: Actor, note: str | None = None) -> Incident:
        return self._act_by_id(
            incident_id, Action.RESOLVE, actor, {"note": optional_text(note, "note", error=IncidentError)}
        )

    def defer(self, incident_id: int, actor: Actor, informed: str, plan: str) -> Incident:
        """Cannot be resolved out of hours: the affected team was told, and a plan for working hours."""
        extra: dict[str, str | None] = {
            "informed": required_text(informed, "informed", error=IncidentError),
            "plan": required_text(plan, "plan", error=IncidentError),
        }
        return self._act_by_id(incident_id, Action.DEFER, actor, extra)

    def note(self, incident_id: int, actor: Actor, text: str) -> Incident:
        body = required_text(text, "note", error=IncidentError)
        with self.store.transaction() as tx:
            incident = self._get(tx, incident_id)
            tx.entry(incident.id, TimelineEntry(self.clock.now(), actor.name, actor.source, "note", body, {}))
            return incident

    def update(
        self,
        incident_id: int,
        actor: Actor,
        *,
        priority: Priority | None = None,
        lead: str | None = None,
        scribe: str | None = None,
    ) -> Incident:
        """Set the priority, the incident lead or the scribe; P1 and P2 ask for a lead and a scribe."""
        changes: dict[str, Any] = {}
        if priority is not None:
            changes["priority"] = priority
        for name, value in (("lead", lead), ("scribe", scribe)):
            if value is not None:
                changes[name] = required_text(value, name, limit=100, error=IncidentError)
        if not changes:
            raise IncidentError("nothing to change: give a priority, a lead or a scribe")
        now = self.clock.now()
        with self.store.transaction() as tx:
            incident = self._get(tx, incident_id)
            if incident.state is IncidentState.RESOLVED:
                raise IncidentError(f"incident #{incident.id} is resolved; it can no longer be changed")
            updated = tx.update(incident.id, changes)
            for name, value in changes.items():
                said = f"{value} ({value.meaning})" if isinstance(value, Priority) else value
                tx.entry(
                    incident.id,
                    TimelineEntry(
                        now, actor.name, actor.source, name, f"{name} set to {said}", {name: str(value)}
                    ),
                )
            self._ask_for_roles(tx, updated, now)
            return updated

    def _ask_for_roles(self, tx: IncidentTx, incident: Incident, now: datetime) -> None:
        """The team's process: P1 and P2 need an incident lead and a scribe; ask on the timeline and channel."""
        missing = incident.missing_roles
        if not missing:
            return
        text = f"{incident.priority} needs an incident lead and a scribe: name the {' and '.join(missing)}"
        tx.entry(incident.id, system_entry(now, "asked", text, {}))
        what = f"asked-{len(missing)}-{incident.priority}"
        self._post(
            tx, self.service(incident.service), incident, what, text=f"#{incident.id}: {text}", now=now
        )

    # -- escalation (jobs) ------------------------------------------------------------------------

    def run_job(self, job: Job) -> None:
        """The handler of PAGE_JOB and END_JOB: the next page of an unacknowledged incident, or its end."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            incident = tx.get(int(job.payload["incident"]))
            if incident is None:
                return
            service = self.service(incident.service)
            if incident.state is not IncidentState.TRIGGERED:
                if job.payload.get("held"):
                    text = f"cover started; nobody paged: the incident is {incident.state}"
                    tx.entry(incident.id, system_entry(now, "not-paged", text, {}))
                return
            if job.kind == END_JOB:
                cycles = service.escalation.cycles
                text = (
                    f"escalation ended: {cycles} cycles paged and nobody acknowledged; opsdesk pages no more"
                )
                tx.entry(incident.id, system_entry(now, "escalation-ended", text, {}))
                self._post(tx, service, incident, "escalation-ended", text=f"#{incident.id}: {text}", now=now)
                return
            at = (int(job.payload["cycle"]), int(job.payload["step"]))
            self._page(tx, service, incident, at, due=job.due_at, now=now)

    def _page(
        self,
        tx: IncidentTx,
        service: MonitoredService,
        incident: Incident,
        position: tuple[int, int],
        *,
        due: datetime,
        now: datetime,
    ) -> None:
        """Page the holder of (cycle, step); a step nobody holds is skipped at once, saying so."""
        cycle, step = position
        policy = service.escalation
        tz = self.rota.engine.timezone
        skipped = 0
        while skipped < len(policy.steps):
            role = policy.step(step).role
            engineer = holding(self.rota.rota, role, due, tz).engineer
            if engineer is not None:
                break
            tx.entry(
                incident.id,
                system_entry(
                    now,
                    "skipped",
                    f"cycle {cycle} step {step} skipped: nobody holds {role} now",
                    {"cycle": cycle, "step": step, "role": str(role)},
                ),
            )
            skipped += 1
            following = policy.following(cycle, step)
            if following is None:
                self._schedule_end(tx, incident, due)
                return
            cycle, step = following
        else:
            text = "nobody holds any role of the escalation now: nobody was paged; escalation stopped"
            tx.entry(incident.id, system_entry(now, "escalation-ended", text, {}))
            self._post(tx, service, incident, "nobody", text=f"#{incident.id}: {text}", now=now)
            return
        for message in self._page_messages(service, incident, engineer, role=role, cycle=cycle, step=step):
            tx.message(message, now)
        tx.entry(
            incident.id,
            system_entry(
                now,
                "paged",
                f"paged {engineer} ({role}), cycle {cycle} step {step}",
                {"engineer": engineer, "role": str(role), "cycle": cycle, "step": step},
            ),
        )
        after = due + policy.step(step).wait
        following = policy.following(cycle, step)
        if following is None:
            self._schedule_end(tx, incident, after)
            return
        c, s = following
        tx.schedule(
            PAGE_JOB,
            f"incident:{incident.id}:page:{step_key(c, s)}",
            after,
            {"incident": incident.id, "cycle": c, "step": s},
        )

    def _schedule_hand_back(self, tx: IncidentTx, incident: Incident, now: datetime) -> None:
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
        tx.schedule(
            HANDBACK_JOB,
            f"incident:{incident.id}:hand-back:{start.isoformat()}",
            start,
            {"incident": incident.id},
        )
        when = start.astimezone(engine.timezone)
        text = f"in the hand-back at {when:%a %d %b %H:%M}, when support hours start"
        tx.entry(incident.id, system_entry(now, "hand-back-due", text, {}))

    def run_hand_back(self, job: Job) -> None:
        """The morning hand-back of a deferred incident: posted to its channel, naming the support engineer."""
        now = self.clock.now()
        with self.store.transaction() as tx:
            incident = tx.get(int(job.payload["incident"]))
            if incident is None or incident.state is not IncidentState.DEFERRED:
                return  # resolved (or acted on) overnight: nothing to hand back
            support = holding(self.rota.rota, Role.SUPPORT, now, self.rota.engine.timezone).engineer
            text = (
                f"Hand-back: incident #{incident.id} ({incident.service}) was deferred out of hours: "
                f"{incident.summary}. Informed: {incident.informed}. Plan: {incident.plan}."
            )
            tx.entry(
                incident.id,
                system_entry(now, "handed-back", text, {"support": support}),
            )
            self._post(
                tx,
                self.service(incident.service),
                incident,
                f"hand-back-{job.key}",
                text=text,
                now=now,
                mention=self._mention(support),
            )

    def _schedule_end(self, tx: IncidentTx, incident: Incident, at: datetime) -> None:
        tx.schedule(END_JOB, f"incident:{incident.id}:escalation-end", at, {"incident": incident.id})

    def _page_messages(
        self,
        service: MonitoredService,
        incident: Incident,
        engineer: EngineerId,
        *,
        role: Role,
        cycle: int,
        step: int,
    ) -> Iterator[OutgoingMessage]:
        person = self.rota.rota.engineer(engineer)
        key = f"page:{incident.id}:{step_key(cycle, step)}"
        text = (
            f"Page for {engineer} ({role}): incident #{incident.id} on {service.name}: {incident.summary}\n"
            f"Acknowledge: `opsdesk incident ack {incident.id}`"
        )
        sent = False
        for way in service.paging:
            if way not in self.channels:
                continue
            if way == "slack" and person is not None and person.slack:
                yield OutgoingMessage("slack", person.slack, {"text": slack_escape(text)}, f"{key}:slack")
                sent = True
            elif way == "email" and person is not None:
                subject = f"[opsdesk] Page: #{incident.id} {incident.summary}"[:200]
                yield OutgoingMessage(
                    "email", person.email, {"subject": subject, "text": text}, f"{key}:email"
                )
                sent = True
            elif way == "pagerduty":
                event = {
                    "event_action": "trigger",
                    "dedup_key": f"opsdesk-{incident.id}-{step_key(cycle, step)}",
                    "payload": {
                        "summary": f"#{incident.id} {incident.summary}"[:1024],
                        "source": f"opsdesk/{service.id}",
                        "severity": "critical",
                        "custom_details": {
                            "engineer": engineer,
                            "role": str(role),
                            "cycle": cycle,
                            "step": step,
                        },
                    },
                }
                yield OutgoingMessage(
                    "pagerduty",
                    person.pagerduty if person and person.pagerduty else service.id,
                    event,
                    f"{key}:pagerduty",
                )
                sent = True
        if not sent:  # nothing set up reaches this engineer: the outbox (log) still shows the page
            yield OutgoingMessage("log", engineer, {"text": slack_escape(text)}, f"{key}:log")

    def _post(
        self,
        tx: IncidentTx,
        service: MonitoredService,
        incident: Incident,
        what: str,
        *,
        text: str,
        now: datetime,
        mention: str | None = None,
    ) -> None:
        """A post to the service's channel (Slack when set up, else the log), once per incident and `what`.

        The text is escaped for Slack (it carries summaries and notes from outside); only our own mention
        of an engineer is added after escaping.
        """
        channel = "slack" if "slack" in self.channels and service.channel else "log"
        destination = service.channel or service.id
        body = slack_escape(text) + (f" {mention}" if mention else "")
        tx.message(OutgoingMessage(channel, destination, {"text": body}, f"post:{incident.id}:{what}"), now)

    def _mention(self, name: EngineerId | None) -> str | None:
        if name is None:
            return None
        person = self.rota.rota.engineer(name)
        return f"<@{person.slack}>" if person and person.slack else None

    # -- transitions ------------------------------------------------------------------------------

    def _act_by_id(
        self, incident_id: int, action: Action, actor: Actor, extra: dict[str, str | None]
    ) -> Incident:
        with self.store.transaction() as tx:
            return self._act(tx, self._get(tx, incident_id), action, actor, extra)

    def _act(
        self, tx: IncidentTx, incident: Incident, action: Action, actor: Actor, extra: dict[str, str | None]
    ) -> Incident:
        state = check_transition(incident.id, incident.state, action)
        now = self.clock.now()
        changes: dict[str, Any] = {"state": state}
        if action is Action.ACKNOWLEDGE:
            changes |= {"acknowledged_at": now, "acknowledged_by": actor.name}
            text = f"acknowledged by {actor.name}"
        elif action is Action.RESOLVE:
            changes |= {"resolved_at": now, "resolved_by": actor.name}
            if incident.acknowledged_at is None:
                changes |= {"acknowledged_at": now, "acknowledged_by": actor.name}
            text = f"resolved by {actor.name}" + (f": {extra['note']}" if extra.get("note") else "")
        else:
            changes |= {"deferred_at": now, "informed": extra["informed"], "plan": extra["plan"]}
            if incident.acknowledged_at is None:
                changes |= {"acknowledged_at": now, "acknowledged_by": actor.name}
            text = (
                f"deferred to working hours by {actor.name}: informed {extra['informed']}; plan: {extra['plan']}; "
                "it goes into the morning hand-back"
            )
        updated = tx.update(incident.id, changes)
        tx.entry(incident.id, TimelineEntry(now, actor.name, actor.source, str(state), text, {}))
        if action is Action.DEFER:
            self._schedule_hand_back(tx, updated, now)
        self._post(
            tx, self.service(incident.service), updated, str(state), text=f"#{incident.id} {text}", now=now
        )
        return updated

    def _get(self, tx: IncidentTx, incident_id: int) -> Incident:
        found = tx.get(incident_id)
        if found is None:
            raise UnknownIncidentError(f"no incident #{incident_id}")
        return found


def _ended(text: str) -> str:
    """Text as a sentence that ends with a full stop (unless it has its own), to put another after it."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def incident_dict(incident: Incident, tz: Any) -> dict[str, Any]:
    """The public shape of an incident (API, `--json`), times in the policy's zone."""

    def when(value: datetime | None) -> str | None:
        return value.astimezone(tz).isoformat() if value else None

    return {
        "id": incident.id,
        "service": incident.service,
        "dedup_key": incident.dedup_key,
        "state": str(incident.state),
        "summary": incident.summary,
        "source": incident.source,
        "severity": incident.severity,
        "cover": str(incident.cover),
        "priority": str(incident.priority) if incident.priority else None,
        "lead": incident.lead,
        "scribe": incident.scribe,
        "missing": incident.missing_roles,
        "alerts": incident.alert_count,
        "opened_at": when(incident.opened_at),
        "acknowledged_at": when(incident.acknowledged_at),
        "acknowledged_by": incident.acknowledged_by,
        "resolved_at": when(incident.resolved_at),
        "resolved_by": incident.resolved_by,
        "deferred_at": when(incident.deferred_at),
        "informed": incident.informed,
        "plan": incident.plan,
        "details": incident.details,
    }
