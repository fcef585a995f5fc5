"""An announcement as a JSON document for people and programs (the CLI's `--json`, the API)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from opsdesk.domain.announcements.model import Announcement
from opsdesk.domain.durations import spoken


def announcement_view(record: Announcement, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    """Its fields, times in the team's zone, its promise's state at `now`, and its reminders."""
    promise = record.promise
    return {
        "id": record.id,
        "kind": str(record.kind),
        "title": record.title,
        "body": record.body,
        "author": record.author,
        "at": _at(record.at, tz),
        "incident": record.incident,
        "change": record.change,
        "priority": record.priority,
        "mention": str(record.mention) if record.mention else None,
        "starts_at": _at(record.starts_at, tz),
        "update_channel": record.update_channel,
        "ask_channel": record.ask_channel,
        "next_update": None
        if promise is None
        else {
            "due": _at(promise.due, tz),
            "state": promise.state(now),
            "overdue_from": _at(promise.overdue_from, tz),
            "reminded_at": _at(promise.reminded_at, tz),
            "kept_by": promise.kept_by,
            "kept_at": _at(promise.kept_at, tz),
        },
        "reminders": [
            {
                "before": spoken(r.before),
                "before_seconds": int(r.before.total_seconds()),
                "at": _at(r.at, tz),
                "sent_at": _at(r.sent_at, tz),
            }
            for r in record.reminders
        ],
    }


def _at(instant: datetime | None, tz: ZoneInfo) -> str | None:
    return instant.astimezone(tz).isoformat() if instant is not None else None
