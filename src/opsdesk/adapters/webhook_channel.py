"""A generic webhook: POST the payload as JSON, signed with HMAC-SHA256 so the receiver can trust it.

Headers: `X-Opsdesk-Timestamp` (Unix seconds) and `X-Opsdesk-Signature: sha256=<hex>` over
`<timestamp>.<body>`; `Idempotency-Key` carries the outbox key so a receiver can drop a repeat (so a
message whose first attempt's outcome was lost is simply sent again).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import httpx

from opsdesk.domain.outbox import Arrival, DeliveryError, OutgoingMessage, retry_after


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class WebhookChannel:
    def __init__(
        self, urls: Mapping[str, str], secret: bytes, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.urls = dict(urls)
        self._secret = secret
        self._client = httpx.Client(timeout=10, transport=transport, follow_redirects=False)

    def send(self, message: OutgoingMessage) -> None:
        url = self.urls.get(message.destination)
        if url is None:
            raise DeliveryError(f"no webhook named {message.destination!r} is configured", permanent=True)
        body = json.dumps({"key": message.idempotency_key, **message.payload}, ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Opsdesk-Timestamp": timestamp,
            "X-Opsdesk-Signature": signature(self._secret, timestamp, body),
            "Idempotency-Key": message.idempotency_key,
        }
        try:
            response = self._client.post(url, content=body, headers=headers)
        except httpx.ConnectError as exc:
            raise DeliveryError(f"webhook {message.destination} unreachable: {type(exc).__name__}") from None
        except Exception as exc:  # a timeout or a cut-short answer: the receiver may have it
            raise DeliveryError(
                f"webhook {message.destination} did not answer in full: {type(exc).__name__}", in_doubt=True
            ) from None
        if response.is_success:
            return
        status = response.status_code
        if status == 429:
            wait = retry_after(response.headers.get("Retry-After"), datetime.now(UTC))
            raise DeliveryError(
                f"HTTP 429 from webhook {message.destination}", retry_after=wait or timedelta(seconds=30)
            )
        raise DeliveryError(
            f"HTTP {status} from webhook {message.destination}",
            permanent=400 <= status < 500 and status not in (408, 409),
        )

    def arrival(self, message: OutgoingMessage, since: datetime) -> Arrival:
        return Arrival.SEND  # the same Idempotency-Key: the receiver drops a repeat
