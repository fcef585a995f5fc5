"""The rota's rules: every violation, with a code, the period and the people."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from opsdesk.domain.hours import CoverEngine, DayKind
from opsdesk.domain.instants import local_midnight
from opsdesk.domain.rota import WEEK, EngineerId, Holding, Role, Rota
from opsdesk.domain.rota_rules import Code, Kind, People, Slot, calendar_of, limits
from opsdesk.domain.shifts import duty_intervals

__all__ = ["Code", "Violation", "check_rota", "held_slots", "rota_period"]
# Checked on duty as it falls, interval by interval (overrides and leave applied): see _rules_at.
HELD_CODES = frozenset({Code.SAME_PERSON_BOTH_ROLES, Code.NEWCOMER_WITHOUT_EXPERIENCED_SECONDARY})


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
    """Every rule over [start, end): duty rules in the cover windows, then the rule book's limits."""
    tz = engine.timezone
    found = _unknown_engineers(rota, tz, start, end) + _duty_violations(rota, engine, start, end)
    found += _limit_violations(rota, engine, start, end)
    return sorted(set(found), key=lambda v: (v.start, v.code, v.role or "", v.people))


def _duty_violations(rota: Rota, engine: CoverEngine, start: datetime, end: datetime) -> list[Violation]:
    """Interval by interval, a violation that goes on (same rule, role and people) is one line: it ends
    only when an interval of its role keeps the rule, so a week-long gap is one line, not one per window."""
    done: list[Violation] = []
    open_: dict[tuple[Code, Role | None, tuple[EngineerId, ...]], Violation] = {}
    for interval in duty_intervals(rota, engine, start, end):
        found = {
            (v.code, v.role, v.people): v
            for v in _rules_at(rota, interval.holdings, interval.start, interval.end)
        }
        for key in [k for k in open_ if k not in found and (k[1] or Role.PRIMARY) in interval.holdings]:
            done.append(open_.pop(key))
        for key, violation in found.items():
            previous = open_.get(key)
            open_[key] = replace(previous, end=violation.end) if previous else violation
    return done + list(open_.values())


def held_slots(rota: Rota, engine: CoverEngine, start: datetime, end: datetime) -> set[Slot]:
    """The slots held over [start, end): each date's support and on-call duty as it falls, and each
    week's primary and secondary as whoever holds most of that role's hours in the turn."""
    tz = engine.timezone
    slots: set[Slot] = set()
    seconds: Counter[tuple[date, Role, EngineerId | None]] = Counter()
    for interval in duty_intervals(rota, engine, start, end):
        day = interval.start.astimezone(tz).date()
        week = rota.turn.week_at(interval.start, tz)
        length = int((interval.end - interval.start).total_seconds())
        for role, held in interval.holdings.items():
            if role is not Role.SUPPORT:
                seconds[(week, role, held.engineer)] += length
            if held.engineer is not None:
                slots.add((held.engineer, Kind.SUPPORT if role is Role.SUPPORT else Kind.ON_CALL, day))
    totals: Counter[tuple[date, Role]] = Counter()
    for (week, role, _who), length in seconds.items():
        totals[(week, role)] += length
    for (week, role, who), length in seconds.items():
        if who is not None and 2 * length > totals[(week, role)]:
            slots.add((who, Kind(role.value), week))
    return slots


def _limit_violations(rota: Rota, engine: CoverEngine, start: datetime, end: datetime) -> list[Violation]:
    """The rule book's limits that the held slots break, for the limits touching [start, end)."""
    tz = engine.timezone
    fatigue, sprint = rota.fatigue, rota.support_limit
    reach = (fatigue.max_weeks_running + 1) * WEEK
    first = min(start.astimezone(tz).date() - reach, sprint.sprint_of(start.astimezone(tz).date()))
    last_day = (end - timedelta(microseconds=1)).astimezone(tz).date()
    last = max(last_day + reach, sprint.sprint_of(last_day) + timedelta(days=sprint.sprint_days - 1))
    calendar = calendar_of(
        (rota.turn.week_of(first) + i * WEEK for i in range((last - first).days // 7 + 2)),
        first,
        last,
        (d for d in _dates(first, last) if engine.kind_of_day(d)[0] is DayKind.WORKING_DAY),
        (d for d in _dates(first, last) if engine.kind_of_day(d)[0] is not DayKind.WORKING_DAY),
    )
    held = held_slots(rota, engine, local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz))
    people = People(
        tuple(dict.fromkeys(who for who, kind, _ in held if kind is not Kind.SUPPORT)),
        tuple(dict.fromkeys(who for who, kind, _ in held if kind is Kind.SUPPORT)),
        frozenset(e.id for e in rota.engineers if e.experienced),
    )
    found = []
    for limit in limits(fatigue, sprint, calendar, people):
        if limit.code in HELD_CODES or not limit.broken(held):
            continue
        if limit.by_turn:
            a, b = rota.turn.start(limit.span[0], tz), rota.turn.end(limit.span[1], tz)
        else:
            a, b = local_midnight(limit.span[0], tz), local_midnight(limit.span[1] + timedelta(days=1), tz)
        if a < end and b > start:
            role = Role.SUPPORT if any(slot[1] is Kind.SUPPORT for slot, _ in limit.terms) else None
            found.append(Violation(limit.code, a, b, role, limit.people, limit.message))
    primary_runs = {(v.people, v.start, v.end) for v in found if v.code is Code.PRIMARY_WEEKS_RUNNING}
    return [
        v
        for v in found
        if not (v.code is Code.ON_CALL_WEEKS_RUNNING and (v.people, v.start, v.end) in primary_runs)
    ]


def _dates(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


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
