"""Announcements in the database: kept with the unit of work that posts them, read back with their promise
and reminders, counted by mention (the week's @here), and listed when a promised update is overdue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, func, insert, select, update

from opsdesk.adapters.db.tables import AnnouncementRecord
from opsdesk.domain.announcements.model import (
    Announcement,
    AnnouncementKind,
    Mention,
    Promise,
    Reminder,
)
from opsdesk.domain.errors import UnknownAnnouncementError

ANNOUNCEMENTS = cast("Table", AnnouncementRecord.__table__)
COLUMNS = tuple(ANNOUNCEMENTS.columns)
C = ANNOUNCEMENTS.c


class SqlAnnouncementStore:
    """The announcement store of one unit of work; `get` locks what it returns until the unit ends (two
    workers running one announcement's jobs at once take turns)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, announcement: Announcement) -> Announcement:
        row = self.connection.execute(
            insert(ANNOUNCEMENTS).values(**_values(announcement)).returning(*COLUMNS)
        ).one()
        return announcement_of(row)

    def get(self, announcement_id: int) -> Announcement | None:
        query = select(*COLUMNS).where(C.id == announcement_id).with_for_update()
        row = self.connection.execute(query).first()
        return announcement_of(row) if row else None

    def listed(
        self,
        limit: int = 50,
        *,
        kind: AnnouncementKind | None = None,
        incident: int | None = None,
        change: int | None = None,
    ) -> list[Announcement]:
        query = select(*COLUMNS)
        if kind is not None:
            query = query.where(C.kind == kind.value)
        if incident is not None:
            query = query.where(C.incident_id == incident)
        if change is not None:
            query = query.where(C.change_id == change)
        query = query.order_by(C.at.desc(), C.id.desc()).limit(limit)
        return [announcement_of(r) for r in self.connection.execute(query)]

    def mentions(self, mention: Mention, start: datetime, end: datetime) -> int:
        query = select(func.count()).where(C.mention == mention.value, C.at >= start, C.at < end)
        return int(self.connection.scalar(query) or 0)

    def open_promises(self, *, incident: int | None = None, change: int | None = None) -> list[Announcement]:
        if incident is None and change is None:
            return []
        subject = C.incident_id == incident if incident is not None else C.change_id == change
        query = (
            select(*COLUMNS)
            .where(subject, C.next_update.is_not(None), C.kept_at.is_(None))
            .order_by(C.id)
            .with_for_update()
        )
        return [announcement_of(r) for r in self.connection.execute(query)]

    def keep(self, announcement_ids: Sequence[int], by: int, at: datetime) -> None:
        if not announcement_ids:
            return
        self.connection.execute(
            update(ANNOUNCEMENTS)
            .where(C.id.in_(list(announcement_ids)), C.kept_at.is_(None))
            .values(kept_by=by, kept_at=at)
        )

    def mark_reminded(self, announcement_id: int, at: datetime) -> None:
        found = self.connection.execute(
            update(ANNOUNCEMENTS).where(C.id == announcement_id).values(reminded_at=at).returning(C.id)
        ).first()
        if found is None:
            raise unknown(announcement_id)

    def mark_reminder_sent(self, announcement_id: int, before: timedelta, at: datetime) -> None:
        kept = self.get(announcement_id)
        if kept is None:
            raise unknown(announcement_id)
        reminders = [
            r if r.before != before or r.sent_at is not None else Reminder(r.before, r.at, at)
            for r in kept.reminders
        ]
        self.connection.execute(
            update(ANNOUNCEMENTS)
            .where(C.id == announcement_id)
            .values(reminders=[_reminder(r) for r in reminders])
        )

    def overdue_promises(self, now: datetime, limit: int = 200) -> list[Announcement]:
        query = (
            select(*COLUMNS)
            .where(C.kept_at.is_(None), C.next_update.is_not(None), C.overdue_from <= now)
            .order_by(C.next_update, C.id)
            .limit(limit)
        )
        return [announcement_of(r) for r in self.connection.execute(query)]


def unknown(announcement_id: int) -> UnknownAnnouncementError:
    return UnknownAnnouncementError(f"no announcement #{announcement_id}")


def _values(a: Announcement) -> dict[str, Any]:
    promise = a.promise
    return {
        "kind": a.kind.value,
        "title": a.title,
        "body": a.body,
        "author": a.author[:100],
        "at": a.at,
        "incident_id": a.incident,
        "change_id": a.change,
        "priority": a.priority,
        "mention": a.mention.value if a.mention else None,
        "starts_at": a.starts_at,
        "next_update": promise.due if promise else None,
        "overdue_from": promise.overdue_from if promise else None,
        "reminded_at": promise.reminded_at if promise else None,
        "kept_by": promise.kept_by if promise else None,
        "kept_at": promise.kept_at if promise else None,
        "update_channel": a.update_channel,
        "ask_channel": a.ask_channel,
        "reminders": [_reminder(r) for r in a.reminders],
    }


def _reminder(reminder: Reminder) -> dict[str, Any]:
    return {
        "before": int(reminder.before.total_seconds()),
        "at": reminder.at.isoformat(),
        "sent_at": reminder.sent_at.isoformat() if reminder.sent_at else None,
    }


def announcement_of(row: Row[Any]) -> Announcement:
    r = row._mapping
    promise = (
        Promise(r["next_update"], r["overdue_from"], r["reminded_at"], r["kept_by"], r["kept_at"])
        if r["next_update"] is not None
        else None
    )
    reminders = tuple(
        Reminder(
            timedelta(seconds=int(item["before"])),
            datetime.fromisoformat(item["at"]),
            datetime.fromisoformat(item["sent_at"]) if item.get("sent_at") else None,
        )
        for item in r["reminders"] or []
    )
    return Announcement(
        id=r["id"],
        kind=AnnouncementKind(r["kind"]),
        title=r["title"],
        body=r["body"],
        author=r["author"],
        at=r["at"],
        incident=r["incident_id"],
        change=r["change_id"],
        priority=r["priority"],
        mention=Mention(r["mention"]) if r["mention"] else None,
        starts_at=r["starts_at"],
        promise=promise,
        update_channel=r["update_channel"],
        ask_channel=r["ask_channel"],
        reminders=reminders,
    )
