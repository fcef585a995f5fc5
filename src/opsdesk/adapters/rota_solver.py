"""The rota as an integer program, solved by HiGHS through PuLP: every rule hard, fairness and stability soft."""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from opsdesk.domain.errors import IntegrationError
from opsdesk.domain.rota import EngineerId, Role
from opsdesk.domain.rota_plan import Plan, PlanProblem
from opsdesk.domain.rota_rules import Kind

Progress = Callable[[str], None]


class HighsPlanSolver:
    """Deterministic: one thread, a fixed seed, and a model built in a fixed order.

    Objective, in strict priority: keep published assignments (each change costs more than any fairness
    gain), then the spread (most minus fewest, history included) of primary turns, secondary turns,
    weekend and bank-holiday on-call days, and support days.
    """

    def __init__(self, time_limit: float = 60.0, progress: Progress | None = None) -> None:
        self.time_limit = time_limit
        self.progress = progress or (lambda _message: None)

    def _run(self, pulp: Any, model: Any, limit: float, *, warm: bool) -> int:
        solver = pulp.HiGHS(msg=False, timeLimit=limit, threads=1, random_seed=1, warmStart=warm)
        try:
            with _quiet_stdout():
                status: int = model.solve(solver)
        except pulp.PulpSolverError as exc:
            raise IntegrationError(f"the HiGHS solver failed: {exc}") from None
        return status

    def solve(self, problem: PlanProblem) -> Plan | None:
        # PuLP costs ~0.4 s to import; only generation needs it.
        import pulp  # noqa: PLC0415

        started = time.perf_counter()
        model = pulp.LpProblem("rota", pulp.LpMinimize)
        x = _on_call_variables(pulp, model, problem)
        y = _support_variables(pulp, model, problem)
        _rule_limits(pulp, model, problem, x, y)
        fairness = _fairness(pulp, model, problem, x, y)
        stability = _stability(problem, x, y)
        weight = 4 * (len(problem.weeks) * 7 + len(problem.support_days)) + 10
        model += weight * pulp.lpSum(stability) + pulp.lpSum(most - fewest for most, fewest in fairness)
        self.progress(f"solving: {model.numVariables()} variables, {model.numConstraints()} constraints")
        # First ask for every spread at its least (the average rounded up minus rounded down): usually
        # found at once, while the open question (how wide?) sends HiGHS searching look-alike rotas. If
        # that keeps every published assignment it can keep, it is optimal; if not, the full model
        # decides, starting from it.
        bounds = [(most.lowBound, fewest.upBound) for most, fewest in fairness]
        for most, fewest in fairness:
            most.upBound, fewest.lowBound = most.lowBound, fewest.upBound
        status = self._run(pulp, model, self.time_limit / 4, warm=False)
        found = model.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
        changed = round(pulp.value(pulp.lpSum(stability)) or 0) if found else None
        if pulp.LpStatus[status] != "Optimal" or changed != _forced_changes(problem):
            for (most, fewest), (low, high) in zip(fairness, bounds, strict=True):
                most.upBound, fewest.lowBound = None, 0
                most.lowBound, fewest.upBound = low, high
            status = self._run(pulp, model, self.time_limit, warm=found)
        if pulp.LpStatus[status] != "Optimal" and model.sol_status not in (pulp.LpSolutionIntegerFeasible,):
            return None
        optimal = pulp.LpStatus[status] == "Optimal"
        chosen = {(who, week, role) for (who, week, role), var in x.items() if (var.value() or 0) > 0.5}
        weeks = {}
        for week in problem.weeks:
            primary = next(who for who in problem.on_call if (who, week, Role.PRIMARY) in chosen)
            secondary = next(who for who in problem.on_call if (who, week, Role.SECONDARY) in chosen)
            weeks[week] = (primary, secondary)
        support = {day: who for (who, day), var in y.items() if (var.value() or 0) > 0.5}
        return Plan(weeks, support, optimal, time.perf_counter() - started)


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """HiGHS prints a banner from C++ even with output off; keep it out of our standard output."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _on_call_variables(
    pulp: Any, model: Any, problem: PlanProblem
) -> dict[tuple[EngineerId, Any, Role], Any]:
    x = {}
    for w, week in enumerate(problem.weeks):
        for e, who in enumerate(problem.on_call):
            for role in (Role.PRIMARY, Role.SECONDARY):
                var = model.add_variable(f"x_{e}_{w}_{role.value[0]}", cat="Binary")
                if (who, week) in problem.unavailable_weeks:
                    model += var == 0, f"leave_{e}_{w}_{role.value[0]}"
                x[(who, week, role)] = var
        for role in (Role.PRIMARY, Role.SECONDARY):
            model += pulp.lpSum(x[(who, week, role)] for who in problem.on_call) == 1, f"one_{role.value}_{w}"
    return x


def _support_variables(pulp: Any, model: Any, problem: PlanProblem) -> dict[tuple[EngineerId, Any], Any]:
    y = {}
    for d, day in enumerate(problem.support_days):
        for e, who in enumerate(problem.support):
            var = model.add_variable(f"y_{e}_{d}", cat="Binary")
            if (who, day) in problem.unavailable_days:
                model += var == 0, f"away_{e}_{d}"
            y[(who, day)] = var
        model += pulp.lpSum(y[(who, day)] for who in problem.support) == 1, f"support_{d}"
    return y


def _rule_limits(pulp: Any, model: Any, problem: PlanProblem, x: dict[Any, Any], y: dict[Any, Any]) -> None:
    """The rule book's limits as constraints over the plan's choices; fixed slots count as constants.

    "On call on a date" is the greater of the turns with hours that date, so a limit that names it holds
    once for each such turn (and for the fixed slot, if any) rather than over their sum.
    """
    planned = (set(problem.weeks), set(problem.support_days))
    for index, limit in enumerate(problem.limits):
        terms: list[tuple[Any, int]] = []
        constant = 0
        choices: list[tuple[int, EngineerId, list[Any]]] = []
        for slot, weight in limit.terms:
            who, kind, when = slot
            if kind is Kind.ON_CALL:
                options: list[Any] = [None] if slot in problem.fixed else []
                options += [w for w in problem.on_call_weeks_of.get(when, ()) if (who, w, Role.PRIMARY) in x]
                if options:
                    choices.append((weight, who, options))
                continue
            var = _variable(slot, planned, x, y)
            if var is not None:
                terms.append((var, weight))
            elif slot in problem.fixed:
                constant += weight
        for number, combination in enumerate(itertools.product(*(options for _, _, options in choices))):
            expression, total = list(terms), constant
            for (weight, who, _), week in zip(choices, combination, strict=True):
                if week is None:
                    total += weight
                else:
                    expression += [(x[(who, week, role)], weight) for role in (Role.PRIMARY, Role.SECONDARY)]
            if expression:
                model.addConstraint(
                    pulp.LpConstraint(
                        pulp.LpAffineExpression(expression), pulp.LpConstraintLE, rhs=limit.most - total
                    ),
                    f"rule_{index}_{number}",
                )


def _variable(
    slot: tuple[EngineerId, Kind, Any],
    planned: tuple[set[Any], set[Any]],
    x: dict[Any, Any],
    y: dict[Any, Any],
) -> Any:
    """The plan's choice for a week or support-day slot in the period; None outside it (or for someone
    the plan cannot give it to, whose slot then counts only if fixed, which inside the period it never is)."""
    who, kind, when = slot
    if kind is Kind.SUPPORT:
        return y.get((who, when)) if when in planned[1] else None
    return x.get((who, when, Role(kind.value))) if when in planned[0] else None


def _fairness(
    pulp: Any, model: Any, problem: PlanProblem, x: dict[Any, Any], y: dict[Any, Any]
) -> list[tuple[Any, Any]]:
    """Spread variables (most minus fewest, history included) for each measure."""
    history = problem.history
    measures = {
        "p": (
            problem.on_call,
            lambda who: history.primary[who] + pulp.lpSum(x[(who, w, Role.PRIMARY)] for w in problem.weeks),
        ),
        "s": (
            problem.on_call,
            lambda who: (
                history.secondary[who] + pulp.lpSum(x[(who, w, Role.SECONDARY)] for w in problem.weeks)
            ),
        ),
        "w": (
            problem.on_call,
            lambda who: (
                history.weekend_days[who]
                + pulp.lpSum(
                    problem.weekend_days[w] * (x[(who, w, Role.PRIMARY)] + x[(who, w, Role.SECONDARY)])
                    for w in problem.weeks
                )
            ),
        ),
        "d": (
            problem.support,
            lambda who: history.support_days[who] + pulp.lpSum(y[(who, d)] for d in problem.support_days),
        ),
    }
    # Each measure's total over everyone is fixed (history plus what the period needs), so the most is at
    # least the average rounded up and the fewest at most the average rounded down. Saying so gives the
    # solver a tight bound at once instead of a long search through look-alike rotas.
    weekend_total = 2 * sum(problem.weekend_days[w] for w in problem.weeks)
    totals = {
        "p": sum(history.primary[e] for e in problem.on_call) + len(problem.weeks),
        "s": sum(history.secondary[e] for e in problem.on_call) + len(problem.weeks),
        "w": sum(history.weekend_days[e] for e in problem.on_call) + weekend_total,
        "d": sum(history.support_days[e] for e in problem.support) + len(problem.support_days),
    }
    spreads = []
    for name, (people, total) in measures.items():
        if len(people) < 2:
            continue
        floor, remainder = divmod(totals[name], len(people))
        most = model.add_variable(f"most_{name}", lowBound=floor + (1 if remainder else 0), cat="Integer")
        fewest = model.add_variable(f"fewest_{name}", lowBound=0, upBound=floor, cat="Integer")
        for e, who in enumerate(people):
            count = total(who)  # type: ignore[no-untyped-call]
            model += most >= count, f"most_{name}_{e}"
            model += fewest <= count, f"fewest_{name}_{e}"
        spreads.append((most, fewest))
    return spreads


def _forced_changes(problem: PlanProblem) -> int:
    """Published assignments no plan can keep: someone not plannable, or on leave then."""
    weeks = sum(
        1
        for (week, _role), who in problem.published_weeks.items()
        if who not in problem.on_call or (who, week) in problem.unavailable_weeks
    )
    days = sum(
        1
        for day, who in problem.published_days.items()
        if who not in problem.support or (who, day) in problem.unavailable_days
    )
    return weeks + days


def _stability(problem: PlanProblem, x: dict[Any, Any], y: dict[Any, Any]) -> list[Any]:
    """One unit per published assignment that the plan changes."""
    kept = []
    for (week, role), who in problem.published_weeks.items():
        if (who, week, role) in x:
            kept.append(1 - x[(who, week, role)])
        else:
            kept.append(1)  # not plannable (unknown or opted out): the change is forced
    for day, who in problem.published_days.items():
        kept.append(1 - y[(who, day)] if (who, day) in y else 1)
    return kept
