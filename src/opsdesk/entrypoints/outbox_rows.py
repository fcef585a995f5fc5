"""An outbox row as JSON: the one shape of `GET /api/v1/outbox` and `opsdesk outbox list --json`; and what
a message says, whatever its channel's format."""

from __future__ import annotations

from typing import Any

from opsdesk.domain.outbox import OutboxRow


def outbox_row_dict(row: OutboxRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "channel": row.message.channel,
        "destination": row.message.destination,
        "state": str(row.state),
        "attempts": row.attempts,
        "idempotency_key": row.message.idempotency_key,
        "text": message_text(row.message.payload),
        "payload": row.message.payload,
        "created_at": row.created_at.isoformat(),
        "next_attempt_at": row.next_attempt_at.isoformat(),
        "delivered_at": row.delivered_at.isoformat() if row.delivered_at else None,
        "last_error": row.last_error,
        "in_doubt": row.in_doubt,
        "after": row.message.after,  # the key of the message this one follows (sent only after it)
        "reference": row.reference,  # what the vendor called it once delivered (Slack: channel and ts)
    }


def message_text(payload: dict[str, Any]) -> str:
    """What a message says, whole, whatever its channel's format: Slack's and the log's `text`, an email's
    subject and text, a GitHub comment's body, a PagerDuty trigger's summary; "" for a payload without any."""
    parts = [payload.get("subject"), payload.get("text"), payload.get("body")]
    inner = payload.get("payload")
    if isinstance(inner, dict):
        parts.append(inner.get("summary"))
    return ": ".join(part for part in parts if isinstance(part, str) and part)
