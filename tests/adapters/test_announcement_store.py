"""The announcement store's contract, run against the in-memory fake (what service tests use) and the SQL
store on SQLite and PostgreSQL: kept whole, listed and counted, promises kept and found overdue, reminders
marked sent, and nothing left by a unit rolled back."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from opsdesk.domain.announcements.model import (
    Announcement,
    AnnouncementKind,
    Mention,
    Promise,
    Reminder,
)
from opsdesk.domain.errors import UnknownAnnouncementError
from opsdesk.domain.hours import Cover
from opsdesk.domain.incidents.model import Alarm
from opsdesk.services.unit_of_work import UnitOfWorkFactory
from tests.adapters.test_unit_of_work import change_values

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 2, 14, 0, tzinfo=LONDON)
HOUR = timedelta(hours=1)


def announcement(**fields: object) -> Announcement:
    values: dict[str, object] = {
        "id": 0,
        "kind": AnnouncementKind.MAINTENANCE,
        "title": "Database failover <b>tonight</b> & more",
        "body": "Writes pause for a minute.\n\tNothing to do. \u05d0",
        "author": "alice",
        "at": NOW,
    }
    values.update(fields)
    return Announcement(**values)  # type: ignore[arg-type]


def subjects(units: UnitOfWorkFactory) -> tuple[int, int]:
    """An incident and a change request for announcements to be about."""
    with units() as uow:
        incident, _ = uow.incidents.open_or_join(Alarm("platform", "db", "DB down"), Cover.SUPPORT, NOW)
        change = uow.changes.create(change_values())
        uow.commit()
    return incident.id, change.id


def test_an_announcement_is_kept_whole_and_read_back(units: UnitOfWorkFactory) -> None:
    incident, _ = subjects(units)
    whole = announcement(
        kind=AnnouncementKind.INCIDENT_UPDATE,
        incident=incident,
        priority="P1",
        mention=Mention.CHANNEL,
        promise=Promise(NOW + HOUR, NOW + HOUR + timedelta(minutes=10)),
        update_channel="#platform-updates",
        ask_channel="#ask-platform",
    )
    scheduled = announcement(
        kind=AnnouncementKind.SCHEDULED_WORK,
        starts_at=NOW + timedelta(days=2),
        reminders=(
            Reminder(timedelta(hours=24), NOW + timedelta(days=1)),
            Reminder(HOUR, NOW + timedelta(days=2) - HOUR),
        ),
    )
    with units() as uow:
        first, second = uow.announcements.add(whole), uow.announcements.add(scheduled)
        uow.commit()
    assert (first.id, second.id) == (1, 2)
    with units() as uow:
        assert uow.announcements.get(1) == replace(whole, id=1)
        assert uow.announcements.get(2) == replace(scheduled, id=2)
        assert uow.announcements.get(3) is None


def test_listed_newest_first_by_kind_or_subject_and_counted_by_mention(units: UnitOfWorkFactory) -> None:
    incident, change = subjects(units)
    with units() as uow:
        uow.announcements.add(announcement(at=NOW - timedelta(days=8), mention=Mention.HERE))  # last week
        uow.announcements.add(announcement(at=NOW - HOUR, mention=Mention.HERE, change=change))
        uow.announcements.add(
            announcement(kind=AnnouncementKind.INCIDENT_UPDATE, incident=incident, mention=Mention.CHANNEL)
        )
        uow.commit()
    with units() as uow:
        store = uow.announcements
        assert [a.id for a in store.listed()] == [3, 2, 1]
        assert [a.id for a in store.listed(2)] == [3, 2]
        assert [a.id for a in store.listed(kind=AnnouncementKind.INCIDENT_UPDATE)] == [3]
        assert [a.id for a in store.listed(incident=incident)] == [3]
        assert [a.id for a in store.listed(change=change)] == [2]
        week = (NOW - timedelta(days=2), NOW + timedelta(days=5))
        assert store.mentions(Mention.HERE, *week) == 1
        assert store.mentions(Mention.CHANNEL, *week) == 1
        assert store.mentions(Mention.HERE, NOW - timedelta(days=9), NOW + HOUR) == 2


def test_promises_are_kept_marked_and_found_overdue(units: UnitOfWorkFactory) -> None:
    incident, change = subjects(units)
    due = NOW + HOUR
    with units() as uow:
        for subject in ({"incident": incident}, {"change": change}, {"incident": incident}):
            uow.announcements.add(
                announcement(promise=Promise(due, due + timedelta(minutes=10)), **subject)  # type: ignore[arg-type]
            )
        uow.announcements.add(announcement(incident=incident))  # promises nothing
        uow.commit()
    with units() as uow:
        store = uow.announcements
        assert [a.id for a in store.open_promises(incident=incident)] == [1, 3]
        assert [a.id for a in store.open_promises(change=change)] == [2]
        assert store.open_promises() == []
        assert store.overdue_promises(due + timedelta(minutes=9)) == []
        assert [a.id for a in store.overdue_promises(due + timedelta(minutes=10))] == [1, 2, 3]
        store.mark_reminded(1, due)
        store.keep([1, 3], 4, due + timedelta(minutes=5))
        uow.commit()
    with units() as uow:
        store = uow.announcements
        first = store.get(1)
        assert first is not None and first.promise is not None
        assert (first.promise.reminded_at, first.promise.kept_by) == (due, 4)
        assert first.promise.state(due + timedelta(hours=5)) == "kept"
        assert store.open_promises(incident=incident) == []
        assert [a.id for a in store.overdue_promises(due + HOUR)] == [2]
        store.keep([1], 9, due + HOUR)  # kept already: stays kept by the first to keep it
        uow.commit()
    with units() as uow:
        again = uow.announcements.get(1)
        assert again is not None and again.promise is not None and again.promise.kept_by == 4
        with pytest.raises(UnknownAnnouncementError):
            uow.announcements.mark_reminded(99, due)


def test_a_reminder_is_marked_sent_once(units: UnitOfWorkFactory) -> None:
    start = NOW + timedelta(days=2)
    reminders = (Reminder(timedelta(hours=24), start - timedelta(hours=24)), Reminder(HOUR, start - HOUR))
    with units() as uow:
        uow.announcements.add(announcement(starts_at=start, reminders=reminders))
        uow.commit()
    sent = datetime(2026, 12, 3, 14, 0, 5, tzinfo=UTC)
    with units() as uow:
        uow.announcements.mark_reminder_sent(1, timedelta(hours=24), sent)
        uow.commit()
    with units() as uow:
        uow.announcements.mark_reminder_sent(1, timedelta(hours=24), sent + HOUR)  # sent already
        uow.commit()
    with units() as uow:
        got = uow.announcements.get(1)
    assert got is not None
    assert [(r.before, r.sent_at) for r in got.reminders] == [(timedelta(hours=24), sent), (HOUR, None)]


def test_a_unit_rolled_back_keeps_nothing(units: UnitOfWorkFactory) -> None:
    with units() as uow:
        uow.announcements.add(announcement())
        # no commit: the use case failed after keeping it
    with units() as uow:
        assert uow.announcements.listed() == []
        kept = uow.announcements.add(announcement())
        uow.commit()
    assert kept.id in (1, 2)  # a sequence may skip the number the rolled-back unit took
