"""One contract for the unit of work and its stores, run against the in-memory fake (what the service tests
use) and the SQL stores on SQLite and PostgreSQL: whatever the services rely on, all three do alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opsdesk.domain.changes.checklist import Tick
from opsdesk.domain.changes.model import ChangeState, Code, Problem, Severity
from opsdesk.domain.changes.window import ChangeWindow
from opsdesk.domain.hours import Cover
from opsdesk.domain.incidents.model import Alarm, IncidentState, Priority
from opsdesk.domain.incidents.timeline import ALERT
from opsdesk.domain.outbox import OutgoingMessage
from opsdesk.domain.timeline import Source, TimelineEntry
from opsdesk.services.unit_of_work import UnitOfWorkFactory

NOW = datetime(2026, 12, 1, 21, 0, tzinfo=UTC)


def entry(kind: str, message: str, at: datetime = NOW) -> TimelineEntry:
    return TimelineEntry(at, "alice", Source.CLI, kind, message, {"n": 1})


def test_an_alarm_opens_an_incident_and_the_next_joins_it(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        opened, new = uow.incidents.open_or_join(Alarm("platform", "disk", "Disk full"), Cover.ON_CALL, NOW)
        joined, again = uow.incidents.open_or_join(Alarm("platform", "disk", "Disk full"), Cover.ON_CALL, NOW)
        uow.commit()
    assert (new, again, joined.id, joined.alert_count) == (True, False, opened.id, 2)
    assert (opened.state, opened.cover, opened.opened_at) == (IncidentState.TRIGGERED, Cover.ON_CALL, NOW)
    with units() as uow:
        found = uow.incidents.find_open("platform", "disk")
        assert found is not None and found.id == opened.id
        uow.incidents.update(opened.id, {"state": IncidentState.RESOLVED, "resolved_by": "alice"})
        uow.commit()
    with units() as uow:
        assert uow.incidents.find_open("platform", "disk") is None  # the key is free again
        reopened, new = uow.incidents.open_or_join(Alarm("platform", "disk", "Again"), Cover.NONE, NOW)
        uow.commit()
    assert new and reopened.id != opened.id


def test_many_incidents_are_read_in_one_go_and_unknown_numbers_left_out(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        opened = [
            uow.incidents.open_or_join(Alarm("platform", k, k.upper()), Cover.ON_CALL, NOW)[0] for k in "abc"
        ]
        uow.commit()
    with units() as uow:
        found = uow.incidents.get_many([opened[2].id, opened[0].id, 999_999, opened[2].id])
        assert found == {opened[0].id: opened[0], opened[2].id: opened[2]}
        assert uow.incidents.get_many([]) == {}


def test_a_batch_joins_open_incidents_with_entries_and_leaves_the_rest(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        a, _ = uow.incidents.open_or_join(Alarm("platform", "a", "A"), Cover.ON_CALL, NOW)
        uow.commit()
    with units() as uow:
        found = uow.incidents.join_open(
            [
                (Alarm("platform", "a", "A"), entry(ALERT, "another alert joined: A")),
                (Alarm("platform", "nope", "N"), entry(ALERT, "another alert joined: N")),
                (Alarm("platform", "a", "A"), entry(ALERT, "another alert joined: A")),
            ]
        )
        uow.commit()
    assert [f.alert_count if f else None for f in found] == [2, None, 3]
    with units() as uow:
        page = uow.incidents.timeline(a.id, limit=10)
    assert [e.message for e in page.entries] == [
        "another alert joined: A (alert 3)",
        "another alert joined: A (alert 2)",
    ]
    assert page.alerts is not None and page.alerts.count == 2


def test_leaving_without_commit_keeps_nothing(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        incident, _ = uow.incidents.open_or_join(Alarm("platform", "x", "X"), Cover.NONE, NOW)
        uow.incidents.entry(incident.id, entry("note", "n"))
        uow.outbox.add(OutgoingMessage("log", "#x", {"text": "x"}, "k1"), NOW)
        uow.jobs.schedule("kind", "job-1", NOW, {})
        uow.receipts.receipt("r1", NOW)
    with pytest.raises(RuntimeError):
        fail_after_creating(units)
    with units() as uow:
        assert uow.incidents.incidents() == []
        assert uow.changes.changes() == []
        assert uow.outbox.add(OutgoingMessage("log", "#x", {"text": "x"}, "k1"), NOW)  # not there before
        assert uow.jobs.schedule("kind", "job-1", NOW, {})
        assert uow.receipts.receipt("r1", NOW)


def test_the_outbox_jobs_and_receipts_take_each_key_once(units: UnitOfWorkFactory) -> None:
    message = OutgoingMessage("slack", "#alarms", {"text": "t"}, "post:1:opened")
    with units() as uow:
        assert uow.outbox.add(message, NOW)
        assert not uow.outbox.add(message, NOW)
        assert uow.jobs.schedule("incident-page", "incident:1:page:c1s1", NOW, {"incident": 1})
        assert not uow.jobs.schedule("incident-page", "incident:1:page:c1s1", NOW, {"incident": 1})
        assert uow.receipts.receipt("sns:abc", NOW)
        assert not uow.receipts.receipt("sns:abc", NOW)
        uow.commit()
    with units() as uow:
        assert not uow.outbox.add(message, NOW)
        assert uow.receipts.marked("sns:abc") == NOW


def test_a_mark_keeps_the_latest_time(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        assert uow.receipts.marked("github:issue-version:x#1") is None
        uow.receipts.mark("github:issue-version:x#1", NOW)
        uow.receipts.mark("github:issue-version:x#1", NOW - timedelta(hours=1))
        assert uow.receipts.marked("github:issue-version:x#1") == NOW
        uow.receipts.mark("github:issue-version:x#1", NOW + timedelta(hours=1))
        uow.commit()
    with units() as uow:
        assert uow.receipts.marked("github:issue-version:x#1") == NOW + timedelta(hours=1)


def test_writes_kept_for_the_commit_are_written_then_and_read_meanwhile(units: UnitOfWorkFactory) -> None:
    """A storm's pages keep their timeline entries and next jobs for one statement each at the commit."""
    with units() as uow:
        incident, _ = uow.incidents.open_or_join(Alarm("platform", "d", "D"), Cover.ON_CALL, NOW)
        assert uow.jobs.schedule("kind", "job-old", NOW, {})
        uow.commit()
    with units() as uow:
        uow.defer_writes()
        uow.incidents.entry(incident.id, entry("note", "kept 1"))
        uow.jobs.schedule("kind", "job-old", NOW, {})  # exists: skipped at the commit, not an error
        uow.jobs.schedule("kind", "job-new", NOW, {})
        uow.jobs.schedule("kind", "job-new", NOW, {})  # twice in one batch: one job
        uow.incidents.entry(incident.id, entry("note", "kept 2"))
        seen = uow.incidents.timeline(incident.id, limit=10)  # a read in the unit sees what it kept
        assert [e.message for e in seen.entries] == ["kept 2", "kept 1"]
        uow.incidents.entry(incident.id, entry("note", "kept 3"))
        uow.commit()
    with units() as uow:
        assert [e.message for e in uow.incidents.timeline(incident.id, limit=10).entries] == [
            "kept 3",
            "kept 2",
            "kept 1",
        ]
        assert not uow.jobs.schedule("kind", "job-new", NOW, {})  # it was added, once
    with units() as uow:  # left without a commit: nothing kept is written
        uow.defer_writes()
        uow.incidents.entry(incident.id, entry("note", "lost"))
        uow.jobs.schedule("kind", "job-lost", NOW, {})
    with units() as uow:
        assert len(uow.incidents.timeline(incident.id, limit=10).entries) == 3
        assert uow.jobs.schedule("kind", "job-lost", NOW, {})


