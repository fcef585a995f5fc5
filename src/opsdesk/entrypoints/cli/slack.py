"""`opsdesk slack`: the Slack app's manifest, to paste into api.slack.com when creating the app, and the app
over Socket Mode (`opsdesk slack socket`), for an opsdesk Slack cannot reach over HTTPS."""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from opsdesk.entrypoints.cli import wiring
from opsdesk.entrypoints.cli.exit_codes import ExitCode, fail, reported_errors
from opsdesk.entrypoints.logs import configure
from opsdesk.entrypoints.slack.manifest import manifest

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from opsdesk.bootstrap.application import Application
    from opsdesk.bootstrap.live import LivePolicy
    from opsdesk.config.settings import Settings

logger = logging.getLogger("opsdesk.slack")
slack_app = typer.Typer(
    help="The Slack app: its manifest, and the app over Socket Mode.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
NEEDS_TOKENS = (
    "Socket Mode needs {missing}: set OPSDESK_SLACK_APP_TOKEN to the app-level token (xapp-..., with the "
    "connections:write scope; Basic Information > App-Level Tokens) and OPSDESK_SLACK_TOKEN to the bot token "
    "(xoxb-...; OAuth & Permissions), see docs/slack.md"
)

UrlOption = Annotated[
    str,
    typer.Option(
        "--url",
        metavar="BASE",
        help="Where opsdesk is served, as Slack reaches it (https://...); the app's request URLs are "
        "BASE/api/v1/integrations/slack/events.",
    ),
]
SocketOption = Annotated[
    bool,
    typer.Option(
        "--socket",
        help="For Socket Mode (`opsdesk slack socket`): socket_mode_enabled, no request URLs (--url unused).",
    ),
]


@slack_app.command("manifest")
def manifest_command(url: UrlOption = "https://opsdesk.example.org", socket: SocketOption = False) -> None:
    """Print the app manifest (JSON): the /opsdesk command, interactivity and events at opsdesk's route
    (or, with --socket, over Socket Mode)."""
    if socket:
        typer.echo(json.dumps(manifest(""), indent=2))
        return
    if not url.startswith(("https://", "http://")):
        raise typer.BadParameter(f"{url[:80]!r} is not an http(s) URL", param_hint="--url")
    typer.echo(json.dumps(manifest(url), indent=2))


@slack_app.command("socket")
def socket_command(
    ctx: typer.Context,
    log_format: Annotated[str, typer.Option("--log-format", help="text or json", show_default=True)] = "text",
) -> None:
    """Run the Slack app over Socket Mode: the same /opsdesk command, buttons, forms and events as the HTTP
    route, over a WebSocket opsdesk opens to Slack (no public URL needed). Posts still go through the
    outbox: run `opsdesk serve` or `opsdesk worker` as well. Stops on Ctrl-C or SIGTERM."""
    if log_format not in {"text", "json"}:
        raise fail(f"--log-format {log_format!r}: expected text or json", ExitCode.USAGE)
    with reported_errors():
        from opsdesk.config.deployment import deployment_settings  # noqa: PLC0415  (pydantic: only here)

        found = deployment_settings({})  # tokens come from the environment only, never the policy file
    app_token, bot_token = (
        secret.get_secret_value().strip() if secret is not None else ""
        for secret in (found.slack_app_token, found.slack_token)
    )
    missing = [
        name
        for name, value in (("OPSDESK_SLACK_APP_TOKEN", app_token), ("OPSDESK_SLACK_TOKEN", bot_token))
        if not value
    ]
    if missing:
        raise fail(NEEDS_TOKENS.format(missing=" and ".join(missing)), ExitCode.FAILED)
    if not app_token.startswith("xapp-"):
        raise fail(
            "OPSDESK_SLACK_APP_TOKEN is not an app-level token (they start xapp-): the bot token "
            "(xoxb-...) goes in OPSDESK_SLACK_TOKEN, see docs/slack.md",
            ExitCode.FAILED,
        )
    configure(log_format)
    settings: Settings = ctx.obj
    application = wiring.application(settings, migrate=True)
    live = _live(application)
    handler = socket_handler(lambda: live.app, app_token, application.deployment.slack_api_url)
    _run(handler)


def _live(application: Application) -> LivePolicy:
    """The application in force, its policy watched as `serve` watches it."""
    from opsdesk.bootstrap.live import LivePolicy  # noqa: PLC0415

    live = LivePolicy(application)
    seconds = application.deployment.policy_reload_seconds
    return live.watch(seconds) if seconds > 0 else live


def socket_handler(
    application: Callable[[], Application], app_token: str, api_url: str | None = None
) -> SocketModeHandler:
    """The Socket Mode handler over the Slack app built for Socket Mode: every listener the HTTP route has
    (slack_sdk's own WebSocket client: no dependency beyond slack_sdk). `api_url`: Slack's Web API."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler  # noqa: PLC0415
    from slack_sdk import WebClient  # noqa: PLC0415

    from opsdesk.entrypoints.slack.app import SlackApp  # noqa: PLC0415

    slack = SlackApp("", application, socket_mode=True)
    client = WebClient(base_url=api_url or WebClient.BASE_URL)
    return SocketModeHandler(slack.bolt, app_token, web_client=client)


def _run(handler: SocketModeHandler) -> None:
    from slack_sdk.errors import SlackApiError  # noqa: PLC0415

    try:
        handler.client.connect()
    except SlackApiError as exc:
        error = str(exc.response.get("error") or exc.response.status_code)
        raise fail(
            f"Slack would not open a Socket Mode connection ({error}): check OPSDESK_SLACK_APP_TOKEN (an "
            "app-level token with connections:write) and that Socket Mode is on for the app",
            ExitCode.FAILED,
        ) from None
    except OSError as exc:
        raise fail(f"Slack could not be reached ({type(exc).__name__}): try again", ExitCode.FAILED) from None
    stopping = threading.Event()

    def stop(*_: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    logger.info("connected to Slack over Socket Mode")
    typer.echo("opsdesk's Slack app is connected over Socket Mode; Ctrl-C stops it", err=True)
    try:
        while not stopping.wait(1):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        handler.client.close()
