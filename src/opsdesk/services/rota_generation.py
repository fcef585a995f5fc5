"""Generating the rota: the planning problem from the policy and calendar, solved, explained, checked."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from opsdesk.domain.errors import InvalidPeriodError, PolicyError, PolicyProblem, RotaInfeasibleError
from opsdesk.domain.hours import Cover, CoverEngine, DayKind
from opsdesk.domain.instants import local_midnight
from opsdesk.domain.rota import WEEK, EngineerId, Role, Rota
from opsdesk.domain.rota_check import held_slots
from opsdesk.domain.rota_plan import (
    Change,
    Fairness,
    Plan,
    PlanProblem,
    PlanSolver,
    changes,
    infeasibilities,
    spread_notes,
    spreads,
    turn_days,
)
from opsdesk.domain.rota_rules import Kind, People, calendar_of, limits, rule_book

MAX_WEEKS = 156


@dataclass(frozen=True)
class Generated:
    problem: PlanProblem
    plan: Plan
    changes: list[Change]
    spreads: dict[str, tuple[int, int]]
    first_week: date
    spread_notes: dict[str, str] = field(default_factory=dict)  # why a spread is wider than 1


def generate(  # noqa: PLR0917  (the use case's inputs, each needed)
    rota: Rota,
    engine: CoverEngine,
    solver: PlanSolver,
    start: date,
    weeks: int,
    progress: Callable[[str], None] | None = None,
) -> Generated:
    """The best rota for `weeks` turns from the turn holding `start`; RotaInfeasibleError if none exists."""
    say = progress or (lambda _message: None)
    if not 1 <= weeks <= MAX_WEEKS:
        raise InvalidPeriodError(f"--weeks {weeks}: give a number of weeks from 1 to {MAX_WEEKS}")
    unknown = unknown_engineer_problems(rota)
    if unknown:
        raise PolicyError(unknown, "the rota")
    first = rota.turn.week_of(start)
    say(f"reading the rota: {weeks} weeks from {first}, {len(rota.engineers)} engineers")
    problem = plan_problem(rota, engine, first, weeks)
    blocked = infeasibilities(problem)
    if blocked:
        lines = "\n".join(f"  - {b.rule}: {b.when}: {b.message}" for b in blocked)
        raise RotaInfeasibleError(f"no rota can keep every rule; nothing was written:\n{lines}")
    plan = solver.solve(problem)
    if plan is None:
        rules = "\n".join(f"  - {rule.code}: {rule.summary}" for rule in problem.rules)
        raise RotaInfeasibleError(
            f"no rota keeps every rule together for the {weeks} weeks from {first}; nothing was written. "
            f"The rules:\n{rules}\nAdd people to the rota, move leave, or relax rota.fatigue."
        )
    say("checking the result")
    return Generated(
        problem,
        plan,
        changes(problem, plan, rota),
        spreads(problem, plan),
        first,
        spread_notes(problem, plan),
    )


def unknown_engineer_problems(rota: Rota) -> list[PolicyProblem]:
    """Every place the rota names someone who is not in engineers: generation refuses to guess."""
    problems = []

    def check(path: str, who: EngineerId | None) -> None:
        if who is not None and rota.engineer(who) is None:
            problems.append(
                PolicyProblem(path, f"names {who!r}, who is not in engineers; fix the id or add them")
            )

    for i, week in enumerate(rota.on_call):
        check(f"rota.on-call[{i}].primary", week.primary)
        check(f"rota.on-call[{i}].secondary", week.secondary)
    for i, day in enumerate(rota.support):
        check(f"rota.support[{i}].engineer", day.engineer)
    for i, leave in enumerate(rota.leave):
        check(f"leave[{i}].engineer", leave.engineer)
    for i, override in enumerate(rota.overrides):
        check(f"overrides[{i}].engineer", override.engineer)
    return problems


def plan_problem(rota: Rota, engine: CoverEngine, first: date, weeks: int) -> PlanProblem:
    planned = tuple(first + i * WEEK for i in range(weeks))
    end = first + weeks * WEEK
    days = [first + timedelta(days=i) for i in range((end - first).days)]
    working = tuple(d for d in days if engine.kind_of_day(d)[0] is DayKind.WORKING_DAY)
    known = list(rota.engineers)
    on_call = tuple(e.id for e in known if e.on_call)
    support = tuple(e.id for e in known if e.support)
    leave_days = {
        (leave.engineer, d)
        for leave in rota.leave
        for d in _dates(max(leave.first, first - WEEK), min(leave.last, end + WEEK))
    }

    def weekend_days(week: date) -> int:
        return sum(1 for d in turn_days(week) if engine.kind_of_day(d)[0] is not DayKind.WORKING_DAY)

    sprint_of = {d: rota.support_limit.sprint_of(d) for d in working}
    sprints = set(sprint_of.values())
    used: Counter[tuple[EngineerId, date]] = Counter(
        (a.engineer, rota.support_limit.sprint_of(a.day))
        for a in rota.support
        if not first <= a.day < end and rota.support_limit.sprint_of(a.day) in sprints
    )
    previous = rota.week(first - WEEK)
    following = rota.week(end)
    tz = engine.timezone

    def duty_dates(week: date) -> list[date]:
        """The dates on which the turn holds on-call hours (a turn starting at noon touches eight dates)."""
        start, finish = rota.turn.start(week, tz), rota.turn.end(week, tz)
        return [
            d
            for d in _dates(week, week + WEEK)
            if any(
                s.cover is Cover.ON_CALL and s.start < finish and s.end > start
                for s in engine.day(d).segments
            )
        ]

    on_call_dates = {w: duty_dates(w) for w in planned}
    problem = PlanProblem(
        weeks=planned,
        support_days=working,
        on_call=on_call,
        support=support,
        experienced=frozenset(e.id for e in known if e.experienced),
        unavailable_weeks=frozenset(
            (who, w)
            for who in on_call
            for w in planned
            if any((who, d) in leave_days for d in on_call_dates[w])
        ),
        unavailable_days=frozenset((who, d) for who in support for d in working if (who, d) in leave_days),
        weekend_days={w: weekend_days(w) for w in planned},
        previous_primary=previous.primary if previous else None,
        next_primary=following.primary if following else None,
        sprint_of=sprint_of,
        support_used=used,
        max_support_days=rota.support_limit.max_days,
        history=_history(rota, first, weekend_days),
        published_weeks={
            (a.week, role): who
            for a in rota.on_call
            if a.week in set(planned)
            for role, who in ((Role.PRIMARY, a.primary), (Role.SECONDARY, a.secondary))
            if who is not None
        },
        published_days={a.day: a.engineer for a in rota.support if a.day in set(working)},
    )
    return _with_rules(problem, rota, engine, on_call_dates)


def _with_rules(
    problem: PlanProblem, rota: Rota, engine: CoverEngine, on_call_dates: dict[date, list[date]]
) -> PlanProblem:
    """The rule book's limits over the planned weeks and enough weeks around them to see runs and
    sprints across the edges, with what the rota holds outside the period as fixed slots."""
    tz, first, end = engine.timezone, problem.weeks[0], problem.weeks[-1] + WEEK
    limit, fatigue = rota.support_limit, rota.fatigue
    reach = (fatigue.max_weeks_running + 1) * WEEK
    before = min(first - reach, limit.sprint_of(first) - timedelta(days=fatigue.rest_after_weekend_days))
    after = max(end + reach, limit.sprint_of(end) + timedelta(days=limit.sprint_days))
    around = held_slots(rota, engine, local_midnight(before, tz), rota.turn.start(first, tz))
    around |= held_slots(rota, engine, rota.turn.start(end, tz), local_midnight(after, tz))
    planned_days = set(problem.support_days)
    fixed = frozenset(
        (who, kind, when)
        for who, kind, when in around
        if not (kind is Kind.SUPPORT and when in planned_days)
        and not (kind in (Kind.PRIMARY, Kind.SECONDARY) and first <= when < end)
    )
    days = _dates(before, after)
    kinds = {d: engine.kind_of_day(d)[0] for d in days}
    calendar = calendar_of(
        (rota.turn.week_of(before) + i * WEEK for i in range((after - before).days // 7 + 1)),
        before,
        after,
        (d for d in days if kinds[d] is DayKind.WORKING_DAY),
        (d for d in days if kinds[d] is not DayKind.WORKING_DAY),
    )
    people = People(problem.on_call, problem.support, problem.experienced)
    covering: dict[date, list[date]] = {}
    for week, dates in on_call_dates.items():
        for day in dates:
            covering.setdefault(day, []).append(week)
    return replace(
        problem,
        fatigue=fatigue,
        rules=rule_book(fatigue, limit),
        limits=tuple(limits(fatigue, limit, calendar, people)),
        fixed=fixed,
        on_call_weeks_of={day: tuple(weeks) for day, weeks in covering.items()},
    )


def _dates(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _history(rota: Rota, first: date, weekend_days: Callable[[date], int]) -> Fairness:
    history = Fairness()
    for entry in rota.on_call:
        if entry.week >= first:
            continue
        for who, counter in ((entry.primary, history.primary), (entry.secondary, history.secondary)):
            if who is not None:
                counter[who] += 1
                history.weekend_days[who] += weekend_days(entry.week)
    for day in rota.support:
        if day.day < first:
            history.support_days[day.engineer] += 1
    return history
