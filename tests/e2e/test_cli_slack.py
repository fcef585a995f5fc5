"""`opsdesk slack manifest`: the app manifest to paste into Slack, every request URL at opsdesk's route."""

from __future__ import annotations

import json

from tests.e2e.conftest import Run

ROUTE = "https://ops.example.org/api/v1/integrations/slack/events"


def test_the_manifest_points_every_request_url_at_the_slack_route(opsdesk: Run) -> None:
    done = opsdesk("slack", "manifest", "--url", "https://ops.example.org/")
    assert done.returncode == 0, done.stderr
    manifest = json.loads(done.stdout)
    (command,) = manifest["features"]["slash_commands"]
    assert (command["command"], command["url"], command["usage_hint"]) == (
        "/opsdesk",
        ROUTE,
        "oncall [when] | handover [note TEXT] | incident [new] | ooh | announce | support",
    )
    (shortcut,) = manifest["features"]["shortcuts"]
    assert (shortcut["type"], shortcut["name"]) == ("message", "Make a support request")
    assert manifest["settings"]["interactivity"] == {"is_enabled": True, "request_url": ROUTE}
    events = manifest["settings"]["event_subscriptions"]
    assert (events["request_url"], events["bot_events"]) == (ROUTE, ["message.channels", "message.groups"])
    scopes = manifest["oauth_config"]["scopes"]["bot"]
    for scope in ("chat:write", "commands", "channels:history", "channels:manage"):
        assert scope in scopes
    assert manifest["settings"]["socket_mode_enabled"] is False


def test_a_url_that_is_not_http_is_a_usage_error(opsdesk: Run) -> None:
    done = opsdesk("slack", "manifest", "--url", "ops.example.org")
    assert done.returncode == 2
    assert "'ops.example.org' is not an http(s) URL" in done.stderr
    assert done.stdout == ""
