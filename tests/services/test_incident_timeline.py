"""A storm's timeline read a page at a time: newest first, every entry exactly once, the alerts counted."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from opsdesk.adapters.db.tables import IncidentEntryRecord
from opsdesk.domain.errors import IncidentError, UnknownIncidentError
from opsdesk.domain.incidents.timeline import TimelinePage
from tests.builders import utc
from tests.incident_world import ENGINEER, World, policy_document, storm

ALERTS = 12_000


def stormy_world(db: Engine, cache_dir: Path) -> tuple[World, int]:
    """An incident opened at 21:04 with ALERTS alerts joined in batches of 1,000, a minute apart, then
    acknowledged, with notes."""
    w = World(db, cache_dir, utc("2026-12-01 21:04"), policy_document(date(2026, 11, 30)))
    incident = w.alarm("disk-full", "Disk full on db-1")
    storm(db, "disk-full", ALERTS, utc("2026-12-01 21:05"))
    w.clock.instant = utc("2026-12-01 21:30")
    w.incidents.acknowledge(incident.id, ENGINEER)
    for n in range(3):
        w.incidents.note(incident.id, ENGINEER, f"note {n}")
    return w, incident.id


def stored_ids(db: Engine, incident_id: int, *, alerts: bool = True) -> list[int]:
    query = select(IncidentEntryRecord.id).where(IncidentEntryRecord.incident_id == incident_id)
    if not alerts:
        query = query.where(IncidentEntryRecord.kind != "alert")
    with db.connect() as connection:
        return sorted(connection.scalars(query), reverse=True)


def walk(w: World, incident_id: int, limit: int, *, alerts: bool) -> list[TimelinePage]:
    pages = [w.incidents.timeline(incident_id, limit=limit, alerts=alerts)]
    while pages[-1].next is not None:
        pages.append(w.incidents.timeline(incident_id, limit=limit, before=pages[-1].next, alerts=alerts))
    return pages


def test_the_cursor_walks_every_entry_once_newest_first(db: Engine, cache_dir: Path) -> None:
    w, number = stormy_world(db, cache_dir)
    everything = stored_ids(db, number)
    assert len(everything) > ALERTS
    pages = walk(w, number, 700, alerts=True)
    walked = [e.id for page in pages for e in page.entries]
    assert walked == everything  # newest first, each once, none left out
    assert [p.older for p in pages] == [len(everything) - 700 * (i + 1) for i in range(len(pages) - 1)] + [0]
    assert pages[-1].entries[-1].kind == "triggered"
    # The whole timeline oldest first, as `incident show --all` reads it.
    assert [e.id for e in w.incidents.walk_timeline(number)] == everything[::-1]


def test_alerts_are_left_out_of_a_page_and_counted_exactly(db: Engine, cache_dir: Path) -> None:
    w, number = stormy_world(db, cache_dir)
    first = w.incidents.timeline(number, limit=4)
    assert [e.message for e in first.entries] == ["note 2", "note 1", "note 0", "acknowledged by alice"]
    others = stored_ids(db, number, alerts=False)
    assert first.older == len(others) - 4
    walked = [e.id for page in walk(w, number, 4, alerts=False) for e in page.entries]
    assert walked == others
    summary = first.alerts
    assert summary is not None
    assert summary.count == ALERTS == len(stored_ids(db, number)) - len(others)  # each alert, once
    assert (summary.first_at, summary.last_at) == (utc("2026-12-01 21:05"), utc("2026-12-01 21:16"))
    assert summary.first == "another alert joined: Disk full on db-1 (0) (alert 2)"
    assert summary.last == f"another alert joined: Disk full on db-1 ({ALERTS - 1}) (alert {ALERTS + 1})"
    assert summary.text(w.incidents.rota.engine.timezone) == (
        "12,000 more alerts joined between 21:05 and 21:16 "
        "(first: Disk full on db-1 (0) (alert 2), last: Disk full on db-1 (11999) (alert 12001))"
    )


def test_a_quiet_incident_is_one_page_without_a_summary(db: Engine, cache_dir: Path) -> None:
    w = World(db, cache_dir, utc("2026-12-01 21:04"), policy_document(date(2026, 11, 30)))
    incident = w.alarm()
    page = w.incidents.timeline(incident.id)
    assert [e.kind for e in page.entries] == ["paged", "routed", "triggered"]
    assert (page.older, page.next, page.alerts) == (0, None, None)
    w.alarm()  # joins: one alert entry
    page = w.incidents.timeline(incident.id)
    assert page.alerts is not None
    assert page.alerts.text(w.incidents.rota.engine.timezone) == (
        "1 more alert joined at 21:04: Disk full on db-1 (alert 2)"
    )
    w.clock.instant += timedelta(days=1)
    w.alarm()
    later = w.incidents.timeline(incident.id, alerts=True)
    assert later.alerts is not None
    assert later.alerts.text(w.incidents.rota.engine.timezone).startswith(
        "2 more alerts joined between 01 Dec 21:04 and 02 Dec 21:04 (first:"
    )
    assert [e.kind for e in later.entries] == ["alert", "alert", "paged", "routed", "triggered"]


@pytest.mark.parametrize(
    ("limit", "before", "said"),
    [
        (0, None, "a timeline page holds 1 to 1000 entries, not 0; give a limit in that range"),
        (1001, None, "a timeline page holds 1 to 1000 entries, not 1001"),
        (10, 0, "'before' is the id of a timeline entry (1 or more), not 0; take it from `next`"),
    ],
)
def test_a_page_out_of_range_says_what_to_give(
    db: Engine, cache_dir: Path, limit: int, before: int | None, said: str
) -> None:
    w = World(db, cache_dir, utc("2026-12-01 21:04"), policy_document(date(2026, 11, 30)))
    incident = w.alarm()
    with pytest.raises(IncidentError) as caught:
        w.incidents.timeline(incident.id, limit=limit, before=before)
    assert said in str(caught.value)
    with pytest.raises(UnknownIncidentError, match="no incident #99"):
        w.incidents.timeline(99)
