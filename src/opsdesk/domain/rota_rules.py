"""The rota's rule book: every hard rule once, with its code, shared by `rota check` and the generator.

Most rules are limits over slots (an engineer in a role in a week, or on a duty on a day): a weighted sum
of the slots someone holds may not exceed a number. The generator gives each limit to the solver as a
constraint over its choices; `rota check` counts the slots the rota really holds against the same limit.
The rules about who holds duty at each moment (a gap, leave, opting in, both roles, a newcomer's
secondary) are checked on duty as it falls; the generator keeps them by the shape of its model.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from opsdesk.domain.rota import WEEK, EngineerId, Fatigue, SupportLimit


class Code(StrEnum):
    GAP = "gap"
    SAME_PERSON_BOTH_ROLES = "same-person-both-roles"
    ON_LEAVE = "on-leave"
    NOT_OPTED_IN = "not-opted-in"
    NEWCOMER_WITHOUT_EXPERIENCED_SECONDARY = "newcomer-without-experienced-secondary"
    SUPPORT_DAYS_OVER_LIMIT = "support-days-over-limit"
    UNKNOWN_ENGINEER = "unknown-engineer"
    PRIMARY_WEEKS_RUNNING = "primary-weeks-running"
    ON_CALL_WEEKS_RUNNING = "on-call-weeks-running"
    SUPPORT_AND_ON_CALL_SAME_DAY = "support-and-on-call-same-day"
    SUPPORT_AFTER_WEEKEND_ON_CALL = "support-after-weekend-on-call"


class Kind(StrEnum):
    """What a slot stands for: a role for a weekly turn, or a duty on one date."""

    PRIMARY = "primary"  # the week's primary (by the weekly assignment)
    SECONDARY = "secondary"
    SUPPORT = "support"  # the support duty on a date
    ON_CALL = "on-call"  # holds on-call hours (either role) on a date


Slot = tuple[EngineerId, Kind, date]


@dataclass(frozen=True)
class Limit:
    """sum(weight for each slot held) <= most; `span` is the weeks (by_turn) or dates it concerns."""

    code: Code
    terms: tuple[tuple[Slot, int], ...]
    most: int
    span: tuple[date, date]
    by_turn: bool
    people: tuple[EngineerId, ...]
    message: str
    per_turn: bool = False  # a week's two roles count once: a turn on call (the solver never gives both)

    def broken(self, held: Mapping[Slot, object] | frozenset[Slot] | set[Slot]) -> bool:
        counted: dict[tuple[EngineerId, date, Kind], int] = {}
        for (who, kind, when), weight in self.terms:
            if (who, kind, when) in held:
                key = (who, when, Kind.PRIMARY if self.per_turn and kind is Kind.SECONDARY else kind)
                counted[key] = max(weight, counted.get(key, weight))
        return sum(counted.values()) > self.most


@dataclass(frozen=True)
class Rule:
    code: Code
    summary: str  # what the rule asks, with the policy's parameters
    checked_on: str  # "duty as held" or "assignments": what `rota check` reads


@dataclass(frozen=True)
class Calendar:
    """The weeks and dates a set of limits speaks of."""

    weeks: tuple[date, ...]  # turn starts, a week apart, in order
    days: tuple[date, ...]  # every date, in order
    working: frozenset[date]  # dates with support duty
    off: frozenset[date]  # weekend and bank-holiday dates


@dataclass(frozen=True)
class People:
    on_call: tuple[EngineerId, ...]
    support: tuple[EngineerId, ...]
    experienced: frozenset[EngineerId]


def rule_book(fatigue: Fatigue, support_limit: SupportLimit) -> tuple[Rule, ...]:
    """Every hard rule, worded with this policy's parameters (docs/rota.md lists the same)."""
    weeks = fatigue.max_weeks_running
    held, assigned = "duty as held", "assignments"
    rules = [
        Rule(
            Code.GAP,
            "one primary and one secondary in all on-call hours, one engineer in support hours",
            held,
        ),
        Rule(Code.ON_LEAVE, "nobody holds duty on a day of their leave", held),
        Rule(Code.NOT_OPTED_IN, "on-call only for engineers opted in, support only for those eligible", held),
        Rule(Code.SAME_PERSON_BOTH_ROLES, "the primary and the secondary are two people", held),
        Rule(
            Code.NEWCOMER_WITHOUT_EXPERIENCED_SECONDARY,
            "a newcomer who is primary has an experienced secondary",
            held,
        ),
        Rule(Code.PRIMARY_WEEKS_RUNNING, "nobody is primary two weeks running", assigned),
        Rule(
            Code.ON_CALL_WEEKS_RUNNING,
            f"nobody is on call (primary or secondary) more than {weeks} week{'s' if weeks != 1 else ''} "
            "running (rota.fatigue.max-weeks-running)",
            assigned,
        ),
        Rule(
            Code.SUPPORT_DAYS_OVER_LIMIT,
            f"at most {support_limit.max_days} support days each per {support_limit.sprint_days}-day sprint",
            held,
        ),
        Rule(Code.UNKNOWN_ENGINEER, "every name in the rota is in engineers", assigned),
    ]
    if not fatigue.support_on_call_same_day:
        rules.append(
            Rule(
                Code.SUPPORT_AND_ON_CALL_SAME_DAY,
                "the support engineer is not on call the same day "
                "(rota.fatigue.support-on-call-same-day: false)",
                held,
            )
        )
    if fatigue.rest_after_weekend_days:
        days = fatigue.rest_after_weekend_days
        rules.append(
            Rule(
                Code.SUPPORT_AFTER_WEEKEND_ON_CALL,
                f"no support duty within {days} day{'s' if days != 1 else ''} after a weekend or bank-holiday "
                "day on call (rota.fatigue.rest-after-weekend-days)",
                held,
            )
        )
    return tuple(rules)


