"""`opsdesk change check` and `opsdesk github template`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from opsdesk.config.settings import Settings
from opsdesk.domain.instants import parse_instant
from opsdesk.entrypoints.cli.exit_codes import ExitCode, fail, reported_errors

change_app = typer.Typer(help="Out-of-hours change requests.", no_args_is_help=True, rich_markup_mode=None)
github_app = typer.Typer(help="GitHub: the issue form.", no_args_is_help=True, rich_markup_mode=None)
READ_LIMIT = 1 << 20  # bytes read from FILE: enough to say a body is far too large


def check_command(
    ctx: typer.Context,
    file: Annotated[
        str, typer.Argument(metavar="FILE", help="The issue body (Markdown); - for standard input.")
    ],
    submitted_at: Annotated[
        str, typer.Option("--submitted-at", metavar="WHEN", help="When it was submitted (ISO 8601).")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="{ok, window, problems} as JSON.")] = False,
) -> None:
    """Check a request as written: the form's fields, the Scheduled Time, notice, hours, conflicts, staff.

    Exit 0 when it can go ahead (warnings allowed), 1 when any problem is an error."""
    from opsdesk.bootstrap.rota import rota_service  # noqa: PLC0415  (the rota: only for this command)
    from opsdesk.config.loading import load_policy  # noqa: PLC0415
    from opsdesk.services.changes import ChangeService, check_dict  # noqa: PLC0415

    settings: Settings = ctx.obj
    body = _read(file)
    with reported_errors():
        rota = rota_service(settings)
        policy = load_policy(settings).changes
    with reported_errors("--submitted-at"):
        submitted = parse_instant(submitted_at, rota.engine.timezone)
    result = ChangeService(rota, policy).check(body, submitted)
    if as_json:
        typer.echo(json.dumps(check_dict(result), ensure_ascii=False))
    else:
        tz = rota.engine.timezone
        if result.window is not None:
            start, end = result.window.start.astimezone(tz), result.window.end.astimezone(tz)
            typer.echo(f"window: {start:%a %d %b %Y %H:%M} to {end:%a %d %b %Y %H:%M %Z} ({tz.key})")
        for problem in result.problems:
            typer.echo(f"{problem.severity}: {problem.code}: {problem.message}")
        typer.echo("ok: the request can go ahead" if result.ok else "not ok: fix the errors above")
    if not result.ok:
        raise typer.Exit(int(ExitCode.FAILED))


def _read(file: str) -> str:
    try:
        raw = (
            sys.stdin.buffer.read(READ_LIMIT + 1)
            if file == "-"
            else Path(file).read_bytes()[: READ_LIMIT + 1]
        )
    except OSError as exc:
        raise fail(f"{file}: cannot read it ({exc.strerror or exc})", ExitCode.FAILED) from None
    return raw.decode("utf-8", errors="replace")


def template_command() -> None:
    """Print the issue form for a repository to adopt (save it at the path shown on standard error)."""
    from opsdesk.config.change_form import FORM_PATH, FORM_YAML  # noqa: PLC0415

    sys.stdout.write(FORM_YAML)
    typer.echo(f"save it as {FORM_PATH} in the repository", err=True)


change_app.command("check")(check_command)
github_app.command("template")(template_command)
