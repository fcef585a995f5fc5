"""A kept briefing as a JSON document for people and programs (the CLI's `--json`, the API)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from opsdesk.domain.handover.documents import document
from opsdesk.domain.handover.model import HandoverRecord


def record_view(record: HandoverRecord, tz: ZoneInfo) -> dict[str, Any]:
    """The briefing's document, with its number, when it was made, and who acknowledged it."""
    ack = record.acknowledgement
    return {
        "id": record.id,
        "made_at": record.made_at.astimezone(tz).isoformat(),
        **document(record.briefing, tz),
        "acknowledged": None
        if ack is None
        else {"by": ack.by, "at": ack.at.astimezone(tz).isoformat(), "via": ack.via},
        "reminded_at": record.reminded_at.astimezone(tz).isoformat() if record.reminded_at else None,
        "giver_told_at": record.escalated_at.astimezone(tz).isoformat() if record.escalated_at else None,
    }