def limits(
    fatigue: Fatigue, support_limit: SupportLimit, calendar: Calendar, people: People
) -> Iterator[Limit]:
    """Every limit over the calendar, for these people."""
    yield from _both_roles(calendar, people)
    yield from _newcomers(calendar, people)
    yield from _primary_runs(calendar, people)
    yield from _on_call_runs(fatigue.max_weeks_running, calendar, people)
    yield from _sprints(support_limit, calendar, people)
    if not fatigue.support_on_call_same_day:
        yield from _same_day(calendar, people)
    if fatigue.rest_after_weekend_days > 0:
        yield from _rest_after_weekend(fatigue.rest_after_weekend_days, calendar, people)


def _turn(week: date, role: Kind, who: EngineerId) -> Slot:
    return (who, role, week)


def _both_roles(calendar: Calendar, people: People) -> Iterator[Limit]:
    for week in calendar.weeks:
        for who in people.on_call:
            yield Limit(
                Code.SAME_PERSON_BOTH_ROLES,
                ((_turn(week, Kind.PRIMARY, who), 1), (_turn(week, Kind.SECONDARY, who), 1)),
                1,
                (week, week),
                True,
                (who,),
                f"{who} is both primary and secondary",
            )


def _newcomers(calendar: Calendar, people: People) -> Iterator[Limit]:
    experienced = [o for o in people.on_call if o in people.experienced]
    for week in calendar.weeks:
        for who in people.on_call:
            if who in people.experienced:
                continue
            yield Limit(
                Code.NEWCOMER_WITHOUT_EXPERIENCED_SECONDARY,
                (
                    (_turn(week, Kind.PRIMARY, who), 1),
                    *((_turn(week, Kind.SECONDARY, o), -1) for o in experienced),
                ),
                0,
                (week, week),
                True,
                (who,),
                f"{who} is new to the rota and needs an experienced secondary",
            )