def test_a_timeline_is_read_a_page_at_a_time(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        incident, _ = uow.incidents.open_or_join(Alarm("platform", "t", "T"), Cover.ON_CALL, NOW)
        for n in range(5):
            uow.incidents.entry(incident.id, entry("note", f"note {n}", NOW + timedelta(minutes=n)))
            uow.incidents.entry(incident.id, entry(ALERT, f"another alert joined: {n}"))
        uow.commit()
    with units() as uow:
        first = uow.incidents.timeline(incident.id, limit=3, alerts=False)
        assert [e.message for e in first.entries] == ["note 4", "note 3", "note 2"]
        assert first.older == 2 and first.next is not None
        rest = uow.incidents.timeline(incident.id, limit=3, before=first.next, alerts=False)
        assert [e.message for e in rest.entries] == ["note 1", "note 0"]
        assert (rest.older, rest.next) == (0, None)
        every = uow.incidents.timeline(incident.id, limit=100)
        assert len(every.entries) == 10 and every.older == 0
        after = uow.incidents.entries_after(incident.id, None, 4, alerts=False)
        assert [e.message for e in after] == ["note 0", "note 1", "note 2", "note 3"]
        assert uow.incidents.entries_after(incident.id, after[-1].id, 4, alerts=False)[0].message == "note 4"
        assert every.entries[0].data == {"n": 1}


def test_incidents_are_listed_newest_first_and_by_when_they_opened(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        for n, cover in enumerate((Cover.SUPPORT, Cover.ON_CALL, Cover.NONE)):
            at = NOW + timedelta(hours=n)
            uow.incidents.open_or_join(Alarm("platform" if n else "other", f"k{n}", f"S{n}"), cover, at)
        first = uow.incidents.find_open("other", "k0")
        assert first is not None
        uow.incidents.update(first.id, {"priority": Priority.P2, "lead": "alice"})
        uow.commit()
    with units() as uow:
        listed = uow.incidents.incidents()
        assert [i.summary for i in listed] == ["S2", "S1", "S0"]
        assert [i.summary for i in uow.incidents.incidents(service="platform", limit=1)] == ["S2"]
        assert uow.incidents.incidents(state=IncidentState.RESOLVED) == []
        between = uow.incidents.opened_between(NOW, NOW + timedelta(hours=2))
        assert [i.summary for i in between] == ["S0", "S1"]
        got = uow.incidents.get(first.id)
        assert got is not None and (got.priority, got.lead) == (Priority.P2, "alice")
        assert uow.incidents.get(999) is None


def fail_after_creating(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        uow.changes.create(change_values())
        raise RuntimeError("the use case failed")


def change_values(**extra: object) -> dict[str, object]:
    window = ChangeWindow(NOW + timedelta(days=3), NOW + timedelta(days=3, hours=2))
    return {
        "title": "Payments: upgrade",
        "body": "### Change Details\n\nx",
        "requester": "payments",
        "state": ChangeState.UNDER_REVIEW,
        "submitted_at": NOW,
        "window": window,
        "problems": (Problem(Code.PARTLY_IN_HOURS, Severity.WARNING, "1 hour in support hours"),),
        "repository": None,
        "issue": None,
        **extra,
    }


# Ticks keep who (as written, however odd) and when (to the microsecond, read back in UTC), in order.
TICKS = (
    Tick("stakeholders-informed", "alice", datetime(2027, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)),
    Tick("backup-and-rollback-verified", "ops\u202ebot \u05d0", datetime(2027, 3, 1, 9, 31, tzinfo=UTC)),
)


def test_change_requests_are_stored_found_and_booked(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        first = uow.changes.create(change_values())
        second = uow.changes.create(change_values(repository="team/platform", issue=7))
        uow.changes.update(
            first.id,
            {
                "state": ChangeState.APPROVED,
                "assigned": "alice",
                "checklist": TICKS,
                "started_at": NOW + timedelta(hours=1),
                "finished_at": NOW + timedelta(hours=2),
            },
        )
        uow.changes.entry(first.id, entry("approved", "approved by chen"))
        uow.commit()
    with units() as uow:
        got = uow.changes.get(first.id)
        assert got is not None
        assert (got.state, got.assigned, got.checklist, got.problems) == (
            ChangeState.APPROVED,
            "alice",
            TICKS,
            first.problems,
        )
        assert (got.started_at, got.finished_at) == (NOW + timedelta(hours=1), NOW + timedelta(hours=2))
        assert got.window == first.window
        by_issue = uow.changes.by_issue("team/platform", 7)
        assert by_issue is not None and by_issue.id == second.id and by_issue.reference == "team/platform#7"
        assert uow.changes.by_issue("team/platform", 8) is None
        assert [b.reference for b in uow.changes.booked()] == [f"CR-{first.id}"]
        assert uow.changes.booked(other_than=first.id) == []
        assert [c.id for c in uow.changes.changes()] == [second.id, first.id]
        assert [c.id for c in uow.changes.changes(ChangeState.UNDER_REVIEW)] == [second.id]
        (history,) = uow.changes.history(first.id)
        assert (history.kind, history.message, history.data) == ("approved", "approved by chen", {})
