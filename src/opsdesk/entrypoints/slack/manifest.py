"""The Slack app's manifest: the slash command, interactivity and the event subscription, all at opsdesk's
one Slack route, and the bot scopes this increment uses."""

from __future__ import annotations

from typing import Any

ROUTE = "/api/v1/integrations/slack/events"
SCOPES = ("chat:write", "chat:write.public", "commands", "users:read")
COMMAND = "/opsdesk"
EVENTS = ("app_home_opened",)  # answered with nothing: the subscription is there for what comes next


def manifest(base_url: str) -> dict[str, Any]:
    """The manifest for an opsdesk served at `base_url` (https://opsdesk.example.org)."""
    url = base_url.rstrip("/") + ROUTE
    return {
        "display_information": {
            "name": "opsdesk",
            "description": "Who is on call, incidents acknowledged and resolved, handovers acknowledged.",
        },
        "features": {
            "bot_user": {"display_name": "opsdesk", "always_online": True},
            "slash_commands": [
                {
                    "command": COMMAND,
                    "url": url,
                    "description": "Who is on call; today's handover, or a note for it",
                    "usage_hint": "oncall [when] | handover [note TEXT]",
                    "should_escape": False,
                }
            ],
        },
        "oauth_config": {"scopes": {"bot": list(SCOPES)}},
        "settings": {
            "event_subscriptions": {"request_url": url, "bot_events": list(EVENTS)},
            "interactivity": {"is_enabled": True, "request_url": url},
            "org_deploy_enabled": False,
            "socket_mode_enabled": False,
            "token_rotation_enabled": False,
        },
    }
