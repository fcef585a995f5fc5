"""`opsdesk slack`: the Slack app's manifest, to paste into api.slack.com when creating the app."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from opsdesk.entrypoints.slack.manifest import manifest

slack_app = typer.Typer(help="The Slack app: its manifest.", no_args_is_help=True, rich_markup_mode=None)

UrlOption = Annotated[
    str,
    typer.Option(
        "--url",
        metavar="BASE",
        help="Where opsdesk is served, as Slack reaches it (https://...); the app's request URLs are "
        "BASE/api/v1/integrations/slack/events.",
    ),
]


@slack_app.command("manifest")
def manifest_command(url: UrlOption = "https://opsdesk.example.org") -> None:
    """Print the app manifest (JSON): the /opsdesk command, interactivity and events at opsdesk's route."""
    if not url.startswith(("https://", "http://")):
        raise typer.BadParameter(f"{url[:80]!r} is not an http(s) URL", param_hint="--url")
    typer.echo(json.dumps(manifest(url), indent=2))
