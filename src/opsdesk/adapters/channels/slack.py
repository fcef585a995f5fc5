"""Slack: `chat.postMessage` through slack_sdk. Rate limits and outages become retries; bad requests stop."""

from __future__ import annotations

import logging
import urllib.error
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from opsdesk.domain.outbox import DeliveryError, OutgoingMessage

logger = logging.getLogger("opsdesk.slack")
# Errors Slack documents for chat.postMessage that no retry can fix.
PERMANENT = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "msg_too_long",
    "no_text",
    "invalid_auth",
    "account_inactive",
    "token_revoked",
    "not_authed",
    "missing_scope",
    "invalid_arguments",
    "invalid_blocks",
    "restricted_action",
    "too_many_attachments",
}


class SlackChannel:
    def __init__(self, token: str, base_url: str | None = None, timeout: int = 10) -> None:
        # No retry handlers: the outbox owns retries, so a row's attempts and backoff stay visible.
        self._client = WebClient(
            token=token, base_url=base_url or "https://slack.com/api/", timeout=timeout, retry_handlers=[]
        )

    def send(self, message: OutgoingMessage) -> None:
        payload = message.payload
        try:
            self._client.chat_postMessage(
                channel=message.destination,
                text=str(payload.get("text", "")),
                blocks=payload.get("blocks"),
                thread_ts=payload.get("thread_ts"),
                unfurl_links=False,
            )
        except SlackApiError as exc:
            raise _failure(exc) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise DeliveryError(f"Slack unreachable: {exc}") from None


def _failure(exc: SlackApiError) -> DeliveryError:
    response = exc.response
    status = response.status_code
    error = str(response.get("error", "")) if isinstance(response.data, dict) else ""
    if status == 429:
        retry_after = response.headers.get("Retry-After") or response.headers.get("retry-after")
        seconds = int(retry_after) if retry_after and str(retry_after).isdigit() else 30
        return DeliveryError(
            f"HTTP 429 ratelimited (Retry-After {seconds} s)", retry_after=timedelta(seconds=seconds)
        )
    if status >= 500:
        return DeliveryError(f"HTTP {status} from Slack")
    return DeliveryError(
        f"HTTP {status} {error or 'error'}",
        permanent=error in PERMANENT or (400 <= status < 500 and status != 408),
    )
