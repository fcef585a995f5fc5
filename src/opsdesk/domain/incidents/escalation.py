"""Escalation: who is paged at each step, how long each waits, and what comes after a step (pure)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from opsdesk.domain.rota import EngineerId, Role


@dataclass(frozen=True)
class EscalationStep:
    role: Role
    wait: timedelta  # before the next step, if this one is not acknowledged


MANAGER = "manager"  # the final tier's role when it pages the team's managers
FINAL = "final"  # the final tier's role when it names engineers


@dataclass(frozen=True)
class FinalTier:
    """Who is paged, once and all together, when the last cycle ran out unacknowledged (or nobody holds
    any step): every manager of the team (`role` "manager"), or the engineers the policy names ("final").
    Paged whatever the rota says: the final tier is nobody's turn."""

    engineers: tuple[EngineerId, ...]
    role: str = MANAGER

    def __post_init__(self) -> None:
        if not self.engineers:
            raise ValueError("a final tier names at least one engineer")

    @property
    def named(self) -> str:
        """ "dana (manager) and erin (manager)": for the timeline and the channel."""
        return " and ".join(f"{engineer} ({self.role})" for engineer in self.engineers)


@dataclass(frozen=True)
class EscalationPolicy:
    """Page the primary; 20 minutes later the secondary; 10 more, start again; up to 9 cycles (the default).
    With a final tier, its engineers are paged when the last cycle has run out; without one, it stops."""

    steps: tuple[EscalationStep, ...] = (
        EscalationStep(Role.PRIMARY, timedelta(minutes=20)),
        EscalationStep(Role.SECONDARY, timedelta(minutes=10)),
    )
    cycles: int = 9
    final: FinalTier | None = None

    def __post_init__(self) -> None:
        if not self.steps or self.cycles < 1:
            raise ValueError("an escalation policy needs at least one step and one cycle")

    def final_pages(self) -> list[tuple[EngineerId, int, int]]:
        """(engineer, cycle, step) of each page of the final tier: one step each, in a cycle after the
        last, so each page has its own key (and PagerDuty dedup key)."""
        if self.final is None:
            return []
        return [(engineer, self.cycles + 1, n) for n, engineer in enumerate(self.final.engineers, start=1)]

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
        """Every page of the whole escalation, if nobody ever acknowledges and every step is held: the
        timetable `next_page` walks, step by step."""
        found: list[EscalationPage] = []
        at, position = start, (1, 1)
        while True:
            page = next_page(self, *position, lambda role: EngineerId(str(role)))
            assert page.role is not None  # every step is held here
            found.append(EscalationPage(at, page.role, page.cycle, page.step))
            at += page.wait
            if page.following is None:
                return found
            position = page.following


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
class Skipped:
    """A step passed over because nobody holds its role at the moment of the page."""

    cycle: int
    step: int
    role: Role


@dataclass(frozen=True)
class NextPage:
    """What an unacknowledged incident's escalation does at one step, given who holds each role then.

    Exactly one of: `engineer` set (page them; the next step comes `wait` later, or the end when
    `following` is None); `ran_out` (steps nobody holds reached the end of the escalation: it ends now);
    `nobody` (nobody holds any role of the escalation: it stops, saying so).
    """

    skipped: tuple[Skipped, ...] = ()
    engineer: EngineerId | None = None
    role: Role | None = None
    cycle: int = 0
    step: int = 0
    wait: timedelta = timedelta()
    following: tuple[int, int] | None = None
    ran_out: bool = False
    nobody: bool = False


def next_page(
    policy: EscalationPolicy, cycle: int, step: int, holder: Callable[[Role], EngineerId | None]
) -> NextPage:
    """The page at (cycle, step): a step nobody holds is passed over at once, as many as there are steps."""
    skipped: list[Skipped] = []
    while len(skipped) < len(policy.steps):
        role = policy.step(step).role
        engineer = holder(role)
        if engineer is not None:
            return NextPage(
                tuple(skipped),
                engineer,
                role,
                cycle,
                step,
                policy.step(step).wait,
                policy.following(cycle, step),
            )
        skipped.append(Skipped(cycle, step, role))
        following = policy.following(cycle, step)
        if following is None:
            return NextPage(tuple(skipped), ran_out=True)
        cycle, step = following
    return NextPage(tuple(skipped), nobody=True)
