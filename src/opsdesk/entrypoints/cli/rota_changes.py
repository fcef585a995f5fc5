"""`opsdesk rota swap|override|leave|changes`: rota changes as commands, checked against every rule,
written into the policy file with its comments kept (or kept in the database over a read-only file)."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from opsdesk.config.settings import Settings
from opsdesk.domain.instants import parse_instant
from opsdesk.domain.rota import Role
from opsdesk.entrypoints.cli.acting import As, actor
from opsdesk.entrypoints.cli.exit_codes import ExitCode, fail, reported_errors
from opsdesk.entrypoints.cli.wiring import application

if TYPE_CHECKING:
    from opsdesk.bootstrap.application import Application
    from opsdesk.bootstrap.rota_changes import Outcome
    from opsdesk.domain.rota_changes import RotaChange

JsonOption = Annotated[bool, typer.Option("--json", help="JSON for programs.")]
RoleArgument = Annotated[Role, typer.Argument(help="primary, secondary or support.", show_default=False)]


def _app(settings: Settings) -> Application:
    return application(settings, migrate=True)


def _day(value: str, option: str) -> date:
    text = value.strip()
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        shaped = len(text) == 10 and text[4] == "-" and text[7] == "-" and text.replace("-", "").isdigit()
        reason = (
            f"there is no such day ({exc})" if shaped else "expected a date as YYYY-MM-DD, e.g. 2026-12-07"
        )
        raise fail(f"{option} {value[:64]!r}: {reason}", ExitCode.USAGE) from None


def _report(app: Application, outcome: Outcome, as_json: bool) -> None:
    """What changed, where it went, and who is on duty when it starts (as `opsdesk who` says it)."""
    from opsdesk.adapters.db.engine import safe_url  # noqa: PLC0415
    from opsdesk.domain.rota_changes import ChangeState  # noqa: PLC0415
    from opsdesk.entrypoints.duty_text import describe_duty  # noqa: PLC0415
    from opsdesk.services.rota import on_duty_dict  # noqa: PLC0415
    from opsdesk.services.rota_changes import change_dict, change_lines, first_duty  # noqa: PLC0415

    change, service = outcome.change, outcome.rota
    tz = service.engine.timezone
    duty = first_duty(change, service)
    if as_json:
        shown = {"change": change_dict(change, tz), "on_duty": on_duty_dict(service, duty) if duty else None}
        typer.echo(json.dumps(shown, ensure_ascii=False))
        return
    where = {
        ChangeState.PROPOSED: f"proposed; not in force until {change.partner} accepts it",
        ChangeState.WRITTEN: f"written to {app.settings.policy_path}",
        ChangeState.LAYERED: (
            f"kept in the database {safe_url(app.engine)} ({app.rota_changes.read_only_reason()}); "
            "`opsdesk rota changes --write` writes it into the file later"
        ),
    }.get(change.state, str(change.state))
    lines = change_lines(change, tz)
    typer.echo(f"{change.kind} #{change.id} {where}")
    for line in lines[1:]:
        typer.echo(line)
    if duty is not None:
        label = (
            "on duty then"
            if change.state is not ChangeState.PROPOSED
            else "on duty then (unchanged until accepted)"
        )
        typer.echo(f"{label}:")
        for line in describe_duty(service, duty):
            typer.echo("  " + line)


def override_command(  # noqa: PLR0917  (Typer: one parameter per option)
    ctx: typer.Context,
    role: RoleArgument,
    engineer: Annotated[str, typer.Argument(help="Who takes the role (an id, GitHub login or email).")],
    start: Annotated[
        str, typer.Option("--from", metavar="WHEN", help="ISO 8601; wall-clock in the policy's zone.")
    ],
    end: Annotated[str, typer.Option("--to", metavar="WHEN", help="ISO 8601, after --from.")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why (shown by `who`); 200 characters at most.")
    ] = "",
    acting: As = None,
    as_json: JsonOption = False,
) -> None:
    """An engineer takes a role for a period (cover for someone); refused if it breaks a rota rule."""
    from opsdesk.services.rota_changes import entry_text  # noqa: PLC0415

    app = _app(ctx.obj)
    with reported_errors():
        tz = app.cover.timezone
    with reported_errors("--from/--to"):
        lo, hi = parse_instant(start, tz), parse_instant(end, tz)
    with reported_errors():
        outcome = app.rota_changes.override(
            actor(acting).name, role, engineer, start=lo, end=hi, reason=entry_text(reason, "--reason")
        )
    _report(app, outcome, as_json)


def leave_command(  # noqa: PLR0917  (Typer: one parameter per option)
    ctx: typer.Context,
    engineer: Annotated[str, typer.Argument(help="Who is away (an id, GitHub login or email).")],
    first: Annotated[str, typer.Option("--from", metavar="DATE", help="The first day away.")],
    last: Annotated[str, typer.Option("--to", metavar="DATE", help="The last day away (included).")],
    note: Annotated[str, typer.Option("--note", help="Shown by `who`; 200 characters at most.")] = "",
    acting: As = None,
    as_json: JsonOption = False,
) -> None:
    """Leave for whole days; refused if the engineer is down for duty then (override that duty first)."""
    from opsdesk.services.rota_changes import entry_text  # noqa: PLC0415

    app = _app(ctx.obj)
    a, b = _day(first, "--from"), _day(last, "--to")
    with reported_errors():
        outcome = app.rota_changes.leave(actor(acting).name, engineer, a, b, entry_text(note, "--note"))
    _report(app, outcome, as_json)


swap_app = typer.Typer(
    help="Swap a duty with another engineer: one proposes, the other accepts (`swap accept ID`).",
    invoke_without_command=True,
    rich_markup_mode=None,
)


@swap_app.callback()
def swap_command(  # noqa: PLR0917  (Typer: one parameter per option)
    ctx: typer.Context,
    partner: Annotated[
        str | None, typer.Option("--with", metavar="ENGINEER", help="The other engineer.")
    ] = None,
    role: Annotated[Role | None, typer.Option("--role", help="primary, secondary or support.")] = None,
    day: Annotated[
        str | None,
        typer.Option(
            "--on", metavar="DATE", help="A day of your on-call turn (or your support day) to give."
        ),
    ] = None,
    back: Annotated[
        str | None,
        typer.Option(
            "--back", metavar="DATE", help="A day of their turn (or support day) you take in return."
        ),
    ] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why; 200 characters at most.")] = "",
    acting: As = None,
    as_json: JsonOption = False,
) -> None:
    """Propose a swap (you are --as, an engineer): it is checked now, and in force once they accept."""
    if ctx.invoked_subcommand is not None:
        return
    if partner is None or role is None or day is None:
        raise fail(
            "a swap needs --with ENGINEER, --role ROLE and --on DATE (and --back DATE to take a turn in "
            "return); then the other engineer runs `opsdesk rota swap accept ID`",
            ExitCode.USAGE,
        )
    from opsdesk.services.rota_changes import entry_text  # noqa: PLC0415

    settings: Settings = ctx.find_root().obj
    app = _app(settings)
    given, taken = _day(day, "--on"), _day(back, "--back") if back is not None else None
    with reported_errors():
        outcome = app.rota_changes.propose_swap(
            actor(acting).name,
            partner,
            role,
            day=given,
            back=taken,
            reason=entry_text(reason, "--reason"),
        )
    _report(app, outcome, as_json)


@swap_app.command("accept")
def accept_command(
    ctx: typer.Context,
    change_id: Annotated[int, typer.Argument(metavar="ID", help="The swap's number.", min=1, max=2**62)],
    acting: As = None,
    as_json: JsonOption = False,
) -> None:
    """Consent to a swap proposed to you: checked again against the rota as it is now, then made."""
    app = _app(ctx.find_root().obj)
    with reported_errors():
        outcome = app.rota_changes.accept_swap(change_id, actor(acting).name)
    _report(app, outcome, as_json)


@swap_app.command("decline")
def decline_command(
    ctx: typer.Context,
    change_id: Annotated[int, typer.Argument(metavar="ID", help="The swap's number.", min=1, max=2**62)],
    acting: As = None,
) -> None:
    """Decline a swap proposed to you, or withdraw your own proposal."""
    app = _app(ctx.find_root().obj)
    with reported_errors():
        declined = app.rota_changes.decline_swap(change_id, actor(acting).name)
    typer.echo(f"swap #{declined.id} declined by {actor(acting).name[:100]}; nothing changes")


def changes_command(
    ctx: typer.Context,
    write: Annotated[
        bool, typer.Option("--write", help="Write the changes kept in the database into the policy file.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Rota changes made as commands, newest first: who proposed, who consented, where each is kept."""
    from opsdesk.services.rota_changes import change_dict, change_lines  # noqa: PLC0415

    app = _app(ctx.obj)
    with reported_errors():
        tz = app.cover.timezone
        if write:
            folded = app.rota_changes.fold()
            count = len(folded)
            typer.echo(
                f"wrote {count} rota change{'s' if count != 1 else ''} from the database into "
                f"{app.settings.policy_path}"
                if count
                else "no rota changes are waiting in the database"
            )
            return
        found: list[RotaChange] = app.rota_changes.listed()
    for change in found:
        if as_json:
            typer.echo(json.dumps(change_dict(change, tz), ensure_ascii=False))
        else:
            for line in change_lines(change, tz):
                typer.echo(line)
    if not found and not as_json:
        typer.echo("no rota changes yet: `opsdesk rota override`, `rota leave` and `rota swap` make them")


def register(rota_app: typer.Typer) -> None:
    """The commands, on the `rota` group."""
    rota_app.add_typer(swap_app, name="swap")
    rota_app.command("override")(override_command)
    rota_app.command("leave")(leave_command)
    rota_app.command("changes")(changes_command)
