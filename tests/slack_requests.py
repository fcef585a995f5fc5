"""Requests as Slack sends them to an app (api.slack.com: "Verifying requests from Slack", slash commands,
`block_actions` payloads, `url_verification`), signed with the app's signing secret."""

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
