"""The Slack app's manifest: the slash command, the message shortcut, interactivity and the event
subscriptions, all at opsdesk's one Slack route (or over Socket Mode), and the bot scopes the app uses:
posting (and into public channels it was not invited to), reading the ask channel's messages to follow
its questions up, and setting the ask channel's topic."""

from __future__ import annotations

from typing import Any

ROUTE = "/api/v1/integrations/slack/events"
SCOPES = (
    "chat:write",
    "chat:write.public",
    "commands",
    "users:read",
    "channels:history",  # the ask channel's messages (message.channels), and finding a post again
    "groups:history",
    "channels:read",
    "groups:read",
    "im:write",
    "im:history",
    "channels:manage",  # conversations.setTopic: the ask channel's topic names the support engineer
)
COMMAND = "/opsdesk"
SUPPORT_SHORTCUT = "support:from_message"  # the message shortcut's callback id
EVENTS = ("message.channels", "message.groups")  # the ask channel's questions and their threads


def manifest(base_url: str) -> dict[str, Any]:
    """The manifest for an opsdesk served at `base_url` (https://opsdesk.example.org); with no `base_url`,
    for Socket Mode (`opsdesk slack socket`: no request URLs)."""
    url = base_url.rstrip("/") + ROUTE
    socket = not base_url
    return {
        "display_information": {
            "name": "opsdesk",
            "description": "Who is on call; incidents, handovers, change requests and support, from Slack.",
        },
        "features": {
            "bot_user": {"display_name": "opsdesk", "always_online": True},
            "slash_commands": [
                {
                    "command": COMMAND,
                    **({} if socket else {"url": url}),
                    "description": "Who is on call, handover, incidents, change requests, announcements, support",
                    "usage_hint": "oncall [when] | handover [note TEXT] | incident [new] | ooh | announce | support",
                    "should_escape": False,
                }
            ],
            "shortcuts": [
                {
                    "name": "Make a support request",
                    "type": "message",
                    "callback_id": SUPPORT_SHORTCUT,
                    "description": "Put this message on the support board, linked to its thread",
                }
            ],
        },
        "oauth_config": {"scopes": {"bot": list(SCOPES)}},
        "settings": {
            "event_subscriptions": {**({} if socket else {"request_url": url}), "bot_events": list(EVENTS)},
            "interactivity": {"is_enabled": True, **({} if socket else {"request_url": url})},
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket,
            "token_rotation_enabled": False,
        },
    }
