"""`rota check` against the rule book: each rule broken on its own, an empty rota, one line per stretch,
and random rotas against a plain reading of the rules."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsdesk.domain.rota import Fatigue, SupportLimit
from opsdesk.domain.rota_rules import Code, rule_book
from opsdesk.services.rota import violation_dict
from tests.rota_builders import rota_service, team

PAIRS = {"2026-11-30": ("alice", "bilal"), "2026-12-07": ("chen", "dana")}


def check(
    cache_dir: Path, document: dict[str, Any], now: str = "2026-12-01T10:00:00+00:00"
) -> list[tuple[Any, ...]]:
    service = rota_service(document, cache_dir, now)
    return [
        (v["code"], tuple(v["people"]), str(v["start"])[:16], str(v["end"])[:16])
        for v in (violation_dict(x, service) for x in service.check())
    ]


def rota(
    weeks: list[tuple[str, str, str]], support: list[tuple[str, str]], **fatigue: object
) -> dict[str, Any]:
    return team(
        rota={
            "on-call": [{"week": w, "primary": p, "secondary": s} for w, p, s in weeks],
            "support": [{"date": d, "engineer": e} for d, e in support],
            "fatigue": fatigue,
        }
    )


def two_newcomers(document: dict[str, Any]) -> dict[str, Any]:
    document["engineers"][2]["experienced"] = False  # chen is new, like eve
    return document


# For each rule the generator keeps, a rota that breaks it (and nothing else) and the line `rota check` gives.
BROKEN: dict[Code, tuple[dict[str, Any], tuple[Any, ...]]] = {
    Code.PRIMARY_WEEKS_RUNNING: (
        rota([("2026-11-30", "alice", "bilal"), ("2026-12-07", "alice", "chen")], []),
        ("primary-weeks-running", ("alice",), "2026-11-30T07:00", "2026-12-14T07:00"),
    ),
    Code.ON_CALL_WEEKS_RUNNING: (
        rota([("2026-11-30", "alice", "bilal"), ("2026-12-07", "chen", "alice")], []),
        ("on-call-weeks-running", ("alice",), "2026-11-30T07:00", "2026-12-14T07:00"),
    ),
    Code.SUPPORT_AND_ON_CALL_SAME_DAY: (
        rota([("2026-11-30", "alice", "bilal")], [("2026-12-02", "bilal")]),
        ("support-and-on-call-same-day", ("bilal",), "2026-12-02T00:00", "2026-12-03T00:00"),
    ),
    Code.SUPPORT_AFTER_WEEKEND_ON_CALL: (
        rota([("2026-11-30", "alice", "bilal"), ("2026-12-07", "chen", "dana")], [("2026-12-07", "bilal")]),
        ("support-after-weekend-on-call", ("bilal",), "2026-12-07T00:00", "2026-12-08T00:00"),
    ),
    Code.SUPPORT_DAYS_OVER_LIMIT: (
        rota(
            [("2026-11-30", "alice", "bilal"), ("2026-12-07", "chen", "dana")],
            [(f"2026-12-0{d}", "eve") for d in (1, 2, 3, 4)],
        ),
        ("support-days-over-limit", ("eve",), "2026-11-23T00:00", "2026-12-07T00:00"),
    ),
    Code.SAME_PERSON_BOTH_ROLES: (
        rota([("2026-11-30", "alice", "alice")], []),
        ("same-person-both-roles", ("alice",), "2026-11-30T07:00", "2026-12-06T22:00"),
    ),
    Code.NEWCOMER_WITHOUT_EXPERIENCED_SECONDARY: (
        two_newcomers(rota([("2026-11-30", "eve", "chen")], [])),
        ("newcomer-without-experienced-secondary", ("eve", "chen"), "2026-11-30T07:00", "2026-12-06T22:00"),
    ),
}


def without_gaps(found: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [f for f in found if f[0] not in {"gap", "not-opted-in"}]


def test_every_rule_the_generator_keeps_has_a_rota_that_breaks_it_and_check_says_so(cache_dir: Path) -> None:
    kept_by_generator = {
        r.code for r in rule_book(Fatigue(), SupportLimit()) if r.code not in {Code.UNKNOWN_ENGINEER}
    }
    held_by_shape = {Code.GAP, Code.ON_LEAVE, Code.NOT_OPTED_IN}  # tests in test_rota_check.py
    assert kept_by_generator - held_by_shape == set(BROKEN)
    for code, (document, line) in BROKEN.items():
        assert without_gaps(check(cache_dir, document)) == [line], code


def test_the_fatigue_rules_can_be_relaxed_in_the_policy(cache_dir: Path) -> None:
    weeks = [("2026-11-30", "alice", "bilal"), ("2026-12-07", "chen", "alice")]
    assert without_gaps(check(cache_dir, rota(weeks, [], **{"max-weeks-running": 2}))) == []
    same_day = rota(
        [("2026-11-30", "alice", "bilal")], [("2026-12-02", "bilal")], **{"support-on-call-same-day": True}
    )
    assert without_gaps(check(cache_dir, same_day)) == []
    monday = BROKEN[Code.SUPPORT_AFTER_WEEKEND_ON_CALL][0]
    monday["rota"]["fatigue"] = {"rest-after-weekend-days": 0}
    assert without_gaps(check(cache_dir, monday)) == []


def test_a_newcomers_week_is_one_line_not_one_per_cover_window(cache_dir: Path) -> None:
    found = without_gaps(check(cache_dir, two_newcomers(rota([("2026-11-30", "eve", "chen")], []))))
    assert found == [
        ("newcomer-without-experienced-secondary", ("eve", "chen"), "2026-11-30T07:00", "2026-12-06T22:00")
    ]


def test_an_empty_rota_is_a_gap_in_the_four_turns_from_now(cache_dir: Path) -> None:
    found = check(cache_dir, team(rota={}), now="2026-12-01T10:00:00+00:00")
    assert found == [
        ("gap", (), "2026-11-30T07:00", "2026-12-27T22:00"),
        ("gap", (), "2026-11-30T07:00", "2026-12-27T22:00"),
        ("gap", (), "2026-11-30T09:00", "2026-12-24T16:00"),
    ]


# ---- random rotas against a plain reading of the rules -------------------------------------------------

FEB = date(2027, 2, 1)  # four Mondays without a bank holiday; sprints from 2027-01-25 and 2027-02-08
TEAM_IDS = ["alice", "bilal", "chen", "dana", "eve"]


def plain_reading(weeks: list[tuple[str, str]], support: dict[date, str]) -> set[tuple[str, tuple[str, ...]]]:
    """The rules as a person would apply them by hand to a rota without overrides or leave."""
    found: set[tuple[str, tuple[str, ...]]] = set()
    for index, (primary, secondary) in enumerate(weeks):
        if primary == secondary:
            found.add(("same-person-both-roles", (primary,)))
        if primary == "eve" and secondary == "eve":
            found.add(("newcomer-without-experienced-secondary", ("eve", "eve")))
        if index:
            before = weeks[index - 1]
            if before[0] == primary:
                found.add(("primary-weeks-running", (primary,)))
            for who in {primary, secondary} & set(before):
                if not (who == primary == before[0]):
                    found.add(("on-call-weeks-running", (who,)))
    sprint_counts: dict[tuple[str, date], int] = {}
    for day, who in support.items():
        index = (day - FEB).days // 7
        if who in weeks[index]:
            found.add(("support-and-on-call-same-day", (who,)))
        if day.weekday() == 0 and index and who in weeks[index - 1]:
            found.add(("support-after-weekend-on-call", (who,)))
        sprint = SupportLimit().sprint_of(day)
        sprint_counts[(who, sprint)] = sprint_counts.get((who, sprint), 0) + 1
    for (who, _sprint), count in sprint_counts.items():
        if count > 3:
            found.add(("support-days-over-limit", (who,)))
    return found


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(st.sampled_from(TEAM_IDS), st.sampled_from(TEAM_IDS)), min_size=1, max_size=3),
    st.lists(st.sampled_from(TEAM_IDS), min_size=15, max_size=15),
)
def test_check_agrees_with_a_plain_reading_of_the_rules(
    cache_dir: Path, weeks: list[tuple[str, str]], people: list[str]
) -> None:
    days = [FEB + timedelta(days=i) for i in range(7 * len(weeks)) if (FEB + timedelta(days=i)).weekday() < 5]
    support = dict(zip(days, people, strict=False))
    document = rota(
        [(str(FEB + timedelta(weeks=i)), p, s) for i, (p, s) in enumerate(weeks)],
        [(str(d), who) for d, who in support.items()],
    )
    found = {(code, people) for code, people, _, _ in without_gaps(check(cache_dir, copy.deepcopy(document)))}
    assert found == plain_reading(weeks, support)
