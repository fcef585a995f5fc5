"""People acting on incidents: acknowledge, resolve, defer to working hours, note, set priority and roles;
and acknowledge, resolve or defer from a chat message (a button, or the form a button opened), once per
press or submission, the message rewritten to show it."""

from __future__ import annotations

from typing import Any

from opsdesk.domain.errors import IncidentError
from opsdesk.domain.incidents.model import (
    Action,
    Incident,
    IncidentState,
    Priority,
    check_lead_and_scribe,
    check_transition,
)
from opsdesk.domain.notices import ChatMessage, MessageUpdate
from opsdesk.domain.timeline import Actor, TimelineEntry
from opsdesk.services.incidents.escalation import EscalationSteps
from opsdesk.services.text import optional_text, required_text
from opsdesk.services.unit_of_work import UnitOfWork


class ActionSteps(EscalationSteps):
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
        with self.transaction() as uow:
            incident = self._get(uow, incident_id)
            entry = TimelineEntry(self.clock.now(), actor.name, actor.source, "note", body, {})
            uow.incidents.entry(incident.id, entry)
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
        """Set the priority, the incident lead or the scribe; P1 and P2 ask for a lead and a scribe. A lead
        or a scribe is an engineer of the team, and on a P1 they are two people."""
        changes: dict[str, Any] = {}
        if priority is not None:
            changes["priority"] = priority
        for name, value in (("lead", lead), ("scribe", scribe)):
            if value is not None:
                changes[name] = required_text(value, name, limit=100, error=IncidentError)
        if not changes:
            raise IncidentError("nothing to change: give a priority, a lead or a scribe")
        now = self.clock.now()
        with self.transaction() as uow:
            incident = self._get(uow, incident_id)
            if incident.state is IncidentState.RESOLVED:
                raise IncidentError(f"incident #{incident.id} is resolved; it can no longer be changed")
            people = {k: v for k, v in changes.items() if k in ("lead", "scribe")}
            check_lead_and_scribe(
                [e.id for e in self.rota.rota.engineers],
                people,
                changes.get("priority", incident.priority),
                {"lead": incident.lead, "scribe": incident.scribe} | people,
            )
            updated = uow.incidents.update(incident.id, changes)
            for name, value in changes.items():
                said = f"{value} ({value.meaning})" if isinstance(value, Priority) else value
                entry = TimelineEntry(
                    now, actor.name, actor.source, name, f"{name} set to {said}", {name: str(value)}
                )
                uow.incidents.entry(incident.id, entry)
            self._ask_for_roles(uow, updated, now)
            return updated

    def act_from_message(
        self, incident_id: int, action: Action, actor: Actor, receipt: str, message: ChatMessage | None
    ) -> Incident | None:
        """Acknowledge or resolve as pressed on a message: taken in once per `receipt` (None: this press
        was taken in before, nothing is done again), in one unit of work with the message's rewrite (through
        the outbox). IncidentError when it cannot be done now, saying who already did it."""
        extra: dict[str, str | None] = {"note": None} if action is Action.RESOLVE else {}
        return self._act_once(incident_id, action, actor, extra, receipt, message)

    def defer_from_message(  # noqa: PLR0917  (the incident, who, the two answers, the receipt, the message)
        self,
        incident_id: int,
        actor: Actor,
        informed: str,
        plan: str,
        receipt: str,
        message: ChatMessage | None,
    ) -> Incident | None:
        """Defer to working hours as asked from a message (the form its Defer button opened), with the
        rules of `defer`: taken in once per `receipt` (None: taken in before), in one unit of work with the
        message's rewrite. IncidentError when it cannot be done (a field missing, already resolved)."""
        extra: dict[str, str | None] = {
            "informed": required_text(informed, "informed", error=IncidentError),
            "plan": required_text(plan, "plan", error=IncidentError),
        }
        return self._act_once(incident_id, Action.DEFER, actor, extra, receipt, message)

    def _act_once(  # noqa: PLR0917  (one action from a message, with what it needs)
        self,
        incident_id: int,
        action: Action,
        actor: Actor,
        extra: dict[str, str | None],
        receipt: str,
        message: ChatMessage | None,
    ) -> Incident | None:
        """The action, its receipt and the message's rewrite in one unit of work: a refusal keeps no
        receipt (the same form, corrected, can be sent again)."""
        now = self.clock.now()
        with self.transaction() as uow:
            incident = self._get(uow, incident_id)
            if not uow.receipts.receipt(receipt, now):
                return None
            _check_not_done(incident, action)
            updated = self._act(uow, incident, action, actor, extra)
            if message is not None:
                self.notifier.send(uow.outbox, _rewrite(updated, message, actor.name), now)
            return updated

    def _act_by_id(
        self, incident_id: int, action: Action, actor: Actor, extra: dict[str, str | None]
    ) -> Incident:
        with self.transaction() as uow:
            return self._act(uow, self._get(uow, incident_id), action, actor, extra)

    def _act(
        self, uow: UnitOfWork, incident: Incident, action: Action, actor: Actor, extra: dict[str, str | None]
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
        updated = uow.incidents.update(incident.id, changes)
        uow.incidents.entry(incident.id, TimelineEntry(now, actor.name, actor.source, str(state), text, {}))
        if action is Action.DEFER:
            self._schedule_hand_back(uow, updated, now)
        self._post(uow, updated, str(state), f"#{incident.id} {text}", now)
        return updated


def _check_not_done(incident: Incident, action: Action) -> None:
    """IncidentError naming who already did what a button asks (a second press, or a colleague's)."""
    if action is Action.ACKNOWLEDGE and incident.acknowledged_by is not None:
        raise IncidentError(f"incident #{incident.id} is already acknowledged by {incident.acknowledged_by}")
    if incident.state is IncidentState.RESOLVED:
        raise IncidentError(f"incident #{incident.id} is already resolved by {incident.resolved_by}")


def _rewrite(incident: Incident, message: ChatMessage, by: str) -> MessageUpdate:
    """The message as it reads once `by` acted on it: what happened, by whom; what can still be done from
    it (an acknowledged incident can be resolved or deferred, a deferred one resolved, a resolved one
    nothing)."""
    actions: tuple[str, ...] = ()
    if incident.state is IncidentState.RESOLVED:
        done = f"resolved by {by}"
    elif incident.state is IncidentState.DEFERRED:
        done, actions = f"deferred to working hours by {by}", (str(Action.RESOLVE),)
    else:
        done, actions = f"{incident.state} by {by}", (str(Action.RESOLVE), str(Action.DEFER))
    return MessageUpdate(
        message.channel,
        message.ts,
        f"Incident #{incident.id}: {incident.summary} ({done})",
        f"update:{incident.id}:{message.channel}:{message.ts}:{incident.state}",
        incident.id,
        actions,
    )
