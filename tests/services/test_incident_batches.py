"""Alarm storms: many triggers joined in batches (one transaction each), counted once each, in order."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from opsdesk.domain.incidents.model import Alarm
from opsdesk.entrypoints.api.batching import JoinBatcher
from tests.builders import utc
from tests.incident_world import ALARM, World, policy_document


def storm_world(db: Engine, cache_dir: Path) -> World:
    return World(db, cache_dir, utc("2026-12-01 16:00"), policy_document(date(2026, 11, 30)))


def test_a_batch_joins_open_incidents_and_leaves_the_rest(db: Engine, cache_dir: Path) -> None:
    w = storm_world(db, cache_dir)
    a, b = w.alarm("a"), w.alarm("b")
    batch = [
        (Alarm("platform", "b", "B again"), ALARM),
        (Alarm("platform", "a", "A again"), ALARM),
        (Alarm("platform", "new", "Not open"), ALARM),
        (Alarm("nowhere", "a", "Unknown service"), ALARM),
        (Alarm("platform", "a", "A a third time"), ALARM),
    ]
    found = w.incidents.join(batch)
    assert [o.incident.id if o else None for o in found] == [b.id, a.id, None, None, a.id]
    assert w.incidents.incident(a.id).alert_count == 3
    alerts = [e.message for e in w.timeline(a.id) if e.kind == "alert"]
    assert alerts == [
        "another alert joined: A again (alert 2)",
        "another alert joined: A a third time (alert 3)",
    ]
    assert len(w.incidents.incidents()) == 2  # nothing opened by a batch


def test_a_storm_through_the_batcher_counts_every_event_once(db: Engine, cache_dir: Path) -> None:
    w = storm_world(db, cache_dir)
    batcher = JoinBatcher(lambda: w.incidents)

    async def storm() -> list[int]:
        calls = [batcher.trigger(Alarm("platform", f"key-{n % 10}", f"event {n}"), ALARM) for n in range(300)]
        return [outcome.incident.id for outcome in await asyncio.gather(*calls)]

    ids = asyncio.run(storm())
    incidents = w.incidents.incidents()
    assert len(incidents) == 10
    assert Counter(ids) == {i.id: 30 for i in incidents}
    assert sorted(i.alert_count for i in incidents) == [30] * 10
    for incident in incidents:
        numbers = [
            e.message.rsplit("(alert ", 1)[1].rstrip(")")
            for e in w.timeline(incident.id)
            if e.kind == "alert"
        ]
        assert numbers == [str(n) for n in range(2, 31)]
        assert len(w.paged(incident.id)) == 1


def test_one_bad_event_in_a_batch_fails_only_itself(db: Engine, cache_dir: Path) -> None:
    w = storm_world(db, cache_dir)
    w.alarm("good")
    batcher = JoinBatcher(lambda: w.incidents)

    async def storm() -> list[object]:
        calls = [
            batcher.trigger(Alarm("platform", "good", "a\ud800b" if n % 10 == 3 else f"event {n}"), ALARM)
            for n in range(40)
        ]
        return await asyncio.gather(*calls, return_exceptions=True)

    results = asyncio.run(storm())
    failed = [r for r in results if isinstance(r, Exception)]
    assert len(failed) == 4
    assert all(isinstance(r, UnicodeEncodeError) for r in failed)
    (incident,) = w.incidents.incidents()
    assert incident.alert_count == 1 + 36
