"""The announcement store in memory (as adapters/db/announcements.py); tests/adapters/test_announcement_store.py
holds it and the real store on both databases to one contract."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from opsdesk.domain.announcements.model import Announcement, AnnouncementKind, Mention, Reminder
from opsdesk.domain.errors import UnknownAnnouncementError
from tests.fake_undo import Undo


class Tables(Protocol):
    """What the store keeps of the fake database (tests/fake_units.FakeDatabase)."""

    announcements: dict[int, Announcement]

    def new_id(self, table: str) -> int: ...


class FakeAnnouncementStore:
    def __init__(self, db: Tables, undo: Undo) -> None:
        self.db = db
        self.undo = undo

    def add(self, announcement: Announcement) -> Announcement:
        kept = replace(announcement, id=self.db.new_id("announcements"), author=announcement.author[:100])
        self.undo.keep(self.db.announcements, kept.id)
        self.db.announcements[kept.id] = kept
        return kept

    def get(self, announcement_id: int) -> Announcement | None:
        return self.db.announcements.get(announcement_id)

    def listed(
        self,
        limit: int = 50,
        *,
        kind: AnnouncementKind | None = None,
        incident: int | None = None,
        change: int | None = None,
    ) -> list[Announcement]:
        found = [
            a
            for a in self.db.announcements.values()
            if (kind is None or a.kind is kind)
            and (incident is None or a.incident == incident)
            and (change is None or a.change == change)
        ]
        return sorted(found, key=lambda a: (a.at, a.id), reverse=True)[:limit]

    def mentions(self, mention: Mention, start: datetime, end: datetime) -> int:
        return sum(1 for a in self.db.announcements.values() if a.mention is mention and start <= a.at < end)

    def open_promises(self, *, incident: int | None = None, change: int | None = None) -> list[Announcement]:
        if incident is None and change is None:
            return []
        return [
            a
            for _, a in sorted(self.db.announcements.items())
            if a.promise is not None
            and a.promise.kept_at is None
            and (a.incident == incident if incident is not None else a.change == change)
        ]

    def keep(self, announcement_ids: Sequence[int], by: int, at: datetime) -> None:
        for number in announcement_ids:
            record = self.db.announcements[number]
            if record.promise is None or record.promise.kept_at is not None:
                continue
            self._set(replace(record, promise=replace(record.promise, kept_by=by, kept_at=at)))

    def mark_reminded(self, announcement_id: int, at: datetime) -> None:
        record = self._kept(announcement_id)
        if record.promise is not None:
            self._set(replace(record, promise=replace(record.promise, reminded_at=at)))

    def mark_reminder_sent(self, announcement_id: int, before: timedelta, at: datetime) -> None:
        record = self._kept(announcement_id)
        reminders = tuple(
            r if r.before != before or r.sent_at is not None else Reminder(r.before, r.at, at)
            for r in record.reminders
        )
        self._set(replace(record, reminders=reminders))

    def overdue_promises(self, now: datetime, limit: int = 200) -> list[Announcement]:
        found = [
            a
            for a in self.db.announcements.values()
            if a.promise is not None and a.promise.kept_at is None and a.promise.overdue_from <= now
        ]
        return sorted(found, key=lambda a: (a.promise.due if a.promise else now, a.id))[:limit]

    def _kept(self, announcement_id: int) -> Announcement:
        if announcement_id not in self.db.announcements:
            raise UnknownAnnouncementError(f"no announcement #{announcement_id}")
        return self.db.announcements[announcement_id]

    def _set(self, record: Announcement) -> None:
        self.undo.keep(self.db.announcements, record.id)
        self.db.announcements[record.id] = record
