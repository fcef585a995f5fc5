"""`opsdesk slack manifest`: the app manifest to paste into Slack, every request URL at opsdesk's route."""

from __future__ import annotations

import json

from pytest_httpserver import HTTPServer

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


NO_TOKENS = {"OPSDESK_SLACK_APP_TOKEN": "", "OPSDESK_SLACK_TOKEN": ""}


def test_the_socket_manifest_has_socket_mode_on_and_no_request_urls(opsdesk: Run) -> None:
    done = opsdesk("slack", "manifest", "--socket")
    assert done.returncode == 0, done.stderr
    manifest = json.loads(done.stdout)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "url" not in manifest["features"]["slash_commands"][0]
    assert manifest["settings"]["interactivity"] == {"is_enabled": True}
    assert "request_url" not in manifest["settings"]["event_subscriptions"]
    assert "events" not in done.stdout.replace("bot_events", "").replace("event_subscriptions", "")


def test_socket_mode_without_its_tokens_says_what_to_set(opsdesk: Run) -> None:
    done = opsdesk("slack", "socket", env=NO_TOKENS)
    assert done.returncode == 1
    assert done.stderr.startswith(
        "error: Socket Mode needs OPSDESK_SLACK_APP_TOKEN and OPSDESK_SLACK_TOKEN: set OPSDESK_SLACK_APP_TOKEN "
        "to the app-level token (xapp-..."
    )
    only_app = opsdesk("slack", "socket", env={**NO_TOKENS, "OPSDESK_SLACK_APP_TOKEN": "xapp-1-A1-2-abc"})
    assert only_app.returncode == 1
    assert only_app.stderr.startswith("error: Socket Mode needs OPSDESK_SLACK_TOKEN: set")
    only_bot = opsdesk("slack", "socket", env={**NO_TOKENS, "OPSDESK_SLACK_TOKEN": "xoxb-1"})
    assert only_bot.returncode == 1
    assert only_bot.stderr.startswith("error: Socket Mode needs OPSDESK_SLACK_APP_TOKEN: set")


def test_a_bot_token_given_as_the_app_token_is_refused(opsdesk: Run) -> None:
    done = opsdesk(
        "slack", "socket", env={"OPSDESK_SLACK_APP_TOKEN": "xoxb-1", "OPSDESK_SLACK_TOKEN": "xoxb-1"}
    )
    assert done.returncode == 1
    assert done.stderr == (
        "error: OPSDESK_SLACK_APP_TOKEN is not an app-level token (they start xapp-): the bot token "
        "(xoxb-...) goes in OPSDESK_SLACK_TOKEN, see docs/slack.md\n"
    )


def test_an_app_token_slack_refuses_ends_the_run_saying_so(opsdesk: Run, httpserver: HTTPServer) -> None:
    """Slack's Web API (apps.connections.open, asked with the app token) refusing it: no retry loop."""
    httpserver.expect_request("/api/apps.connections.open", method="POST").respond_with_json(
        {"ok": False, "error": "invalid_auth"}
    )
    env = {
        "OPSDESK_SLACK_APP_TOKEN": "xapp-1-A1-2-revoked",
        "OPSDESK_SLACK_TOKEN": "xoxb-1",
        "OPSDESK_SLACK_API_URL": httpserver.url_for("/api/"),
    }
    done = opsdesk("slack", "socket", env=env)
    assert done.returncode == 1, done.stderr
    assert done.stderr.endswith(
        "error: Slack would not open a Socket Mode connection (invalid_auth): check OPSDESK_SLACK_APP_TOKEN "
        "(an app-level token with connections:write) and that Socket Mode is on for the app\n"
    )
    (asked, _), *_ = httpserver.log
    assert asked.headers["Authorization"] == "Bearer xapp-1-A1-2-revoked"
