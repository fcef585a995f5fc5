"""An outbox row as JSON: the one shape of `GET /api/v1/outbox` and `opsdesk outbox list --json`."""

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
        "payload": row.message.payload,
        "created_at": row.created_at.isoformat(),
        "next_attempt_at": row.next_attempt_at.isoformat(),
        "delivered_at": row.delivered_at.isoformat() if row.delivered_at else None,
        "last_error": row.last_error,
        "in_doubt": row.in_doubt,
    }
