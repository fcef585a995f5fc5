"""Every rule of `rota check`, with and without the overrides and leave that fix or cause it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from opsdesk.bootstrap import bootstrap
from opsdesk.config.settings import Settings
from opsdesk.domain.errors import PolicyError
from opsdesk.services.rota import violation_dict
from tests.rota_builders import TEAM, rota_service, team


def check(cache_dir: Path, document: dict[str, Any]) -> list[dict[str, object]]:
    service = rota_service(document, cache_dir)
    return [violation_dict(v, service) for v in service.check()]


def summary(found: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [
        (v["code"], v["role"], tuple(v["people"]), str(v["start"])[:16], str(v["end"])[:16]) for v in found
    ]


def weeks(*pairs: tuple[str, str | None, str | None]) -> dict[str, Any]:
    return {"on-call": [{"week": w, "primary": p, "secondary": s} for w, p, s in pairs]}


def test_the_team_rota_keeps_every_rule(cache_dir: Path) -> None:
    assert check(cache_dir, TEAM) == []


def test_gap_a_turn_nobody_holds_and_a_working_day_without_support(cache_dir: Path) -> None:
    document = team(
        rota={**weeks(("2026-11-30", "alice", None)), "support": [{"date": "2026-12-01", "engineer": "dana"}]}
    )
    found = summary(check(cache_dir, document))
    # one line for the whole stretch, not one per cover window (twelve in a week)
    secondary_gaps = [f[3:] for f in found if f[0] == "gap" and f[1] == "secondary"]
    assert secondary_gaps == [("2026-11-30T07:00", "2026-12-06T22:00")]
    support_gaps = [f[3:] for f in found if f[0] == "gap" and f[1] == "support"]
    assert support_gaps == [
        ("2026-11-30T09:00", "2026-11-30T16:00"),
        ("2026-12-02T09:00", "2026-12-04T16:00"),
    ]


def test_same_person_both_roles(cache_dir: Path) -> None:
    document = team(rota=weeks(("2026-11-30", "alice", "alice")))
    found = {f[0] for f in summary(check(cache_dir, document))}
    assert "same-person-both-roles" in found
    swapped = {
        **document,
        "overrides": [
            {"role": "secondary", "engineer": "bilal", "from": "2026-11-30T07:00", "to": "2026-12-07T07:00"}
        ],
    }
    assert "same-person-both-roles" not in {f[0] for f in summary(check(cache_dir, swapped))}


def test_on_leave_unless_an_override_covers_it(cache_dir: Path) -> None:
    on_leave = team(
        leave=[{"engineer": "bilal", "from": "2026-12-05", "to": "2026-12-05", "note": "wedding"}]
    )
    found = [f for f in summary(check(cache_dir, on_leave)) if f[0] == "on-leave"]
    assert found == [("on-leave", "secondary", ("bilal",), "2026-12-05T07:00", "2026-12-05T22:00")]
    covered = {
        **on_leave,
        "overrides": [
            {
                "role": "secondary",
                "engineer": "dana",
                "from": "2026-12-05T00:00",
                "to": "2026-12-06T00:00",
                "reason": "cover",
            }
        ],
    }
    assert check(cache_dir, covered) == []


def test_not_opted_in(cache_dir: Path) -> None:
    document = team(
        rota={
            **weeks(("2026-11-30", "omar", "bilal")),
            "support": [{"date": "2026-12-01", "engineer": "omar"}],
        }
    )
    found = {(f[0], f[1], f[2]) for f in summary(check(cache_dir, document))}
    assert ("not-opted-in", "primary", ("omar",)) in found
    assert ("not-opted-in", "support", ("omar",)) in found


def test_a_newcomer_needs_an_experienced_secondary(cache_dir: Path) -> None:
    document = team(
        rota=weeks(("2026-11-30", "eve", "eve")),
        engineers=[
            *TEAM["engineers"],
            {"id": "zoe", "name": "Zoe", "email": "zoe@example.org", "experienced": False},
        ],
    )
    document["rota"] = weeks(("2026-11-30", "eve", "zoe"))
    found = [
        f for f in summary(check(cache_dir, document)) if f[0] == "newcomer-without-experienced-secondary"
    ]
    assert found[0][:3] == ("newcomer-without-experienced-secondary", "secondary", ("eve", "zoe"))
    fixed = {
        **document,
        "overrides": [
            {"role": "secondary", "engineer": "alice", "from": "2026-11-30T07:00", "to": "2026-12-07T07:00"}
        ],
    }
    assert not [
        f for f in summary(check(cache_dir, fixed)) if f[0] == "newcomer-without-experienced-secondary"
    ]


def test_support_days_over_the_sprint_limit(cache_dir: Path) -> None:
    days = ["2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10"]  # one sprint: 2026-12-07 to 2026-12-20
    document = team(rota={"support": [{"date": d, "engineer": "chen"} for d in days]})
    found = [f for f in summary(check(cache_dir, document)) if f[0] == "support-days-over-limit"]
    assert found == [
        ("support-days-over-limit", "support", ("chen",), "2026-12-07T00:00", "2026-12-21T00:00")
    ]
    three = team(rota={"support": [{"date": d, "engineer": "chen"} for d in days[:3]]})
    assert not [f for f in summary(check(cache_dir, three)) if f[0] == "support-days-over-limit"]


def test_unknown_engineer(cache_dir: Path) -> None:
    document = team(rota=weeks(("2026-11-30", "alice", "zed")))
    found = [v for v in check(cache_dir, document) if v["code"] == "unknown-engineer"]
    assert [(v["people"], v["start"]) for v in found] == [(["zed"], "2026-11-30T07:00:00+00:00")]
    assert "'zed', who is not in engineers" in str(found[0]["message"])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {
                "leave": [
                    {"engineer": "alice", "from": "2026-12-01", "to": "2026-12-05"},
                    {"engineer": "alice", "from": "2026-12-04", "to": "2026-12-08"},
                ]
            },
            "leave[1]: overlaps leave[0] of alice (2026-12-01 to 2026-12-05); merge the two entries",
        ),
        (
            {
                "overrides": [
                    {
                        "role": "primary",
                        "engineer": "dana",
                        "from": "2026-12-02T10:00",
                        "to": "2026-12-02T15:00",
                    }
                ]
            },
            "overrides[0]: primary from 2026-12-02 10:00 to 2026-12-02 15:00 holds no on-call hours",
        ),
        (
            {"rota": weeks(("2026-12-01", "alice", "bilal"))},
            "rota.on-call[0].week: 2026-12-01 is a tuesday; turns start on monday",
        ),
        (
            {"engineers": [*TEAM["engineers"], {"id": "alice", "name": "A2", "email": "a2@example.org"}]},
            "engineers[6].id: 'alice' is already engineers[0]",
        ),
        (
            {
                "overrides": [
                    {
                        "role": "primary",
                        "engineer": "dana",
                        "from": "2027-03-28T01:30",
                        "to": "2027-03-28T09:00",
                    }
                ]
            },
            "overrides[0].from: got '2027-03-28T01:30': this wall-clock time does not exist",
        ),
    ],
)
def test_bad_rota_input_is_a_clear_error(
    cache_dir: Path, tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    path = tmp_path / "opsdesk.yaml"
    path.write_text(json.dumps(team(**changes)), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        bootstrap(Settings(path, policy_path_explicit=True, cache_dir=cache_dir)).rota  # noqa: B018
    assert message in str(caught.value)
