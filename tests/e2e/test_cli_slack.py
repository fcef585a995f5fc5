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
        "oncall [when] | handover [note TEXT]",
    )
    assert manifest["settings"]["interactivity"] == {"is_enabled": True, "request_url": ROUTE}
    assert manifest["settings"]["event_subscriptions"]["request_url"] == ROUTE
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == [
        "chat:write",
        "chat:write.public",
        "commands",
        "users:read",
    ]


def test_a_url_that_is_not_http_is_a_usage_error(opsdesk: Run) -> None:
    done = opsdesk("slack", "manifest", "--url", "ops.example.org")
    assert done.returncode == 2
    assert "'ops.example.org' is not an http(s) URL" in done.stderr
    assert done.stdout == ""
