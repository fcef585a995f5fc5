"""Incidents: how an alarm is routed by the cover at its moment, and when each escalation page falls due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from opsdesk.domain.hours import Cover, CoverAt
from opsdesk.domain.rota import EngineerId, Role


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


class Priority(StrEnum):
    P1 = "P1"  # the whole platform is down
    P2 = "P2"  # part is down, applications affected
    P3 = "P3"  # part is down, applications still available

    @property
    def needs_lead_and_scribe(self) -> bool:
        return self in (Priority.P1, Priority.P2)


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

    def pages(self, start: datetime) -> list[EscalationPage]:
        """Every page of the whole escalation, if nobody ever acknowledges, in order."""
        found, at = [], start
        for cycle in range(1, self.cycles + 1):
            for number, step in enumerate(self.steps, start=1):
                found.append(EscalationPage(at, step.role, cycle, number))
                at += step.wait
        return found

    def page_after(self, start: datetime, now: datetime) -> EscalationPage | None:
        """The next page falling due after `now`, or None when the escalation has run out."""
        return next((page for page in self.pages(start) if page.at > now), None)


@dataclass(frozen=True)
class EscalationPage:
    at: datetime
    role: Role
    cycle: int
    step: int

    @property
    def dedup_key(self) -> str:
        """Part of each page's key with the incident's, so a retried delivery never pages twice."""
        return f"cycle-{self.cycle}-step-{self.step}"


@dataclass(frozen=True)
class Routing:
    """What an alarm does when it arrives: post to the channel (naming someone), page now or later."""

    post_to_channel: bool
    name: EngineerId | None  # the engineer the channel post names (in support hours, the support engineer)
    page_at: datetime | None  # when the escalation starts; None: it never pages
    reason: str


def route_alarm(mode: RoutingMode, cover: CoverAt, support_engineer: EngineerId | None) -> Routing:
    """Routing by the cover at the moment of the alarm, as the team's process says."""
    if cover.cover is Cover.SUPPORT:
        who = f"the support engineer ({support_engineer})" if support_engineer else "nobody holds support"
        return Routing(True, support_engineer, None, f"support hours: posted to the channel for {who}")
    if mode is RoutingMode.NOTIFY:
        return Routing(True, None, None, f"{cover.cover} and a notify-only service: posted to the channel")
    if cover.cover is Cover.ON_CALL:
        return Routing(True, None, cover.at, "on-call hours: the primary is paged now")
    if cover.until is None:
        return Routing(True, None, None, "no cover, and none ahead: posted to the channel only")
    return Routing(
        True, None, cover.until, "no cover: posted to the channel; the primary is paged when cover starts"
    )
