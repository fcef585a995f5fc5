"""Stories of an escalation's final tier on a virtual clock: after the last cycle the duty manager (or
the engineers the policy names) is paged, once; a page held for cover says whom it will page."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from opsdesk.domain.jobs import JobState
from opsdesk.services.incidents.context import END_JOB
from tests.builders import utc
from tests.incident_world import ENGINEER, ENGINEERS, World, policy_document

MINUTE = timedelta(minutes=1)
START = utc("2026-12-01 16:00")  # Tuesday 1 December 2026, 16:00 GMT: on-call hours; alice is primary
MANAGERS = [
    {"id": "erin", "name": "Erin", "email": "erin@example.org", "slack": "UERIN", "manager": True},
    {"id": "femi", "name": "Femi", "email": "femi@example.org", "manager": True, "on-call": False},
]


def world(
    final: Any,
    *,
    db: Engine | None = None,
    cache_dir: Path,
    start: str = "2026-12-01 16:00",
    managers: list[dict[str, Any]] = MANAGERS[:1],
    **extra: Any,
) -> World:
    services = [
        {
            "id": "platform",
            "name": "Platform",
            "channel": "#platform-alerts",
            "escalation": {"cycles": 2, "final": final},
        }
    ]
    document = policy_document(date(2026, 11, 30), services=services, engineers=ENGINEERS + managers, **extra)
    return World(db, cache_dir, utc(start), document)


def page_keys(w: World) -> list[tuple[str, str]]:
    return [
        (r.message.destination, r.message.idempotency_key)
        for r in w.outbox()
        if r.message.idempotency_key.startswith("page:")
    ]


@pytest.mark.parametrize("storage", ["memory", "sqlite_db", "pg_db"])
def test_a_primary_who_never_acknowledges_ends_with_the_manager_paged_once(
    storage: str, request: pytest.FixtureRequest, cache_dir: Path
) -> None:
    db = None if storage == "memory" else request.getfixturevalue(storage)
    w = world("manager", db=db, cache_dir=cache_dir)
    incident = w.alarm()
    w.run_until(utc("2026-12-02 06:00"))
    assert w.paged(incident.id) == [
        ("alice", "primary", START),
        ("bilal", "secondary", START + 20 * MINUTE),
        ("alice", "primary", START + 30 * MINUTE),
        ("bilal", "secondary", START + 50 * MINUTE),
        ("erin", "manager", START + 60 * MINUTE),  # after the last cycle, instead of just stopping
    ]
    ended = w.timeline(incident.id)[-1]
    assert (ended.kind, ended.at) == ("escalation-ended", START + 60 * MINUTE)
    assert ended.message == (
        "escalation ended: 2 cycles paged and nobody acknowledged; the final tier was paged: erin (manager); "
        "opsdesk pages no more"
    )
    assert w.posts()[-1] == ("#platform-alerts", f"#{incident.id}: {ended.message}")
    assert [d for d, k in page_keys(w) if k.startswith(f"page:{incident.id}:c3")] == [
        "UERIN",
        "erin@example.org",
    ]
    # The job delivered again (a worker that died before marking it done): nothing is paged or said twice.
    (end_job,) = [j for j in w.jobs.jobs(JobState.DONE, limit=1000) if j.kind == END_JOB]
    before = (page_keys(w), w.kinds(incident.id), w.posts())
    w.incidents.run_job(end_job)
    assert (page_keys(w), w.kinds(incident.id), w.posts()) == before


def test_several_managers_are_all_paged(cache_dir: Path) -> None:
    w = world("manager", cache_dir=cache_dir, managers=MANAGERS)
    incident = w.alarm()
    w.run_until(utc("2026-12-01 18:00"))
    assert w.paged(incident.id)[-2:] == [
        ("erin", "manager", START + 60 * MINUTE),
        ("femi", "manager", START + 60 * MINUTE),  # not on the on-call rota: paged all the same
    ]
    assert (
        "the final tier was paged: erin (manager) and femi (manager)" in w.timeline(incident.id)[-1].message
    )


def test_a_person_as_the_final_tier(cache_dir: Path) -> None:
    w = world(["dana"], cache_dir=cache_dir)
    incident = w.alarm()
    w.run_until(utc("2026-12-01 18:00"))
    assert w.paged(incident.id)[-1] == ("dana", "final", START + 60 * MINUTE)
    paged = [e for e in w.timeline(incident.id) if e.kind == "paged"][-1]
    assert paged.message == "paged dana (final), the final tier: 2 cycles paged and nobody acknowledged"


def test_acknowledged_in_time_the_manager_is_never_paged(cache_dir: Path) -> None:
    w = world("manager", cache_dir=cache_dir)
    incident = w.alarm()
    w.advance(55 * MINUTE)
    w.incidents.acknowledge(incident.id, ENGINEER)
    w.run_until(utc("2026-12-01 20:00"))
    assert [who for who, _, _ in w.paged(incident.id)] == ["alice", "bilal", "alice", "bilal"]
    assert "escalation-ended" not in w.kinds(incident.id)


def test_with_nobody_on_call_the_final_tier_is_paged_at_once(cache_dir: Path) -> None:
    leave = [{"engineer": name, "from": "2026-12-01", "to": "2026-12-01"} for name in ("alice", "bilal")]
    w = world("manager", cache_dir=cache_dir, leave=leave)
    incident = w.alarm()
    assert w.paged(incident.id) == [("erin", "manager", START)]
    assert w.posts()[0][1].endswith(
        "On-call hours: the final tier, erin (manager), is paged now, as alice (primary) is on leave and "
        "bilal (secondary) is on leave."
    )
    assert w.timeline(incident.id)[-1].message == (
        "escalation ended: nobody holds any role of the escalation now; the final tier was paged: erin "
        "(manager); opsdesk pages no more"
    )


def test_held_at_23_30_names_who_is_paged_at_07_00(cache_dir: Path) -> None:
    w = world("manager", cache_dir=cache_dir, start="2026-12-01 23:30")
    incident = w.alarm()
    held = w.timeline(incident.id)[-1]
    assert (
        held.message
        == "held for cover: alice (primary) is paged at Wed 02 Dec 07:00 unless it is resolved first"
    )
    assert held.data == {"page_at": "2026-12-02T07:00:00+00:00", "engineers": ["alice"], "role": "primary"}
    found = w.incidents.held_page(w.incidents.incident(incident.id))
    assert found is not None
    assert (found.at, found.engineers, found.role) == (utc("2026-12-02 07:00"), ("alice",), "primary")
    w.run_until(utc("2026-12-02 07:00"))
    assert w.paged(incident.id) == [("alice", "primary", utc("2026-12-02 07:00"))]
    assert w.incidents.held_page(w.incidents.incident(incident.id)) is None  # paged: nothing is held now


def test_held_with_nobody_on_the_rota_at_07_00_names_the_manager(cache_dir: Path) -> None:
    leave = [{"engineer": name, "from": "2026-12-02", "to": "2026-12-02"} for name in ("alice", "bilal")]
    w = world("manager", cache_dir=cache_dir, start="2026-12-01 23:30", leave=leave)
    incident = w.alarm()
    assert [e.message for e in w.timeline(incident.id)][1:] == [
        "no cover now: the final tier, erin (manager), is paged when cover starts, as alice (primary) is on "
        "leave and bilal (secondary) is on leave then, unless it is resolved first",
        "held for cover: erin (manager) is paged at Wed 02 Dec 07:00 unless it is resolved first",
    ]
    w.run_until(utc("2026-12-02 07:00"))
    assert w.paged(incident.id) == [("erin", "manager", utc("2026-12-02 07:00"))]
