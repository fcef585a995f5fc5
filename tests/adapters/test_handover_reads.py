"""What a briefing is made from, read by the handover store: the fake and the SQL store on SQLite and
PostgreSQL count a day's alarms (a storm among them), list the pages and how long each waited, and pick
the incidents and change requests a stretch names, alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event

from opsdesk.adapters.db.unit_of_work import SqlUnitOfWork
from opsdesk.domain.changes.model import ChangeState
from opsdesk.domain.changes.window import ChangeWindow
from opsdesk.domain.handover.model import AlarmCount, PageLine
from opsdesk.domain.hours import Cover
from opsdesk.domain.incidents.model import Alarm, Incident, IncidentState
from opsdesk.domain.incidents.timeline import ALERT, ALERT_JOINED
from opsdesk.domain.timeline import Source, TimelineEntry
from opsdesk.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

NOW = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
H, M = timedelta(hours=1), timedelta(minutes=1)


def opened(uow: UnitOfWork, key: str, at: datetime, service: str = "platform", **changes: Any) -> Incident:
    incident, new = uow.incidents.open_or_join(Alarm(service, key, f"{key} on {service}"), Cover.ON_CALL, at)
    assert new
    return uow.incidents.update(incident.id, changes) if changes else incident


def alerts(uow: UnitOfWork, key: str, count: int, at: datetime, service: str = "platform") -> None:
    """`count` alerts joining the open incident (as the intake's batch join does in a storm)."""
    for first in range(0, count, 1000):
        joins = [
            (
                Alarm(service, key, f"{key} ({n})"),
                TimelineEntry(at, "events", Source.ALARM, ALERT, f"{ALERT_JOINED}{key} ({n})"),
            )
            for n in range(first, min(count, first + 1000))
        ]
        assert all(uow.incidents.join_open(joins))


def test_a_days_alarms_are_counted_per_service_busiest_first(units: UnitOfWorkFactory) -> None:
    start = NOW - DAY
    with units() as uow:
        opened(uow, "disk-full", NOW - 2 * H)
        alerts(uow, "disk-full", 2500, NOW - 90 * M)  # a storm: 2,501 alarms on one key
        cpu = opened(uow, "cpu", NOW - 3 * H)
        alerts(uow, "cpu", 2, NOW - 3 * H)
        uow.incidents.update(cpu.id, {"state": IncidentState.RESOLVED})  # still counted
        opened(uow, "cpu", NOW - 30 * M)  # the same key again: two more
        alerts(uow, "cpu", 1, NOW - 20 * M)
        opened(uow, "mem", start - M)  # opened the day before: only its alerts of the day count
        alerts(uow, "mem", 1, start - timedelta(microseconds=1))
        alerts(uow, "mem", 3, start)  # [start, end): the start counts
        alerts(uow, "mem", 2, NOW)  # the end does not
        opened(uow, "timeout", NOW - 5 * H, "payments")
        alerts(uow, "timeout", 5, NOW - 4 * H, "payments")
        opened(uow, "x", NOW - 4 * H, "payments")
        opened(uow, "y", NOW - 4 * H, "payments")
        opened(uow, "q", NOW, "search")  # after the day
        uow.commit()
    with units() as uow:
        assert uow.handovers.alarm_counts(start, NOW, top=2) == [
            AlarmCount("platform", 2501 + 5 + 3, (("disk-full", 2501), ("cpu", 5))),
            AlarmCount("payments", 8, (("timeout", 6), ("x", 1))),  # ties by name
        ]
        assert uow.handovers.alarm_counts(start, NOW, top=0) == [
            AlarmCount("platform", 2509),
            AlarmCount("payments", 8),
        ]
        assert uow.handovers.alarm_counts(start, NOW)[0].noisiest == (
            ("disk-full", 2501),
            ("cpu", 5),
            ("mem", 3),
        )
        assert uow.handovers.alarm_counts(NOW, NOW + H) == [
            AlarmCount("platform", 2, (("mem", 2),)),
            AlarmCount("search", 1, (("q", 1),)),
        ]
        assert uow.handovers.alarm_counts(NOW - 10 * DAY, start - DAY) == []


def paged(uow: UnitOfWork, incident: Incident, engineer: str, role: str, at: datetime) -> None:
    data = {"engineer": engineer, "role": role, "cycle": 1, "step": 1 if role == "primary" else 2}
    uow.incidents.entry(
        incident.id, TimelineEntry(at, "opsdesk", Source.SYSTEM, "paged", f"paged {engineer}", data)
    )


def test_pages_are_listed_oldest_first_with_how_long_each_waited(units: UnitOfWorkFactory) -> None:
    start = NOW - 16 * H
    with units() as uow:
        answered = opened(uow, "disk", NOW - 6 * H)
        ignored = opened(uow, "cpu", NOW - 6 * H)
        before = opened(uow, "old", start - H)
        paged(uow, before, "chen", "primary", start - timedelta(microseconds=1))  # before the stretch
        paged(uow, answered, "alice", "primary", NOW - 6 * H)
        paged(uow, answered, "bilal", "secondary", NOW - 5 * H - 50 * M)
        uow.incidents.update(
            answered.id,
            {
                "state": IncidentState.ACKNOWLEDGED,
                "acknowledged_at": NOW - 5 * H - 45 * M,
                "acknowledged_by": "bilal",
            },
        )
        paged(uow, answered, "dana", "final", NOW - 5 * H)  # after the acknowledgement: waited for none
        paged(uow, ignored, "alice", "primary", NOW - 5 * H - 55 * M)  # written last, listed by time
        paged(uow, ignored, "alice", "primary", NOW)  # the end is left out
        uow.incidents.entry(answered.id, TimelineEntry(NOW - H, "alice", Source.CLI, "note", "not a page"))
        uow.commit()
    with units() as uow:
        assert uow.handovers.pages_between(start, NOW) == [
            PageLine(answered.id, "alice", "primary", NOW - 6 * H, timedelta(minutes=15)),
            PageLine(ignored.id, "alice", "primary", NOW - 5 * H - 55 * M, None),
            PageLine(answered.id, "bilal", "secondary", NOW - 5 * H - 50 * M, timedelta(minutes=5)),
            PageLine(answered.id, "dana", "final", NOW - 5 * H, None),
        ]
        assert uow.handovers.pages_between(NOW - H, NOW) == []


def test_a_stretch_names_incidents_opened_or_resolved_in_it_and_every_deferred_one(
    units: UnitOfWorkFactory,
) -> None:
    start = NOW - 16 * H
    resolved = {"state": IncidentState.RESOLVED}
    with units() as uow:
        still_open = opened(uow, "a", start)
        resolved_in = opened(uow, "b", start - DAY, **resolved, resolved_at=NOW - timedelta(microseconds=1))
        deferred = opened(uow, "c", start - 7 * DAY, state=IncidentState.DEFERRED, deferred_at=start - DAY)
        opened(uow, "d", start - DAY, **resolved, resolved_at=start - M)  # all before the stretch
        acknowledged = opened(uow, "e", start - DAY, state=IncidentState.ACKNOWLEDGED)  # open, not new
        later = opened(uow, "f", NOW)
        both = opened(uow, "g", start + H, **resolved, resolved_at=start + 2 * H)
        opened(uow, "h", start - H, **resolved, resolved_at=NOW)  # resolved as the stretch ended
        uow.commit()
    with units() as uow:
        stretch = uow.handovers.stretch_incidents(start, NOW)
        assert [i.id for i in stretch] == [still_open.id, resolved_in.id, deferred.id, both.id]
        assert stretch[1] == resolved_in
        assert [i.id for i in uow.handovers.stretch_incidents(start, NOW, limit=2)] == [
            still_open.id,
            resolved_in.id,
        ]
        every = [still_open.id, deferred.id, acknowledged.id, later.id]
        assert [i.id for i in uow.handovers.open_incidents()] == every
        assert [i.id for i in uow.handovers.open_incidents(limit=1)] == every[:1]
        assert uow.handovers.open_incidents()[1] == deferred


def test_a_briefing_names_the_change_requests_that_matter_to_its_stretch(units: UnitOfWorkFactory) -> None:
    start, end = NOW - 16 * H, NOW

    def change(
        uow: UnitOfWork, state: ChangeState, window: tuple[datetime, datetime] | None = None, **extra: Any
    ) -> int:
        return uow.changes.create(
            {
                "title": f"{state} change",
                "body": "### Change Details\n\nx",
                "requester": "payments",
                "state": state,
                "submitted_at": start - 3 * DAY,
                "window": ChangeWindow(*window) if window else None,
                "problems": (),
                "repository": None,
                "issue": None,
                **extra,
            }
        ).id

    with units() as uow:
        named = [
            change(uow, ChangeState.SUBMITTED),
            change(uow, ChangeState.UNDER_REVIEW),
            change(uow, ChangeState.APPROVED, (NOW + DAY, NOW + DAY + H)),
            change(uow, ChangeState.IN_PROGRESS, (start - H, start + M)),
            change(
                uow,
                ChangeState.COMPLETED,
                (start - DAY, start - DAY + H),
                finished_at=start - DAY,
                monitoring_until=start + M,
            ),
            change(uow, ChangeState.ROLLED_BACK, (start, start + H), finished_at=end - M),
        ]
        change(uow, ChangeState.NEEDS_INFO)  # waits for its requester, not a review
        change(uow, ChangeState.APPROVED, (start - 2 * H, start))  # over as the stretch began
        change(
            uow,
            ChangeState.COMPLETED,
            (start - DAY, start - DAY + H),
            finished_at=start - DAY,
            monitoring_until=start,
        )
        change(uow, ChangeState.COMPLETED, (end, end + H), finished_at=end)  # finished after the stretch
        change(uow, ChangeState.REJECTED, (NOW + DAY, NOW + DAY + H))
        change(uow, ChangeState.CANCELLED, (NOW + DAY, NOW + DAY + H))
        uow.commit()
    with units() as uow:
        found = uow.handovers.changes_for(start, end)
        assert [c.id for c in found] == named
        assert found[4] == uow.changes.get(named[4])
        assert [c.id for c in uow.handovers.changes_for(start, end, limit=3)] == named[:3]


def test_alarm_counts_and_pages_read_their_own_index(db: Engine) -> None:
    """Each read walks its partial index of entries by time, never the table (a storm's alerts), so a day
    of hundreds of thousands of alerts is counted without reading them (the index holds the incident)."""
    statements: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        statements.append((statement, parameters))

    event.listen(db, "before_cursor_execute", keep)
    with SqlUnitOfWork(db) as uow:
        uow.handovers.alarm_counts(NOW - DAY, NOW)
        alarms = statements[-1]
        uow.handovers.pages_between(NOW - DAY, NOW)
        pages = statements[-1]
    event.remove(db, "before_cursor_execute", keep)
    assert "ix_incident_entries_alerts_at" in plan(db, *alarms)
    assert "ix_incident_entries_pages_at" in plan(db, *pages)


def plan(db: Engine, statement: str, parameters: Any) -> str:
    """The query plan the database chooses (PostgreSQL told a table scan is dear, as it is in a storm)."""
    with db.connect() as connection:
        raw: Any = connection.connection.driver_connection
        cursor = raw.cursor()
        if db.dialect.name == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {statement}", parameters)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
        found = "\n".join(str(row) for row in cursor.fetchall())
        cursor.close()
        connection.rollback()
    return found