def _primary_runs(calendar: Calendar, people: People) -> Iterator[Limit]:
    for week, following in _runs(calendar.weeks, 2):
        for who in people.on_call:
            yield Limit(
                Code.PRIMARY_WEEKS_RUNNING,
                ((_turn(week, Kind.PRIMARY, who), 1), (_turn(following, Kind.PRIMARY, who), 1)),
                1,
                (week, following),
                True,
                (who,),
                f"{who} is primary two weeks running (from {week}); give one of the weeks to someone else",
            )


def _on_call_runs(most: int, calendar: Calendar, people: People) -> Iterator[Limit]:
    for window in _runs(calendar.weeks, most + 1):
        for who in people.on_call:
            terms = tuple(
                (_turn(week, role, who), 1) for week in window for role in (Kind.PRIMARY, Kind.SECONDARY)
            )
            yield Limit(
                Code.ON_CALL_WEEKS_RUNNING,
                terms,
                most,
                (window[0], window[-1]),
                True,
                (who,),
                f"{who} is on call {most + 1} weeks running (from {window[0]}); the limit is {most} "
                "(rota.fatigue.max-weeks-running): give a week to someone else",
                per_turn=True,
            )


def _runs(weeks: tuple[date, ...], length: int) -> Iterator[tuple[date, ...]]:
    for index in range(len(weeks) - length + 1):
        window = weeks[index : index + length]
        if window[-1] - window[0] == (length - 1) * WEEK:
            yield window


def _sprints(support_limit: SupportLimit, calendar: Calendar, people: People) -> Iterator[Limit]:
    sprints: dict[date, list[date]] = {}
    for day in calendar.days:
        if day in calendar.working:
            sprints.setdefault(support_limit.sprint_of(day), []).append(day)
    for sprint, days in sorted(sprints.items()):
        last = sprint + timedelta(days=support_limit.sprint_days - 1)
        for who in people.support:
            yield Limit(
                Code.SUPPORT_DAYS_OVER_LIMIT,
                tuple(((who, Kind.SUPPORT, day), 1) for day in days),
                support_limit.max_days,
                (sprint, last),
                False,
                (who,),
                f"{who} has more than {support_limit.max_days} support days in the sprint from {sprint}; "
                "give some to someone else",
            )


def _same_day(calendar: Calendar, people: People) -> Iterator[Limit]:
    both = [who for who in people.support if who in people.on_call]
    for day in calendar.days:
        if day not in calendar.working:
            continue
        for who in both:
            yield Limit(
                Code.SUPPORT_AND_ON_CALL_SAME_DAY,
                (((who, Kind.SUPPORT, day), 1), ((who, Kind.ON_CALL, day), 1)),
                1,
                (day, day),
                False,
                (who,),
                f"{who} has the support duty on {day} and is on call that day; give the support day to "
                "someone else (or set rota.fatigue.support-on-call-same-day: true)",
            )


def _rest_after_weekend(rest: int, calendar: Calendar, people: People) -> Iterator[Limit]:
    both = [who for who in people.support if who in people.on_call]
    for day in calendar.days:
        if day not in calendar.working:
            continue
        before = [day - timedelta(days=i) for i in range(1, rest + 1)]
        off = [d for d in before if d in calendar.off]
        if not off:
            continue
        for who in both:
            yield Limit(
                Code.SUPPORT_AFTER_WEEKEND_ON_CALL,
                (((who, Kind.SUPPORT, day), len(off)), *(((who, Kind.ON_CALL, d), 1) for d in off)),
                len(off),
                (day, day),
                False,
                (who,),
                f"{who} has the support duty on {day} straight after a weekend or bank holiday on call; "
                f"the rest after one is {rest} day{'s' if rest != 1 else ''} (rota.fatigue.rest-after-weekend-days)",
            )


def calendar_of(
    weeks: Iterable[date], first: date, last: date, working: Iterable[date], off: Iterable[date]
) -> Calendar:
    days = tuple(first + timedelta(days=i) for i in range((last - first).days + 1))
    return Calendar(tuple(sorted(set(weeks))), days, frozenset(working), frozenset(off))
