"""Slack: `chat.postMessage` through slack_sdk. Rate limits and outages become retries; bad requests stop.

Every post carries message metadata naming its outbox key, so after an attempt whose answer was lost
the channel can look in the conversation (`conversations.history`, or `.replies` in a thread) and tell
whether the post arrived instead of posting it again. That look needs the read scopes
(`channels:history`, `groups:history`, `im:history`, `channels:read`, `groups:read`, `im:write`);
without them such a row is parked for a person to check, never posted twice.

A post answers with what Slack calls it (its channel id and ts), kept on its outbox row. A forward that
follows a post (an announcement's second message) gets the post's permalink from `chat.getPermalink` as it
is sent, and links to it; when the post's ts is not known (its delivery was settled by the look above) it
is found by its metadata first, and when no permalink can be had the forward names the post in words.

A message update (its payload names the ts it rewrites) is sent as `chat.update` in the destination
channel, and a topic as `conversations.setTopic`. Sending the same update or topic twice leaves it as
once, so one in doubt is sent again.
"""

from __future__ import annotations

import logging
import socket
import urllib.error
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from opsdesk.adapters.slack.announcement import linked_text
from opsdesk.adapters.slack.incident_blocks import UPDATE_TS
from opsdesk.adapters.slack.render import TOPIC
from opsdesk.domain.outbox import (
    PREVIOUS,
    Arrival,
    DeliveryError,
    OutgoingMessage,
    Previous,
    Reference,
    retry_after,
)

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
    # and for chat.update
    "message_not_found",
    "cant_update_message",
    "edit_window_closed",
    # and for conversations.setTopic
    "too_long",
    "user_is_restricted",
}
# Answers to the look-up that mean opsdesk cannot tell (a person must look), not "try later".
CANNOT_LOOK = PERMANENT | {
    "channel_not_found",
    "thread_not_found",
    "user_not_found",
    "not_allowed_token_type",
}
LOOK_BACK = timedelta(minutes=2)  # before the attempt began: clocks differ a little
# Answers to chat.getPermalink after which the forward names the post in words instead of failing.
NO_PERMALINK = {"message_not_found", "channel_not_found", "thread_not_found", "missing_scope"}
PAGES = 10  # of 200 messages each, at most, when looking for a post


class SlackChannel:
    def __init__(self, token: str, base_url: str | None = None, timeout: int = 10) -> None:
        # No retry handlers: the outbox owns retries, so a row's attempts and backoff stay visible.
        self._client = WebClient(
            token=token, base_url=base_url or "https://slack.com/api/", timeout=timeout, retry_handlers=[]
        )

    def send(self, message: OutgoingMessage) -> Reference | None:
        payload = message.payload
        if payload.get(UPDATE_TS):
            return self._update(message)
        if payload.get(TOPIC):
            return self._topic(message)
        text = str(payload.get("text", ""))
        if "linked" in payload and PREVIOUS in payload:
            text = self._linked(payload) or text
        try:
            answer = self._client.chat_postMessage(
                channel=message.destination,
                text=text,
                blocks=payload.get("blocks"),
                thread_ts=payload.get("thread_ts"),
                unfurl_links=False,
                metadata={"event_type": EVENT_TYPE, "event_payload": {"key": message.idempotency_key}},
            )
        except SlackApiError as exc:
            raise _failure(exc) from None
        except Exception as exc:
            raise _transport(exc, "posting") from None
        channel, ts = answer.get("channel"), answer.get("ts")
        return {"channel": str(channel), "ts": str(ts)} if channel and ts else None

    def _update(self, message: OutgoingMessage) -> Reference | None:
        """`chat.update` of the message with the payload's ts, in the destination channel (its id)."""
        payload = message.payload
        try:
            answer = self._client.chat_update(
                channel=message.destination,
                ts=str(payload[UPDATE_TS]),
                text=str(payload.get("text", "")),
                blocks=payload.get("blocks") or [],
            )
        except SlackApiError as exc:
            raise _failure(exc) from None
        except Exception as exc:
            raise _transport(exc, "updating a message") from None
        channel, ts = answer.get("channel"), answer.get("ts")
        return {"channel": str(channel), "ts": str(ts)} if channel and ts else None

    def _topic(self, message: OutgoingMessage) -> Reference | None:
        """`conversations.setTopic` of the destination channel (the bot must be in it)."""
        try:
            self._client.conversations_setTopic(
                channel=message.destination, topic=str(message.payload[TOPIC])
            )
        except SlackApiError as exc:
            raise _failure(exc) from None
        except Exception as exc:
            raise _transport(exc, "setting a channel's topic") from None
        return None

    def _linked(self, payload: dict[str, Any]) -> str | None:
        """The forward's text linking to the post it follows; None (the text naming it in words) when
        Slack has no permalink for it. A failure to ask that may pass (a rate limit, an outage) is raised
        for a retry: nothing was posted yet."""
        previous = Previous.from_payload(payload.get(PREVIOUS))
        if previous is None:
            return None
        try:
            reference = previous.reference or self._find(previous) or {}
            channel, ts = reference.get("channel"), reference.get("ts")
            if not channel or not ts:
                return None
            answer = self._client.chat_getPermalink(channel=channel, message_ts=ts)
        except SlackApiError as exc:
            if _error(exc) in NO_PERMALINK | CANNOT_LOOK:
                logger.warning("no permalink for %s: %s", previous.key, _error(exc))
                return None
            raise _failure(exc) from None
        except Exception as exc:
            raise DeliveryError(_transport(exc, "asking for a permalink").reason) from None
        return linked_text(payload["linked"], str(answer.get("permalink") or ""))

    def _find(self, previous: Previous) -> Reference | None:
        """The post by its metadata, when its ts was not kept (its answer was lost)."""
        found, reference = self._search(previous.destination, previous.key, previous.since, None)
        return reference if found is Arrival.ARRIVED else None

    def arrival(self, message: OutgoingMessage, since: datetime) -> Arrival:
        """Look for the post by its metadata in the conversation, from shortly before `since`; an update is
        sent again (twice leaves the message as once)."""
        if message.payload.get(UPDATE_TS) or message.payload.get(TOPIC):
            return Arrival.SEND
        try:
            thread = message.payload.get("thread_ts")
            found, _ = self._search(message.destination, message.idempotency_key, since, thread)
            return found
        except SlackApiError as exc:
            error = _error(exc)
            if error in CANNOT_LOOK:
                logger.warning("cannot look for a post in %s: %s", message.destination, error)
                return Arrival.UNKNOWN
            raise _failure(exc) from None
        except Exception as exc:
            raise _transport(exc, "looking for an earlier post") from None

    def _search(
        self, destination: str, key: str, since: datetime, thread: object
    ) -> tuple[Arrival, Reference | None]:
        """Whether the post with `key` is in the conversation (from shortly before `since`), and what Slack
        calls it when it is; UNKNOWN when the conversation cannot be told or holds too many posts since."""
        channel = self._conversation(destination)
        if channel is None:
            return Arrival.UNKNOWN, None
        oldest = f"{(since - LOOK_BACK).timestamp():.6f}"
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
            found = next((m for m in page.get("messages") or [] if _ours(m, key)), None)
            if found is not None:
                return Arrival.ARRIVED, {"channel": channel, "ts": str(found.get("ts"))}
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return Arrival.SEND, None
        return Arrival.UNKNOWN, None  # more posts since then than opsdesk will read through

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
