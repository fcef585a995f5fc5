"""The rota's rules: every violation, with a code, the period and the people."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from opsdesk.domain.hours import CoverEngine
from opsdesk.domain.instants import local_midnight
from opsdesk.domain.rota import EngineerId, Holding, Role, Rota
from opsdesk.domain.shifts import duty_intervals


class Code(StrEnum):
    GAP = "gap"
    SAME_PERSON_BOTH_ROLES = "same-person-both-roles"
    ON_LEAVE = "on-leave"
    NOT_OPTED_IN = "not-opted-in"
    NEWCOMER_WITHOUT_EXPERIENCED_SECONDARY = "newcomer-without-experienced-secondary"
    SUPPORT_DAYS_OVER_LIMIT = "support-days-over-limit"
    UNKNOWN_ENGINEER = "unknown-engineer"


@dataclass(frozen=True)
class Violation:
    code: Code
    start: datetime
    end: datetime
    role: Role | None
    people: tuple[EngineerId, ...]
    message: str


def rota_period(rota: Rota, tz: ZoneInfo) -> tuple[datetime, datetime] | None:
    """From the first assignment to the end of the last one; None when nothing is assigned."""
    starts = [rota.turn.start(a.week, tz) for a in rota.on_call] + [
        local_midnight(a.day, tz) for a in rota.support
    ]
    ends = [rota.turn.end(a.week, tz) for a in rota.on_call] + [
        local_midnight(a.day + timedelta(days=1), tz) for a in rota.support
    ]
    return (min(starts), max(ends)) if starts else None


def check_rota(rota: Rota, engine: CoverEngine, start: datetime, end: datetime) -> list[Violation]:
    """Every rule over [start, end): duty rules in the cover windows, then the file-wide rules."""
    tz = engine.timezone
    found = _unknown_engineers(rota, tz, start, end) + _support_limits(rota, tz, start, end)
    found += _merge(list(_duty_violations(rota, engine, start, end)))
    return sorted(found, key=lambda v: (v.start, v.code, v.role or "", v.people))


def _duty_violations(rota: Rota, engine: CoverEngine, start: datetime, end: datetime) -> list[Violation]:
    found: list[Violation] = []
    for interval in duty_intervals(rota, engine, start, end):
        found += _rules_at(rota, interval.holdings, interval.start, interval.end)
    return found


def _rules_at(rota: Rota, holdings: dict[Role, Holding], a: datetime, b: datetime) -> list[Violation]:
    found: list[Violation] = []
    for role, held in holdings.items():
        if held.engineer is None:
            if held.leave is not None:
                who = held.leave.engineer
                note = f" ({held.leave.note})" if held.leave.note else ""
                found.append(
                    Violation(
                        Code.ON_LEAVE,
                        a,
                        b,
                        role,
                        (who,),
                        f"{who} holds {role} but is on leave{note}; "
                        "add an override giving the role to someone else",
                    )
                )
            else:
                found.append(Violation(Code.GAP, a, b, role, (), f"nobody holds {role}; assign someone"))
            continue
        engineer = rota.engineer(held.engineer)
        if engineer is None:
            continue  # reported once per entry by _unknown_engineers
        eligible = engineer.support if role is Role.SUPPORT else engineer.on_call
        if not eligible:
            duty = "the support duty" if role is Role.SUPPORT else "on-call"
            found.append(
                Violation(
                    Code.NOT_OPTED_IN,
                    a,
                    b,
                    role,
                    (engineer.id,),
                    f"{engineer.id} holds {role} but is not opted in to {duty}",
                )
            )
    primary, secondary = holdings.get(Role.PRIMARY), holdings.get(Role.SECONDARY)
    if primary is None or secondary is None or primary.engineer is None:
        return found
    if primary.engineer == secondary.engineer:
        found.append(
            Violation(
                Code.SAME_PERSON_BOTH_ROLES,
                a,
                b,
                None,
                (primary.engineer,),
                f"{primary.engineer} is both primary and secondary",
            )
        )
    first = rota.engineer(primary.engineer)
    second = rota.engineer(secondary.engineer) if secondary.engineer else None
    if first is not None and not first.experienced and (second is None or not second.experienced):
        people = (first.id, second.id) if second else (first.id,)
        found.append(
            Violation(
                Code.NEWCOMER_WITHOUT_EXPERIENCED_SECONDARY,
                a,
                b,
                Role.SECONDARY,
                people,
                f"{first.id} is new to the rota and needs an experienced secondary",
            )
        )
    return found


def _merge(violations: list[Violation]) -> list[Violation]:
    """Join violations that continue one another (same code, role and people) into one period."""
    open_: dict[tuple[Code, Role | None, tuple[EngineerId, ...]], Violation] = {}
    done: list[Violation] = []
    for v in sorted(violations, key=lambda v: v.start):
        key = (v.code, v.role, v.people)
        previous = open_.get(key)
        if previous is not None and previous.end == v.start:
            open_[key] = Violation(v.code, previous.start, v.end, v.role, v.people, v.message)
            continue
        if previous is not None:
            done.append(previous)
        open_[key] = v
    return done + list(open_.values())


def _unknown_engineers(rota: Rota, tz: ZoneInfo, start: datetime, end: datetime) -> list[Violation]:
    found = []

    def report(who: EngineerId | None, a: datetime, b: datetime, role: Role | None, where: str) -> None:
        if who is not None and rota.engineer(who) is None and a < end and b > start:
            found.append(
                Violation(
                    Code.UNKNOWN_ENGINEER,
                    a,
                    b,
                    role,
                    (who,),
                    f"{where} names {who!r}, who is not in engineers",
                )
            )

    for entry in rota.on_call:
        a, b = rota.turn.start(entry.week, tz), rota.turn.end(entry.week, tz)
        report(entry.primary, a, b, Role.PRIMARY, f"the on-call week of {entry.week}")
        report(entry.secondary, a, b, Role.SECONDARY, f"the on-call week of {entry.week}")
    for day in rota.support:
        report(
            day.engineer,
            local_midnight(day.day, tz),
            local_midnight(day.day + timedelta(days=1), tz),
            Role.SUPPORT,
            f"the support day {day.day}",
        )
    for override in rota.overrides:
        report(override.engineer, override.start, override.end, override.role, "an override")
    for leave in rota.leave:
        report(
            leave.engineer,
            local_midnight(leave.first, tz),
            local_midnight(leave.last + timedelta(days=1), tz),
            None,
            "a leave entry",
        )
    return found


def _support_limits(rota: Rota, tz: ZoneInfo, start: datetime, end: datetime) -> list[Violation]:
    limit = rota.support_limit
    counts: Counter[tuple[EngineerId, date]] = Counter(
        (entry.engineer, limit.sprint_of(entry.day)) for entry in rota.support
    )
    found = []
    for (who, sprint), count in sorted(counts.items()):
        a = local_midnight(sprint, tz)
        b = local_midnight(sprint + timedelta(days=limit.sprint_days), tz)
        if count > limit.max_days and a < end and b > start:
            found.append(
                Violation(
                    Code.SUPPORT_DAYS_OVER_LIMIT,
                    a,
                    b,
                    Role.SUPPORT,
                    (who,),
                    f"{who} has {count} support days in the sprint from {sprint}; "
                    f"the limit is {limit.max_days}",
                )
            )
    return found
