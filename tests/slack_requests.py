"""Requests as Slack sends them to an app (api.slack.com: "Verifying requests from Slack", slash commands,
`block_actions`, `view_submission` and `message_action` payloads, Events API callbacks and
`url_verification`), signed with the app's signing secret."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # the shape of Slack's example signing secret
FORM = "application/x-www-form-urlencoded"


def signed(
    body: str, *, secret: str = SECRET, at: int | None = None, content_type: str = FORM
) -> dict[str, str]:
    """Slack's headers for `body`: v0= HMAC-SHA256 of "v0:{timestamp}:{body}" with the signing secret."""
    stamp = str(int(time.time()) if at is None else at)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": content_type,
    }


def slash_command(text: str, user: str = "UALICE", command: str = "/opsdesk", response_url: str = "") -> str:
    """A slash command's form body, with the fields Slack documents."""
    return urlencode(
        {
            "token": "gIkuvaNzQIHg97ATvDxqgjtO",
            "team_id": "T0TEAM",
            "team_domain": "platform",
            "enterprise_id": "",
            "channel_id": "C2147483705",
            "channel_name": "platform",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A123456",
            "is_enterprise_install": "false",
            "response_url": response_url or "https://hooks.slack.com/commands/1234/5678",
            "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        }
    )


def block_action(
    action_id: str,
    value: str,
    *,
    user: str,
    channel: str,
    ts: str,
    response_url: str,
    trigger_id: str = "13345224609.738474920.8088930838d88f008e0",
    action_ts: str = "1733360000.000200",
) -> dict[str, Any]:
    """A `block_actions` payload for a button on the message `ts` in `channel`, as Slack documents it."""
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0TEAM"},
        "api_app_id": "A123456",
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
        "trigger_id": trigger_id,
        "team": {"id": "T0TEAM", "domain": "platform"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "directmessage"},
        "message": {"type": "message", "ts": ts, "text": "Incident", "bot_id": "B1"},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": f"incident:{value}",
                "text": {"type": "plain_text", "text": "Acknowledge", "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": action_ts,
            }
        ],
    }


def form_payload(payload: dict[str, Any]) -> str:
    """An interaction as Slack posts it: a form whose one field, `payload`, holds the JSON."""
    return urlencode({"payload": json.dumps(payload)})


def view_submission(
    callback_id: str,
    values: dict[str, str],
    *,
    user: str,
    private_metadata: str = "",
    view_id: str = "VFAKE000001",
    selects: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """A `view_submission` payload for a modal: each value by its block id (action id `value`), a text
    field's `value`, or for a block in `selects` a static select's `selected_option`."""
    state: dict[str, dict[str, Any]] = {}
    for block_id, value in values.items():
        if block_id in selects:
            chosen = {"text": {"type": "plain_text", "text": value}, "value": value} if value else None
            state[block_id] = {"value": {"type": "static_select", "selected_option": chosen}}
        else:
            state[block_id] = {"value": {"type": "plain_text_input", "value": value}}
    return {
        "type": "view_submission",
        "team": {"id": "T0TEAM", "domain": "platform"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0TEAM"},
        "api_app_id": "A123456",
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "trigger_id": "12466734323.1395872398.4ef8a51b3d5e2b8b9c62e1a0e62c8b1f",
        "view": {
            "id": view_id,
            "team_id": "T0TEAM",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": state},
            "hash": "156772938.1827394",
            "app_id": "A123456",
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def message_action(
    callback_id: str,
    *,
    user: str,
    channel: str,
    ts: str,
    text: str,
    author: str = "UASKER",
    thread_ts: str | None = None,
    response_url: str = "https://hooks.slack.com/app/T0TEAM/1/secret",
    channel_name: str = "ask-platform",
) -> dict[str, Any]:
    """A `message_action` payload (a message shortcut) on the message `ts` in `channel`."""
    message: dict[str, Any] = {"type": "message", "user": author, "ts": ts, "text": text}
    if thread_ts:
        message["thread_ts"] = thread_ts
    return {
        "type": "message_action",
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "action_ts": "1733360100.000300",
        "team": {"id": "T0TEAM", "domain": "platform"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0TEAM"},
        "channel": {"id": channel, "name": channel_name},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": "13345224609.738474920.8088930838d88f008e1",
        "response_url": response_url,
        "message_ts": ts,
        "message": message,
    }


def event_callback(
    event: dict[str, Any], *, event_id: str = "Ev0PV52K21", event_time: int | None = None
) -> str:
    """An Events API callback's JSON body wrapping `event` (e.g. a `message` in a channel)."""
    return json.dumps(
        {
            "token": "gIkuvaNzQIHg97ATvDxqgjtO",
            "team_id": "T0TEAM",
            "api_app_id": "A123456",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()) if event_time is None else event_time,
            "authorizations": [{"team_id": "T0TEAM", "user_id": "UBOT", "is_bot": True}],
        }
    )


def channel_message(
    text: str, *, user: str, channel: str, ts: str, thread_ts: str | None = None
) -> dict[str, Any]:
    """A `message` event in a channel (Events API, `message.channels`), in a thread when `thread_ts`."""
    event: dict[str, Any] = {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "channel",
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event
