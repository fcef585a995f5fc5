"""Incidents: how an alarm is routed by the cover at its moment, and when each escalation page falls due."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from statistics import median, quantiles
from typing import Any

from opsdesk.domain.errors import DomainError
from opsdesk.domain.hours import Cover, CoverAt
from opsdesk.domain.rota import EngineerId, Holding, Role

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


class IncidentError(DomainError):
    """An incident action refused: an illegal transition, an unknown incident or service."""


class UnknownIncidentError(IncidentError):
    pass


def check_transition(number: int, state: IncidentState, action: Action) -> IncidentState:
    """The state after `action`, or IncidentError saying why it cannot happen now."""
    if state in ALLOWED_FROM[action]:
        return RESULT_OF[action]
    allowed = " or ".join(str(s) for s in ALLOWED_FROM[action])
    raise IncidentError(
        f"incident #{number} is {state}: only a {allowed} incident can be {RESULT_OF[action]}"
    )


class Source(StrEnum):
    """Where a change came from, for the timeline."""

    API = "api"
    CLI = "cli"
    ALARM = "alarm"
    EMAIL = "email"
    GITHUB = "github"
    SYSTEM = "system"  # opsdesk itself: routing, escalation


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


@dataclass(frozen=True)
class EscalationStep:
    role: Role
    wait: timedelta  # before the next step, if this one is not acknowledged


@dataclass(frozen=True)
class EscalationPolicy:
    """Page the primary; 20 minutes later the secondary; 10 more, start again; up to 9 cycles (the default)."""

    steps: tuple[EscalationStep, ...] = (
        EscalationStep(Role.PRIMARY, timedelta(minutes=20)),
        EscalationStep(Role.SECONDARY, timedelta(minutes=10)),
    )
    cycles: int = 9

    def __post_init__(self) -> None:
        if not self.steps or self.cycles < 1:
            raise ValueError("an escalation policy needs at least one step and one cycle")

    def step(self, number: int) -> EscalationStep:
        return self.steps[number - 1]

    def following(self, cycle: int, step: int) -> tuple[int, int] | None:
        """The (cycle, step) after this one, or None when the escalation has run out."""
        if step < len(self.steps):
            return cycle, step + 1
        if cycle < self.cycles:
            return cycle + 1, 1
        return None

    def pages(self, start: datetime) -> list[EscalationPage]:
        """Every page of the whole escalation, if nobody ever acknowledges and every step is held."""
        found: list[EscalationPage] = []
        at, position = start, (1, 1)
        while True:
            cycle, number = position
            found.append(EscalationPage(at, self.step(number).role, cycle, number))
            at += self.step(number).wait
            following = self.following(cycle, number)
            if following is None:
                return found
            position = following


@dataclass(frozen=True)
class EscalationPage:
    at: datetime
    role: Role
    cycle: int
    step: int

    @property
    def dedup_key(self) -> str:
        return step_key(self.cycle, self.step)


def step_key(cycle: int, step: int) -> str:
    """Part of each page's key with the incident's, so a retried delivery never pages twice."""
    return f"c{cycle}s{step}"


@dataclass(frozen=True)
class Routing:
    """What an alarm does when it arrives: post to the channel (naming someone), page now or later."""

    post_to_channel: bool
    name: EngineerId | None  # the engineer the channel post names (in support hours, the support engineer)
    page_at: datetime | None  # when the escalation starts; None: it never pages
    reason: str  # who acts, and what to do next: for the timeline and, as a sentence, the channel post
    paged: Holding | None = None  # who the first page goes to at `page_at`, as the rota stands


# Who holds each step of the escalation at an instant, in step order (the service asks the rota).
Holders = Callable[[datetime], Sequence[Holding]]


def route_alarm(  # noqa: PLR0911  (one answer per case of the team's process)
    mode: RoutingMode,
    cover: CoverAt,
    support_engineer: EngineerId | None,
    next_cover: Cover | None = None,
    *,
    holders: Holders,
) -> Routing:
    """Routing by the cover at the moment of the alarm, as the team's process says, naming who is really
    paged: a step nobody holds (leave, an empty rota) is passed over, as the escalation will.

    `next_cover` is the cover that starts at `cover.until` (with hours where the night ends straight in
    support hours, nobody is paged: the support engineer sees the channel then)."""
    if cover.cover is Cover.SUPPORT:
        if support_engineer is None:
            return Routing(
                True,
                None,
                None,
                "support hours, but nobody holds support now: whoever sees this should pick it up, and add "
                "a support override to the rota; nobody is paged",
            )
        return Routing(
            True,
            support_engineer,
            None,
            f"support hours: for the support engineer ({support_engineer}) to pick up; nobody is paged",
        )
    if mode is RoutingMode.NOTIFY:
        return Routing(
            True,
            None,
            None,
            "nobody is paged: the service is notify-only, so whoever watches its channel picks this up",
        )
    if cover.cover is Cover.ON_CALL:
        paged, passed = _first_held(holders(cover.at))
        if paged is None:
            return Routing(
                True,
                None,
                cover.at,
                f"nobody is paged: it is on-call hours, but {passed}; call someone on the team and add an "
                "override to the rota",
            )
        return Routing(True, None, cover.at, f"on-call hours: {_named(paged)} is paged now{passed}", paged)
    if cover.until is None:
        return Routing(
            True,
            None,
            None,
            "nobody is paged: there is no cover now and none ahead; whoever sees this should pick it up",
        )
    if next_cover is Cover.SUPPORT:
        return Routing(
            True,
            None,
            None,
            "nobody is paged: there is no cover now; the support engineer picks this up from the channel "
            "when support hours start",
        )
    paged, passed = _first_held(holders(cover.until))
    if paged is None:
        return Routing(
            True,
            None,
            cover.until,
            f"no cover now, and nobody to page when cover starts: {passed} then; add an override to the "
            "rota, or pick this up from the channel",
        )
    return Routing(
        True,
        None,
        cover.until,
        f"no cover now: {_named(paged)} is paged when cover starts{passed}, unless it is resolved first",
        paged,
    )


def _first_held(holdings: Sequence[Holding]) -> tuple[Holding | None, str]:
    """The first step someone holds, and why the steps before it were passed over (", as alice (primary) is
    on leave"); with nobody at all, why for every step ("alice (primary) is on leave and nobody holds
    secondary")."""
    passed: list[str] = []
    for held in holdings:
        if held.engineer is not None:
            return held, f", as {' and '.join(passed)}" if passed else ""
        why = (
            f"{held.leave.engineer} ({held.role}) is on leave" if held.leave else f"nobody holds {held.role}"
        )
        if why not in passed:
            passed.append(why)
    return None, " and ".join(passed) or "the escalation has no steps"


def _named(held: Holding) -> str:
    return f"{held.engineer} ({held.role})"


def key_digest(key: str) -> str:
    """How an integration key is held in memory and compared: its SHA-256, never the key itself."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class AlarmService:
    """A source of alarms: how it routes, where it posts, how it escalates, which keys may send to it."""

    id: str
    name: str
    mode: RoutingMode = RoutingMode.PAGE
    channel: str | None = None  # the Slack channel its posts go to (the log when Slack is not set up)
    escalation: EscalationPolicy = field(default_factory=EscalationPolicy)
    key_digests: frozenset[str] = frozenset()  # SHA-256 of each integration key
    paging: tuple[str, ...] = ("slack", "email")  # how an engineer is paged: slack, email, pagerduty


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


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor: str  # who: an engineer, a token's name, an integration, or opsdesk
    source: Source  # from where
    kind: str  # what: triggered, alert, routed, paged, skipped, acknowledged, ...
    message: str
    data: dict[str, Any] = field(default_factory=dict)
    id: int | None = None  # its place in the store, once stored: the cursor of a timeline page


@dataclass(frozen=True)
class Figures:
    count: int
    acknowledge_median: float | None  # seconds
    acknowledge_p90: float | None
    resolve_median: float | None
    resolve_p90: float | None


def figures(incidents: Sequence[Incident]) -> Figures:
    acks = [(i.acknowledged_at - i.opened_at).total_seconds() for i in incidents if i.acknowledged_at]
    fixes = [(i.resolved_at - i.opened_at).total_seconds() for i in incidents if i.resolved_at]
    return Figures(len(incidents), *_median_p90(acks), *_median_p90(fixes))


def _median_p90(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    if len(values) == 1:
        return values[0], values[0]
    return median(values), quantiles(values, n=10, method="inclusive")[-1]


def incident_report(incidents: Iterable[Incident]) -> dict[str, dict[str, Figures]]:
    """Count, time to acknowledge and to resolve (median, p90), by service, by priority and by cover."""
    found = list(incidents)
    groups: dict[str, dict[str, list[Incident]]] = {"service": {}, "priority": {}, "cover": {}}
    for incident in found:
        groups["service"].setdefault(incident.service, []).append(incident)
        groups["priority"].setdefault(str(incident.priority or "none"), []).append(incident)
        groups["cover"].setdefault(str(incident.cover), []).append(incident)
    report = {by: {name: figures(members) for name, members in sorted(g.items())} for by, g in groups.items()}
    report["all"] = {"all": figures(found)}
    return report
