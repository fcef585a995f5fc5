"""The root `opsdesk` command: global options, and the sub-commands wired in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from opsdesk import __version__
from opsdesk.config.settings import Settings
from opsdesk.entrypoints.cli import (
    announcements,
    changes,
    handover,
    hours,
    incidents,
    paging,
    policy,
    rota,
    rota_changes,
    serve,
    slack,
    smtp,
    storage,
    support,
    tokens,
)

app = typer.Typer(
    name="opsdesk",
    help="Support operations for platform teams: cover, rota, incidents, changes and support requests, as code.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help: Rich's help panels cost ~0.15 s of start-up on every --help.
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"opsdesk {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            envvar="OPSDESK_CONFIG",
            help="Policy file (YAML). Default: ./opsdesk.yaml if it exists, else the built-in defaults.",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    ctx.obj = Settings.from_environment(str(config) if config else None)


app.add_typer(hours.hours_app, name="hours")
app.command("check")(policy.check)
app.command("who")(rota.who)
app.command("init")(policy.init)
rota_changes.register(rota.rota_app)  # rota swap, override, leave, changes
app.add_typer(rota.rota_app, name="rota")
rota.report_app.command("incidents")(incidents.report_command)
rota.report_app.command("support")(support.report_command)
app.add_typer(rota.report_app, name="report")
app.add_typer(incidents.incident_app, name="incident")
app.add_typer(incidents.service_app, name="service")
app.add_typer(paging.page_app, name="page")
app.add_typer(changes.change_app, name="change")
app.add_typer(changes.github_app, name="github")
app.add_typer(handover.handover_app, name="handover")
app.add_typer(support.support_app, name="support")
app.add_typer(announcements.announce_app, name="announce")
app.add_typer(storage.db_app, name="db")
app.add_typer(storage.outbox_app, name="outbox")
app.command("worker")(storage.worker_command)
app.command("serve")(serve.serve_command)
app.command("smtp")(smtp.smtp_command)
app.add_typer(tokens.token_app, name="token")
app.add_typer(slack.slack_app, name="slack")
policy_app = typer.Typer(
    help="The policy file: its JSON Schema.", no_args_is_help=True, rich_markup_mode=None
)
policy_app.command("schema")(policy.schema)
app.add_typer(policy_app, name="policy")


def main() -> None:
    app()
