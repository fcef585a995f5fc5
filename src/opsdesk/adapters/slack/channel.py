"""Slack: `chat.postMessage` through slack_sdk. Rate limits and outages become retries; bad requests stop.

Every post carries message metadata naming its outbox key, so after an attempt whose answer was lost
the channel can look in the conversation (`conversations.history`, or `.replies` in a thread) and tell
whether the post arrived instead of posting it again. That look needs the read scopes
(`channels:history`, `groups:history`, `im:history`, `channels:read`, `groups:read`, `im:write`);
without them such a row is parked for a person to check, never posted twice.
"""

from __future__ import annotations

import logging
import socket
import urllib.error
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from opsdesk.domain.outbox import Arrival, DeliveryError, OutgoingMessage, retry_after

logger = logging.getLogger("opsdesk.slack")
EVENT_TYPE = "opsdesk_outbox"  # the metadata event type that marks opsdesk's own posts
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
    "invalid_metadata_format",
    "invalid_metadata_schema",
    "restricted_action",
    "too_many_attachments",
}
# Answers to the look-up that mean opsdesk cannot tell (a person must look), not "try later".
CANNOT_LOOK = PERMANENT | {
    "channel_not_found",
    "thread_not_found",
    "user_not_found",
    "not_allowed_token_type",
}
LOOK_BACK = timedelta(minutes=2)  # before the attempt began: clocks differ a little
PAGES = 10  # of 200 messages each, at most, when looking for a post


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
                metadata={"event_type": EVENT_TYPE, "event_payload": {"key": message.idempotency_key}},
            )
        except SlackApiError as exc:
            raise _failure(exc) from None
        except Exception as exc:
            raise _transport(exc, "posting") from None

    def arrival(self, message: OutgoingMessage, since: datetime) -> Arrival:
        """Look for the post by its metadata in the conversation, from shortly before `since`."""
        try:
            channel = self._conversation(message.destination)
            if channel is None:
                return Arrival.UNKNOWN
            oldest = f"{(since - LOOK_BACK).timestamp():.6f}"
            thread = message.payload.get("thread_ts")
            cursor = None
            for _ in range(PAGES):
                if thread:
                    page = self._client.conversations_replies(
                        channel=channel,
                        ts=str(thread),
                        oldest=oldest,
                        include_all_metadata=True,
                        limit=200,
                        cursor=cursor,
                    )
                else:
                    page = self._client.conversations_history(
                        channel=channel, oldest=oldest, include_all_metadata=True, limit=200, cursor=cursor
                    )
                if any(_ours(m, message.idempotency_key) for m in page.get("messages") or []):
                    return Arrival.ARRIVED
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return Arrival.SEND
            return Arrival.UNKNOWN  # more posts since then than opsdesk will read through
        except SlackApiError as exc:
            error = _error(exc)
            if error in CANNOT_LOOK:
                logger.warning("cannot look for a post in %s: %s", message.destination, error)
                return Arrival.UNKNOWN
            raise _failure(exc) from None
        except Exception as exc:
            raise _transport(exc, "looking for an earlier post") from None

    def _conversation(self, destination: str) -> str | None:
        """The conversation id behind a destination: a channel id as it is, a user's direct messages, or a
        channel found by name."""
        if destination[:1] in ("C", "G", "D") and destination[1:].isalnum() and destination.isupper():
            return destination
        if destination[:1] in ("U", "W") and destination[1:].isalnum() and destination.isupper():
            opened = self._client.conversations_open(users=destination)
            found = (opened.get("channel") or {}).get("id")
            return str(found) if found else None
        name = destination.lstrip("#")
        cursor = None
        for _ in range(PAGES):
            page = self._client.conversations_list(
                types="public_channel,private_channel", exclude_archived=True, limit=200, cursor=cursor
            )
            for channel in page.get("channels") or []:
                if channel.get("name") == name:
                    return str(channel["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None


def _ours(posted: dict[str, Any], key: str) -> bool:
    metadata = posted.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return bool(metadata.get("event_type") == EVENT_TYPE and payload.get("key") == key)


def _error(exc: SlackApiError) -> str:
    response = exc.response
    return str(response.get("error", "")) if isinstance(response.data, dict) else ""


def _failure(exc: SlackApiError) -> DeliveryError:
    response = exc.response
    status = response.status_code
    error = _error(exc)
    if status == 429:
        header = response.headers.get("Retry-After") or response.headers.get("retry-after")
        wait = retry_after(header, datetime.now(UTC)) or timedelta(seconds=30)
        return DeliveryError(
            f"HTTP 429 ratelimited (Retry-After {int(wait.total_seconds())} s)", retry_after=wait
        )
    if status >= 500:
        return DeliveryError(f"HTTP {status} from Slack")
    return DeliveryError(
        f"HTTP {status} {error or 'error'}",
        permanent=error in PERMANENT or (400 <= status < 500 and status != 408),
    )


def _transport(exc: Exception, doing: str) -> DeliveryError:
    """A failure below HTTP. Only a connection never made is sure not to have posted; anything later (a
    timeout waiting for the answer, a reply cut short) leaves the outcome in doubt."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    never_sent = isinstance(reason, ConnectionRefusedError | socket.gaierror)
    detail = f"{type(exc).__name__}: {str(reason)[:200]}".rstrip(": ")
    return DeliveryError(f"Slack unreachable while {doing} ({detail})", in_doubt=not never_sent)
