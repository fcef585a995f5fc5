"""Planning a rota: the problem a solver is given, what must hold, and what came out of it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol

from opsdesk.domain.rota import WEEK, EngineerId, Fatigue, Role, Rota
from opsdesk.domain.rota_rules import Kind, Limit, Rule, Slot


@dataclass(frozen=True)
class Fairness:
    """What each engineer has already done (from the file's history before the planned period)."""

    primary: Counter[EngineerId] = field(default_factory=Counter)
    secondary: Counter[EngineerId] = field(default_factory=Counter)
    weekend_days: Counter[EngineerId] = field(
        default_factory=Counter
    )  # weekend and bank-holiday on-call days
    support_days: Counter[EngineerId] = field(default_factory=Counter)


@dataclass(frozen=True)
class PlanProblem:
    """Everything the solver needs, as plain data; built by the service from the policy and the calendar."""

    weeks: tuple[date, ...]
    support_days: tuple[date, ...]  # the working days in the period
    on_call: tuple[EngineerId, ...]  # opted in to on-call, in file order
    support: tuple[EngineerId, ...]  # eligible for the support duty, in file order
    experienced: frozenset[EngineerId]
    unavailable_weeks: frozenset[tuple[EngineerId, date]]  # on leave during some day of that turn
    unavailable_days: frozenset[tuple[EngineerId, date]]
    weekend_days: dict[date, int]  # per week: its weekend and bank-holiday days
    previous_primary: EngineerId | None  # the primary of the week before the first planned week
    next_primary: EngineerId | None  # the primary already in the file for the week after the last
    sprint_of: dict[date, date]  # each support day's sprint
    support_used: Counter[tuple[EngineerId, date]]  # support days per (engineer, sprint) outside the period
    max_support_days: int
    history: Fairness
    published_weeks: dict[tuple[date, Role], EngineerId]  # assignments already in the file, to keep
    published_days: dict[date, EngineerId]
    fatigue: Fatigue = field(default_factory=Fatigue)
    rules: tuple[Rule, ...] = ()  # the rule book, worded with the policy's parameters
    limits: tuple[Limit, ...] = ()  # the rule book's limits over the period and the weeks around it
    fixed: frozenset[Slot] = frozenset()  # slots held outside the period (they count, and stay)
    on_call_weeks_of: dict[date, tuple[date, ...]] = field(default_factory=dict)  # date -> planned turns
    # with on-call hours that date


@dataclass(frozen=True)
class Plan:
    weeks: dict[date, tuple[EngineerId, EngineerId]]  # week -> (primary, secondary)
    support: dict[date, EngineerId]
    optimal: bool
    seconds: float


class PlanSolver(Protocol):
    """Finds the best plan for a problem, or None when no plan keeps every rule."""

    def solve(self, problem: PlanProblem) -> Plan | None: ...


@dataclass(frozen=True)
class Infeasibility:
    rule: str
    when: str
    message: str


def infeasibilities(problem: PlanProblem) -> list[Infeasibility]:
    """Reasons no plan can exist that can be seen without a solver: which rule, which week or day."""
    found = []
    for week in problem.weeks:
        free = [e for e in problem.on_call if (e, week) not in problem.unavailable_weeks]
        if len(free) < 2:
            found.append(
                Infeasibility(
                    "gap",
                    f"week of {week}",
                    f"only {len(free)} engineer(s) opted in to on-call are free that week "
                    f"({', '.join(free) or 'nobody'}); a primary and a secondary are needed",
                )
            )
        elif not [e for e in free if e in problem.experienced]:
            found.append(
                Infeasibility(
                    "newcomer-without-experienced-secondary",
                    f"week of {week}",
                    "no experienced engineer is free that week, and a newcomer needs one",
                )
            )
    for day in problem.support_days:
        if not [e for e in problem.support if (e, day) not in problem.unavailable_days]:
            found.append(
                Infeasibility("gap", str(day), "nobody eligible for the support duty is free that day")
            )
    by_sprint: dict[date, list[date]] = {}
    for day in problem.support_days:
        by_sprint.setdefault(problem.sprint_of[day], []).append(day)
    for sprint, days in sorted(by_sprint.items()):
        capacity = sum(
            min(
                max(0, problem.max_support_days - problem.support_used[(e, sprint)]),
                sum(1 for d in days if (e, d) not in problem.unavailable_days),
            )
            for e in problem.support
        )
        if capacity < len(days):
            found.append(
                Infeasibility(
                    "support-days-over-limit",
                    f"sprint from {sprint}",
                    f"{len(days)} support days to cover but, at {problem.max_support_days} "
                    f"days each, the free engineers can take only {capacity}",
                )
            )
    return found + _weeks_running(problem) + _support_beside_on_call(problem)


def _weeks_running(problem: PlanProblem) -> list[Infeasibility]:
    """Each run of one more week than the limit needs two turns a week from people who may each take
    at most the limit of them."""
    most = problem.fatigue.max_weeks_running
    found = []
    for start in range(len(problem.weeks) - most):
        window = problem.weeks[start : start + most + 1]
        capacity = sum(
            min(most, sum(1 for w in window if (e, w) not in problem.unavailable_weeks))
            for e in problem.on_call
        )
        if capacity < 2 * len(window):
            found.append(
                Infeasibility(
                    "on-call-weeks-running",
                    f"weeks of {window[0]} to {window[-1]}",
                    f"{2 * len(window)} on-call turns to fill but, at most {most} week(s) running each, the "
                    f"free engineers can take only {capacity}; add people or raise "
                    "rota.fatigue.max-weeks-running",
                )
            )
    return found


def _support_beside_on_call(problem: PlanProblem) -> list[Infeasibility]:
    """With support and on-call on the same day refused, each week's support days fall to people other
    than its two on call: is there a pair that leaves enough of them?"""
    if problem.fatigue.support_on_call_same_day:
        return []
    found = []
    for week in problem.weeks:
        days = [d for d in problem.support_days if week <= d < week + WEEK]
        free = [e for e in problem.on_call if (e, week) not in problem.unavailable_weeks]
        if not days or len(free) < 2:
            continue
        room = {
            e: min(problem.max_support_days, sum(1 for d in days if (e, d) not in problem.unavailable_days))
            for e in problem.support
        }
        # the best pair to put on call leaves the most support room: the two free who have least of it
        best = sum(room.values()) - sum(sorted(room.get(e, 0) for e in free)[:2])
        if best < len(days):
            found.append(
                Infeasibility(
                    "support-and-on-call-same-day",
                    f"week of {week}",
                    f"{len(days)} support days to cover by people not on call that week, but they can take "
                    f"only {best}; add people or set rota.fatigue.support-on-call-same-day: true",
                )
            )
    return found


@dataclass(frozen=True)
class Change:
    week_or_day: date
    role: Role
    before: EngineerId
    after: EngineerId
    reason: str


def changes(problem: PlanProblem, plan: Plan, rota: Rota) -> list[Change]:
    """What the plan changes in the published rota, and which rule forced each change."""
    found = []
    for (week, role), before in sorted(problem.published_weeks.items()):
        primary, secondary = plan.weeks[week]
        after = primary if role is Role.PRIMARY else secondary
        if after != before:
            found.append(
                Change(week, role, before, after, _week_reason(problem, plan, rota, week, role, before))
            )
    for day, before in sorted(problem.published_days.items()):
        after = plan.support[day]
        if after != before:
            found.append(
                Change(day, Role.SUPPORT, before, after, _day_reason(problem, plan, rota, day, before))
            )
    return found


def _week_reason(  # noqa: PLR0911, PLR0917
    problem: PlanProblem, plan: Plan, rota: Rota, week: date, role: Role, who: EngineerId
) -> str:
    engineer = rota.engineer(who)
    if engineer is None:
        return f"{who} is not in engineers"
    if not engineer.on_call:
        return f"{who} is not opted in to on-call"
    if (who, week) in problem.unavailable_weeks:
        return f"{who} is on leave that week"
    published = {r: problem.published_weeks.get((week, r)) for r in (Role.PRIMARY, Role.SECONDARY)}
    if published[Role.PRIMARY] == published[Role.SECONDARY]:
        return f"{who} held both roles"
    if role is Role.PRIMARY and _primary_before(problem, week) == who:
        return f"{who} was primary the week before"
    if role is Role.PRIMARY and week == problem.weeks[-1] and problem.next_primary == who:
        return f"{who} is primary the week after"
    if not problem.fatigue.support_on_call_same_day:
        for day, holder in sorted(plan.support.items()):
            if holder == who and week in problem.on_call_weeks_of.get(day, ()):
                return f"{who} keeps the support duty on {day}"
    for other, when in ((week - WEEK, "before"), (week + WEEK, "after")):
        held = {problem.published_weeks.get((other, r)) for r in (Role.PRIMARY, Role.SECONDARY)}
        held |= {w for w, kind, d in problem.fixed if d == other and kind in (Kind.PRIMARY, Kind.SECONDARY)}
        held |= set(plan.weeks.get(other, ()))
        if problem.fatigue.max_weeks_running == 1 and who in held:
            return f"{who} is on call the week {when}"
    return "another change that week needed it (a newcomer's secondary, or support and rest days around it)"


def _primary_before(problem: PlanProblem, week: date) -> EngineerId | None:
    if week == problem.weeks[0]:
        return problem.previous_primary
    return problem.published_weeks.get((week - WEEK, Role.PRIMARY))


def _day_reason(problem: PlanProblem, plan: Plan, rota: Rota, day: date, who: EngineerId) -> str:
    engineer = rota.engineer(who)
    if engineer is None:
        return f"{who} is not in engineers"
    if not engineer.support:
        return f"{who} is not eligible for the support duty"
    if (who, day) in problem.unavailable_days:
        return f"{who} is on leave that day"
    on_call = {w for w, pair in plan.weeks.items() if who in pair}
    if not problem.fatigue.support_on_call_same_day and any(
        w in on_call for w in problem.on_call_weeks_of.get(day, ())
    ):
        return f"{who} is on call that day"
    rest = problem.fatigue.rest_after_weekend_days
    if rest and any(
        (who, Kind.ON_CALL, day - timedelta(days=i)) in problem.fixed
        or any(w in on_call for w in problem.on_call_weeks_of.get(day - timedelta(days=i), ()))
        for i in range(1, rest + 1)
        if (day - timedelta(days=i)).weekday() >= 5
    ):
        return f"{who} was on call the weekend before"
    return f"{who} would be over {problem.max_support_days} support days in the sprint"


def spreads(problem: PlanProblem, plan: Plan) -> dict[str, tuple[int, int]]:
    """(fewest, most) per measure among eligible engineers, history included: the fairness achieved."""
    totals = fairness_totals(problem, plan)
    result = {}
    for measure, counts in totals.items():
        people = problem.support if measure == "support days" else problem.on_call
        values = [counts[e] for e in people]
        result[measure] = (min(values), max(values)) if values else (0, 0)
    return result


def spread_notes(problem: PlanProblem, plan: Plan) -> dict[str, str]:
    """Why a measure's spread is wider than 1: leave, history, the size of weekend blocks, or the rules."""
    notes = {}
    totals = fairness_totals(problem, plan)
    history = {
        "primary turns": problem.history.primary,
        "secondary turns": problem.history.secondary,
        "weekend and bank-holiday days": problem.history.weekend_days,
        "support days": problem.history.support_days,
    }
    for measure, (fewest, most) in spreads(problem, plan).items():
        if most - fewest <= 1:
            continue
        people = problem.support if measure == "support days" else problem.on_call
        counts = totals[measure]
        low = [e for e in people if counts[e] == fewest]
        high = [e for e in people if counts[e] == most]
        reasons = []
        away = [e for e in low if _away(problem, e, measure)]
        if away:
            reasons.append(f"{', '.join(away)} on leave for {_away_text(problem, away, measure)}")
        before = history[measure]
        if any(before[e] != before[low[0]] for e in people):
            reasons.append(
                f"history before the period: {', '.join(f'{e} {before[e]}' for e in (*low, *high))} already"
            )
        blocks = sorted(set(problem.weekend_days.values()))
        if measure == "weekend and bank-holiday days" and blocks and max(blocks) > 1:
            reasons.append(
                f"weekend days come {'/'.join(map(str, blocks))} to a turn, for both people on call"
            )
        if not reasons:
            reasons.append(
                "no rota that keeps every rule evens it more (`opsdesk rota generate` lists the rules when "
                "none fits; rota.fatigue sets the limits)"
                if plan.optimal
                else "the best found within the time limit"
            )
        notes[measure] = (
            f"{measure} {fewest}-{most} ({', '.join(low)} fewest; {', '.join(high)} most): "
            + "; ".join(reasons)
        )
    return notes


def _away(problem: PlanProblem, who: EngineerId, measure: str) -> int:
    if measure == "support days":
        return sum(1 for d in problem.support_days if (who, d) in problem.unavailable_days)
    return sum(1 for w in problem.weeks if (who, w) in problem.unavailable_weeks)


def _away_text(problem: PlanProblem, people: list[EngineerId], measure: str) -> str:
    unit = "working days" if measure == "support days" else "turns"
    return ", ".join(f"{_away(problem, e, measure)} {unit}" for e in people)


def fairness_totals(problem: PlanProblem, plan: Plan) -> dict[str, Counter[EngineerId]]:
    history = problem.history
    primary, secondary = Counter(history.primary), Counter(history.secondary)
    weekend, support = Counter(history.weekend_days), Counter(history.support_days)
    for week, (p, s) in plan.weeks.items():
        primary[p] += 1
        secondary[s] += 1
        weekend[p] += problem.weekend_days[week]
        weekend[s] += problem.weekend_days[week]
    for who in plan.support.values():
        support[who] += 1
    return {
        "primary turns": primary,
        "secondary turns": secondary,
        "weekend and bank-holiday days": weekend,
        "support days": support,
    }


def turn_days(week: date) -> list[date]:
    """The seven dates of a weekly turn that starts on `week`."""
    return [week + timedelta(days=i) for i in range(7)]
