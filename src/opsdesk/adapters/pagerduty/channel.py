"""PagerDuty, for teams that keep it for phone calls: pages go to its Events API v2 through `pagerduty`,
PagerDuty's own client (which speaks HTTPS only). Each page's dedup key is its incident and step, so
PagerDuty folds a retried delivery into the alert it already has.
"""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta
from typing import Any

from pagerduty import EventsApiV2Client
from pagerduty.errors import Error, HttpError, UrlError

from opsdesk.domain.outbox import Arrival, DeliveryError, OutgoingMessage, retry_after


class PagerDutyChannel:
    def __init__(
        self, routing_key: str, base_url: str, verify: ssl.SSLContext | bool = True, timeout: float = 10
    ) -> None:
        self._client = EventsApiV2Client(routing_key, base_url=base_url, verify=verify, timeout=timeout)
        # The outbox owns retries (attempts and backoff stay visible there): the client sends once and
        # hands every failure back, a rate limit included, without sleeping in the worker.
        self._client.retry = {429: 1}
        self._client.sleep_timer = 0.0
        self._client.max_network_attempts = 0

    def send(self, message: OutgoingMessage) -> None:
        event: dict[str, Any] = dict(message.payload)
        action = str(event.pop("event_action", "trigger"))
        dedup_key = event.pop("dedup_key", None)
        try:
            self._client.send_event(action, dedup_key=dedup_key, **event)
        except HttpError as exc:
            raise _failure(exc) from None
        except UrlError as exc:
            raise DeliveryError(f"PagerDuty's address is refused: {exc}", permanent=True) from None
        except Error as exc:
            raise DeliveryError(f"PagerDuty unreachable: {str(exc)[:300]}", in_doubt=True) from None
        except Exception as exc:  # anything else the client lets escape (a cut-short answer)
            raise DeliveryError(
                f"PagerDuty did not answer in full: {type(exc).__name__}: {str(exc)[:200]}", in_doubt=True
            ) from None

    def arrival(self, message: OutgoingMessage, since: datetime) -> Arrival:
        return Arrival.SEND  # the same dedup key: PagerDuty folds a repeat into the alert it has


def _failure(exc: HttpError) -> DeliveryError:
    response = exc.response
    if response is None:
        return DeliveryError(f"PagerDuty failed: {str(exc)[:300]}")
    status = response.status_code
    if status == 429:
        wait = retry_after(response.headers.get("retry-after"), datetime.now(UTC)) or timedelta(seconds=60)
        return DeliveryError(f"HTTP 429 from PagerDuty (retry after {int(wait.total_seconds())} s)", wait)
    if status >= 500:
        return DeliveryError(f"HTTP {status} from PagerDuty")
    return DeliveryError(f"HTTP {status} from PagerDuty: {response.text[:300]}", permanent=True)
