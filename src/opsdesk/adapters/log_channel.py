"""The log channel (the default): a message is recorded and stays readable in the outbox; nothing leaves."""

from __future__ import annotations

import json
import logging
from datetime import datetime

from opsdesk.domain.outbox import Arrival, OutgoingMessage

logger = logging.getLogger("opsdesk.outbox")


class LogChannel:
    def send(self, message: OutgoingMessage) -> None:
        logger.info(
            "outbox message",
            extra={
                "channel": message.channel,
                "destination": message.destination,
                "idempotency_key": message.idempotency_key,
                "payload": json.dumps(message.payload, ensure_ascii=False)[:500],
            },
        )

    def arrival(self, message: OutgoingMessage, since: datetime) -> Arrival:
        return Arrival.SEND  # a second log line harms nobody
