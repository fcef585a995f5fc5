"""Incidents as values: states and the moves between them, priorities, monitored services, alarms."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from opsdesk.domain.errors import IncidentError
from opsdesk.domain.hours import Cover
from opsdesk.domain.incidents.escalation import EscalationPolicy

DEDUP_KEY_LIMIT = 255  # as PagerDuty's Events API v2


SUMMARY_LIMIT = 1024


class RoutingMode(StrEnum):
    PAGE = "page"  # pages the rota in on-call hours
    NOTIFY = "notify"  # posts to the service's channel only, like the high-priority alarms


class IncidentState(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    DEFERRED = (
        "deferred"  # cannot be resolved out of hours: the affected team knows, a plan for working hours
    )
    RESOLVED = "resolved"


OPEN_STATES = (IncidentState.TRIGGERED, IncidentState.ACKNOWLEDGED, IncidentState.DEFERRED)


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    DEFER = "defer"
    RESOLVE = "resolve"


# Which states each action may leave (anything else is refused, saying why).
ALLOWED_FROM: dict[Action, tuple[IncidentState, ...]] = {
    Action.ACKNOWLEDGE: (IncidentState.TRIGGERED,),
    Action.DEFER: (IncidentState.TRIGGERED, IncidentState.ACKNOWLEDGED),
    Action.RESOLVE: OPEN_STATES,
}


RESULT_OF = {
    Action.ACKNOWLEDGE: IncidentState.ACKNOWLEDGED,
    Action.DEFER: IncidentState.DEFERRED,
    Action.RESOLVE: IncidentState.RESOLVED,
}


def check_transition(number: int, state: IncidentState, action: Action) -> IncidentState:
    """The state after `action`, or IncidentError saying why it cannot happen now."""
    if state in ALLOWED_FROM[action]:
        return RESULT_OF[action]
    allowed = " or ".join(str(s) for s in ALLOWED_FROM[action])
    raise IncidentError(
        f"incident #{number} is {state}: only a {allowed} incident can be {RESULT_OF[action]}"
    )


class Priority(StrEnum):
    P1 = "P1"  # the whole platform is down
    P2 = "P2"  # part is down, applications affected
    P3 = "P3"  # part is down, applications still available

    @property
    def needs_lead_and_scribe(self) -> bool:
        return self in (Priority.P1, Priority.P2)

    @property
    def meaning(self) -> str:
        return {
            Priority.P1: "the whole platform is down",
            Priority.P2: "part of the platform is down and applications are affected",
            Priority.P3: "part of the platform is down and applications are still available",
        }[self]


def check_lead_and_scribe(
    team: Sequence[str],
    changed: Mapping[str, str],
    priority: Priority | None,
    roles: Mapping[str, str | None],
) -> None:
    """IncidentError, naming the field and whom to choose, unless each lead or scribe being set
    (`changed`) is an engineer of the `team`, and on a P1 the lead and the scribe (`roles`, as they will
    be) are two people: a P1 needs one to lead and one to write."""
    for name, value in changed.items():
        if value not in team:
            choose = ", ".join(team) or "nobody: the policy lists no engineers (add them under `engineers:`)"
            shown = value if len(value) <= 40 else f"{value[:40]}..."
            raise IncidentError(f"{name} {shown!r} is not an engineer of the team; choose one of: {choose}")
    lead, scribe = roles.get("lead"), roles.get("scribe")
    if priority is Priority.P1 and lead is not None and lead == scribe:
        field = "scribe" if "scribe" in changed else "lead" if "lead" in changed else "priority"
        others = ", ".join(e for e in team if e != lead) or "nobody else: add engineers under `engineers:`"
        raise IncidentError(
            f"{field}: on a P1 the lead and the scribe must be two people, and {lead} would be both; "
            f"choose the {'lead' if field == 'lead' else 'scribe'} from: {others}"
        )


def key_digest(key: str) -> str:
    """How an integration key is held in memory and compared: its SHA-256, never the key itself."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class MonitoredService:
    """A source of alarms: how it routes, where it posts, how it escalates, which keys may send to it."""

    id: str
    name: str
    mode: RoutingMode = RoutingMode.PAGE
    channel: str | None = None  # the Slack channel its posts go to (the log when Slack is not set up)
    escalation: EscalationPolicy = field(default_factory=EscalationPolicy)
    key_digests: frozenset[str] = frozenset()  # SHA-256 of each integration key
    paging: tuple[str, ...] = ("slack", "email")  # slack, email, pagerduty, sms, voice


@dataclass(frozen=True)
class Alarm:
    """One alert arriving for a service (a trigger): from a monitor, or opened by a person."""

    service: str
    dedup_key: str
    summary: str
    source: str = ""
    severity: str = "critical"
    details: dict[str, Any] = field(default_factory=dict)
    priority: Priority | None = None

    def __post_init__(self) -> None:
        if not self.dedup_key.strip() or len(self.dedup_key) > DEDUP_KEY_LIMIT:
            raise IncidentError(f"a dedup key must be 1 to {DEDUP_KEY_LIMIT} characters")
        if not self.summary.strip() or len(self.summary) > SUMMARY_LIMIT:
            raise IncidentError(f"a summary must be 1 to {SUMMARY_LIMIT} characters")


@dataclass(frozen=True)
class Incident:
    id: int
    service: str
    dedup_key: str
    state: IncidentState
    summary: str
    source: str
    severity: str
    cover: Cover  # the cover when it opened
    opened_at: datetime
    alert_count: int = 1
    priority: Priority | None = None
    lead: str | None = None
    scribe: str | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    deferred_at: datetime | None = None
    informed: str | None = None  # deferred: who in the affected team was told
    plan: str | None = None  # deferred: the plan for working hours
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def missing_roles(self) -> list[str]:
        """What the team's process asks for and this incident lacks (a lead and a scribe for P1 and P2)."""
        if self.priority is None or not self.priority.needs_lead_and_scribe:
            return []
        return [name for name, value in (("lead", self.lead), ("scribe", self.scribe)) if not value]
