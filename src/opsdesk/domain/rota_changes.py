"""Rota changes made as commands: swaps (with both engineers' consent), overrides and leave; the layer of
changes kept in the database over a read-only policy file, and what a change makes worse."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from opsdesk.domain.instants import local_midnight
from opsdesk.domain.rota import Leave, Override, Role, Rota
from opsdesk.domain.rota_check import Violation

# How far around a change its rules are checked: the support limit counts whole sprints, and the on-call
# rules look at the turns either side.
MARGIN = timedelta(days=7)


class ChangeKind(StrEnum):
    SWAP = "swap"  # two engineers exchange a role for a turn (or a support day), both consenting
    OVERRIDE = "override"  # one engineer takes a role for a period
    LEAVE = "leave"  # an engineer away for whole days


class ChangeState(StrEnum):
    PROPOSED = "proposed"  # a swap waiting for the other engineer's consent: not in force
    WRITTEN = "written"  # written into the policy file: in force through the file
    LAYERED = "layered"  # kept in the database over a read-only file: in force through the layer
    FOLDED = "folded"  # was layered, now written into the file (`opsdesk rota changes --write`)
    DECLINED = "declined"  # a swap declined or withdrawn: never in force


@dataclass(frozen=True)
class RotaChange:
    """One change as recorded: its entries, who proposed it and, for a swap, who consented and when."""

    id: int
    kind: ChangeKind
    state: ChangeState
    overrides: tuple[Override, ...]
    leave: tuple[Leave, ...]
    proposed_by: str
    proposed_at: datetime
    partner: str | None = None  # a swap's other engineer, whose consent it needs
    accepted_by: str | None = None
    accepted_at: datetime | None = None
    folded_at: datetime | None = None


def with_entries(rota: Rota, overrides: Iterable[Override], leave: Iterable[Leave]) -> Rota:
    """`rota` with more overrides (after the others: a later override wins) and more leave."""
    return dataclasses.replace(
        rota,
        overrides=(*rota.overrides, *overrides),
        leave=(*rota.leave, *leave),
        _by_id={},
        _weeks={},
        _days={},
    )


def effective(rota: Rota, changes: Iterable[RotaChange]) -> Rota:
    """The rota in force: the file's rota with the layered changes folded over it, oldest first."""
    layered = sorted((c for c in changes if c.state is ChangeState.LAYERED), key=lambda c: c.id)
    if not layered:
        return rota
    return with_entries(
        rota, [o for c in layered for o in c.overrides], [x for c in layered for x in c.leave]
    )


def duty_period(rota: Rota, role: Role, day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """What a swap exchanges: the on-call turn holding `day`, or the support day `day`."""
    if role is Role.SUPPORT:
        return local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)
    week = rota.turn.week_of(day)
    return rota.turn.start(week, tz), rota.turn.end(week, tz)


def holder(rota: Rota, role: Role, at: datetime, tz: ZoneInfo) -> str | None:
    """Who is down for `role` at `at` (an override, else the assignment), leave aside."""
    override = rota.override_at(role, at)
    return override.engineer if override else rota.assigned(role, at, tz)


def affected_period(
    rota: Rota, overrides: Iterable[Override], leave: Iterable[Leave], tz: ZoneInfo
) -> tuple[datetime, datetime]:
    """The period whose rules a change can touch: its own span, widened to whole sprints and a turn."""
    starts = [o.start for o in overrides] + [local_midnight(x.first, tz) for x in leave]
    ends = [o.end for o in overrides] + [local_midnight(x.last + timedelta(days=1), tz) for x in leave]
    limit = rota.support_limit
    first = limit.sprint_of(min(starts).astimezone(tz).date())
    last = limit.sprint_of(max(ends).astimezone(tz).date()) + timedelta(days=limit.sprint_days)
    return min(local_midnight(first, tz), min(starts) - MARGIN), max(
        local_midnight(last, tz), max(ends) + MARGIN
    )


def made_worse(before: list[Violation], after: list[Violation]) -> list[Violation]:
    """The violations after a change that were not there before it: a broken rule that already held for
    the same role and people over at least the same period is not the change's fault."""

    def existed(violation: Violation) -> bool:
        return any(
            old.code == violation.code
            and old.role == violation.role
            and old.people == violation.people
            and old.start <= violation.start
            and violation.end <= old.end
            for old in before
        )

    return [v for v in after if not existed(v)]


def layer_revision(changes: Iterable[RotaChange]) -> str:
    """A short text that changes whenever the layer in force does ("" when nothing is layered)."""
    layered = sorted(c.id for c in changes if c.state is ChangeState.LAYERED)
    if not layered:
        return ""
    return f"{layered[-1]}:{len(layered)}:{sum(layered)}"
