"""Who is on duty: by the cover, across handovers and boundaries, with overrides and leave on top."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from opsdesk.domain.instants import parse_instant
from opsdesk.domain.rota import Role
from opsdesk.services.rota import on_duty_dict
from tests.rota_builders import TEAM, rota_service, team

LONDON = ZoneInfo("Europe/London")


def who(cache_dir: Path, when: str, document: dict[str, object] = TEAM) -> dict[str, object]:
    service = rota_service(document, cache_dir)
    return on_duty_dict(service, service.who(parse_instant(when, LONDON)))


def ids(answer: dict[str, object]) -> tuple[object, ...]:
    def one(role: str) -> object:
        person = answer[role]
        return person["id"] if isinstance(person, dict) else None

    return answer["cover"], one("support"), one("primary"), one("secondary")


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        # Monday 07:00 handover between the weeks of 30 November and 7 December
        ("2026-12-06T21:59:59", ("on-call", None, "alice", "bilal")),
        ("2026-12-07T06:59:59", ("none", None, None, None)),
        ("2026-12-07T07:00", ("on-call", None, "chen", "dana")),
        # the day's boundaries
        ("2026-12-01T08:59:59", ("on-call", None, "alice", "bilal")),
        ("2026-12-01T09:00", ("support", "dana", None, None)),
        ("2026-12-01T15:59:59", ("support", "dana", None, None)),
        ("2026-12-01T16:00", ("on-call", None, "alice", "bilal")),
        ("2026-12-01T21:59:59", ("on-call", None, "alice", "bilal")),
        ("2026-12-01T22:00", ("none", None, None, None)),
    ],
)
def test_who_holds_each_role_by_the_cover(cache_dir: Path, when: str, expected: tuple[object, ...]) -> None:
    assert ids(who(cache_dir, when)) == expected


def test_with_no_cover_it_says_when_cover_resumes_and_with_whom(cache_dir: Path) -> None:
    answer = who(cache_dir, "2026-12-07T06:00")
    nxt = answer["next"]
    assert isinstance(nxt, dict)
    assert nxt["at"] == "2026-12-07T07:00:00+00:00"
    assert ids(nxt) == ("on-call", None, "chen", "dana")
    assert nxt["primary"] == {"id": "chen", "name": "Chen"}


def test_a_bank_holiday_has_on_call_all_day_and_no_support(cache_dir: Path) -> None:
    document = team(
        rota={
            "on-call": [{"week": "2026-12-21", "primary": "dana", "secondary": "alice"}],
            "support": [{"date": "2026-12-25", "engineer": "chen"}],
        }
    )
    assert ids(who(cache_dir, "2026-12-25T10:00", document)) == ("on-call", None, "dana", "alice")
    assert ids(who(cache_dir, "2026-12-24T10:00", document)) == ("support", None, None, None)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2026-03-29T05:59:59Z", ("none", None, None, None)),
        ("2026-03-29T06:00Z", ("on-call", None, "alice", "bilal")),  # 07:00 BST
        ("2026-03-30T05:59:59Z", ("none", None, None, None)),
        ("2026-03-30T06:00Z", ("on-call", None, "chen", "dana")),  # the Monday handover, 07:00 BST
        ("2026-10-25T06:59:59Z", ("none", None, None, None)),
        ("2026-10-25T07:00Z", ("on-call", None, "dana", "chen")),  # 07:00 GMT
        ("2026-10-26T07:00Z", ("on-call", None, "eve", "alice")),
    ],
)
def test_both_dst_sundays(cache_dir: Path, when: str, expected: tuple[object, ...]) -> None:
    document = team(
        rota={
            "on-call": [
                {"week": "2026-03-23", "primary": "alice", "secondary": "bilal"},
                {"week": "2026-03-30", "primary": "chen", "secondary": "dana"},
                {"week": "2026-10-19", "primary": "dana", "secondary": "chen"},
                {"week": "2026-10-26", "primary": "eve", "secondary": "alice"},
            ]
        }
    )
    assert ids(who(cache_dir, when, document)) == expected


def test_an_override_covers_part_of_a_shift(cache_dir: Path) -> None:
    document = team(
        overrides=[
            {
                "role": "primary",
                "engineer": "dana",
                "from": "2026-12-02T18:00",
                "to": "2026-12-02T20:00",
                "reason": "swap with alice",
            }
        ]
    )
    assert ids(who(cache_dir, "2026-12-02T17:59", document))[2] == "alice"
    during = who(cache_dir, "2026-12-02T18:00", document)
    assert ids(during) == ("on-call", None, "dana", "bilal")
    assert during["overrides"] == [
        {
            "role": "primary",
            "engineer": "dana",
            "from": "2026-12-02T18:00:00+00:00",
            "to": "2026-12-02T20:00:00+00:00",
            "reason": "swap with alice",
        }
    ]
    assert ids(who(cache_dir, "2026-12-02T20:00", document))[2] == "alice"


def test_leave_empties_a_role_until_an_override_fills_it(cache_dir: Path) -> None:
    on_leave = team(leave=[{"engineer": "alice", "from": "2026-12-03", "to": "2026-12-04", "note": "sick"}])
    answer = who(cache_dir, "2026-12-03T17:00", on_leave)
    assert ids(answer) == ("on-call", None, None, "bilal")
    assert answer["leave"] == [{"role": "primary", "engineer": "alice", "note": "sick"}]
    covered = {
        **on_leave,
        "overrides": [
            {
                "role": "primary",
                "engineer": "chen",
                "from": "2026-12-03T07:00",
                "to": "2026-12-05T07:00",
                "reason": "cover for alice",
            }
        ],
    }
    assert ids(who(cache_dir, "2026-12-03T17:00", covered)) == ("on-call", None, "chen", "bilal")


def test_the_holding_records_why(cache_dir: Path) -> None:
    service = rota_service(
        team(
            overrides=[
                {"role": "support", "engineer": "alice", "from": "2026-12-01T09:00", "to": "2026-12-01T12:00"}
            ]
        ),
        cache_dir,
    )
    held = service.who(parse_instant("2026-12-01T10:00", LONDON)).holdings[Role.SUPPORT]
    assert (held.engineer, held.assigned) == ("alice", "dana")
    assert service.who().cover.at == parse_instant("2026-12-01T10:00Z", LONDON)  # now, from the clock


def test_until_is_when_the_answer_changes_not_only_the_cover(cache_dir: Path) -> None:
    document = team(
        overrides=[
            {"role": "primary", "engineer": "dana", "from": "2026-12-02T18:00", "to": "2026-12-02T20:00"}
        ]
    )
    before = who(cache_dir, "2026-12-02T17:00", document)
    assert (before["until"], before["cover_until"]) == (
        "2026-12-02T18:00:00+00:00",
        "2026-12-02T22:00:00+00:00",
    )
    during = who(cache_dir, "2026-12-02T18:30", document)
    assert (during["until"], during["cover_until"]) == (
        "2026-12-02T20:00:00+00:00",
        "2026-12-02T22:00:00+00:00",
    )
    after = who(cache_dir, "2026-12-02T20:00", document)
    assert after["until"] == after["cover_until"] == "2026-12-02T22:00:00+00:00"


def test_until_stops_at_a_handover_inside_the_cover(cache_dir: Path) -> None:
    document = team()
    document["rota"]["turn"] = {"starts": "monday", "at": "18:00"}
    document["rota"]["on-call"] = [
        {"week": "2026-11-30", "primary": "alice", "secondary": "bilal"},
        {"week": "2026-12-07", "primary": "chen", "secondary": "dana"},
    ]
    handing = who(cache_dir, "2026-12-07T16:30", document)
    assert ids(handing) == ("on-call", None, "alice", "bilal")
    assert (handing["until"], handing["cover_until"]) == (
        "2026-12-07T18:00:00+00:00",
        "2026-12-07T22:00:00+00:00",
    )
    assert ids(who(cache_dir, "2026-12-07T18:00", document)) == ("on-call", None, "chen", "dana")
