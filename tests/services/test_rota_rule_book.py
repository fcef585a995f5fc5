"""The generator and `rota check` read one rule book: whatever the generator writes, check passes; the
fatigue rules hold in what it writes; spreads stay at 1 where the rules allow, and it says why if not."""

from __future__ import annotations

import json
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsdesk.bootstrap import bootstrap
from opsdesk.config.settings import Settings
from opsdesk.domain.errors import RotaInfeasibleError
from opsdesk.domain.rota import WEEK

NAMES = ["alice", "bilal", "chen", "dana", "eve", "femi", "gita", "hugo"]
FIRST = date(2027, 2, 1)


def document(size: int, fatigue: dict[str, object], leave: list[dict[str, str]]) -> dict[str, Any]:
    engineers = [{"id": n, "name": n.title(), "email": f"{n}@example.org"} for n in NAMES[:size]]
    engineers[1]["experienced"] = False
    return {
        "engineers": engineers,
        "leave": leave,
        "rota": {
            "fatigue": fatigue,
            "on-call": [{"week": "2027-01-25", "primary": "alice", "secondary": "chen"}],
        },
    }


def generate_and_check(folder: Path, cache_dir: Path, doc: dict[str, Any], weeks: int) -> Any:
    path = folder / "opsdesk.yaml"
    path.write_text(json.dumps(doc), encoding="utf-8")
    settings_ = Settings(path, policy_path_explicit=True, cache_dir=cache_dir)
    result = bootstrap(settings_).generate_rota(FIRST, weeks)
    bootstrap(settings_).write_rota(result.plan)
    service = bootstrap(settings_).rota
    tz = service.engine.timezone
    start = service.rota.turn.start(FIRST, tz)  # the week before (history, no support days) counts for runs
    assert service.check(start, service.rota.turn.start(FIRST + weeks * WEEK, tz)) == []
    return result


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    size=st.integers(6, 8),
    weeks=st.integers(2, 6),
    most=st.integers(1, 2),
    same_day=st.booleans(),
    rest=st.integers(0, 2),
    away=st.tuples(st.sampled_from(NAMES[:6]), st.integers(0, 20), st.integers(0, 6)),
)
def test_whatever_the_generator_writes_keeps_every_rule_check_knows(
    tmp_path_factory: pytest.TempPathFactory,
    cache_dir: Path,
    size: int,
    weeks: int,
    most: int,
    same_day: bool,
    rest: int,
    away: tuple[str, int, int],
) -> None:
    who, offset, length = away
    leave = [
        {
            "engineer": who,
            "from": str(FIRST + timedelta(days=offset)),
            "to": str(FIRST + timedelta(days=offset + length)),
        }
    ]
    fatigue = {
        "max-weeks-running": most,
        "support-on-call-same-day": same_day,
        "rest-after-weekend-days": rest,
    }
    folder = tmp_path_factory.mktemp("rota")
    if size == 6:  # six people with leave can be too few: then it must say so and write nothing
        try:
            generate_and_check(folder, cache_dir, document(size, fatigue, leave), weeks)
        except RotaInfeasibleError as exc:
            message = str(exc)
        else:
            return
        assert "nothing was written" in message
        assert (folder / "opsdesk.yaml").read_text(encoding="utf-8") == json.dumps(
            document(size, fatigue, leave)
        )
        return
    generate_and_check(folder, cache_dir, document(size, fatigue, leave), weeks)


def test_the_fatigue_defaults_hold_and_spreads_stay_at_one(tmp_path: Path, cache_dir: Path) -> None:
    result = generate_and_check(tmp_path, cache_dir, document(8, {}, []), 12)
    plan = result.plan
    weeks = sorted(plan.weeks)
    for week, following in pairwise(weeks):
        assert not set(plan.weeks[week]) & set(plan.weeks[following])  # never on call two weeks running
    for day, engineer in plan.support.items():
        turn = day - timedelta(days=day.weekday())
        assert engineer not in plan.weeks[turn]
        if day.weekday() == 0 and turn - WEEK in plan.weeks:
            assert engineer not in plan.weeks[turn - WEEK]  # a day's rest after a weekend on call
    for measure in ("primary turns", "secondary turns", "support days"):
        fewest, most = result.spreads[measure]
        assert most - fewest <= 1, measure
    assert all("weekend" in measure for measure in result.spread_notes)


def test_a_wider_spread_says_why(tmp_path: Path, cache_dir: Path) -> None:
    leave = [{"engineer": "dana", "from": "2027-02-01", "to": "2027-03-28", "note": "eight weeks"}]
    result = generate_and_check(tmp_path, cache_dir, document(8, {}, leave), 8)
    fewest, most = result.spreads["primary turns"]
    assert most - fewest > 1
    assert "dana on leave for 8 turns" in result.spread_notes["primary turns"]


def test_too_few_people_for_the_fatigue_rules_says_which_rule(tmp_path: Path, cache_dir: Path) -> None:
    path = tmp_path / "opsdesk.yaml"
    path.write_text(json.dumps(document(3, {}, [])), encoding="utf-8")
    app = bootstrap(Settings(path, policy_path_explicit=True, cache_dir=cache_dir))
    with pytest.raises(RotaInfeasibleError) as raised:
        app.generate_rota(FIRST, 4)
    message = str(raised.value)
    assert "on-call-weeks-running: weeks of 2027-02-01 to 2027-02-08: 4 on-call turns to fill" in message
    assert "rota.fatigue.max-weeks-running" in message


def test_a_published_support_day_on_an_on_call_day_moves_and_says_why(
    tmp_path: Path, cache_dir: Path
) -> None:
    doc = document(8, {}, [])
    doc["rota"]["on-call"].append({"week": "2027-02-01", "primary": "dana", "secondary": "eve"})
    doc["rota"]["support"] = [{"date": "2027-02-03", "engineer": "eve"}]
    result = generate_and_check(tmp_path, cache_dir, doc, 2)
    reasons = [(str(c.week_or_day), c.role, c.reason) for c in result.changes]
    assert reasons in (  # one change either way; which one is the solver's choice
        [("2027-02-03", "support", "eve is on call that day")],
        [("2027-02-01", "secondary", "eve keeps the support duty on 2027-02-03")],
    )
