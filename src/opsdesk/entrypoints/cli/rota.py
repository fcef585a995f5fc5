"""`opsdesk who` and `opsdesk rota ...`: who is on duty, and the rota's rules."""

from __future__ import annotations

import csv
import functools
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

from opsdesk.config.settings import Settings
from opsdesk.domain.instants import parse_instant, parse_period_bound
from opsdesk.domain.rota import EngineerId, Role
from opsdesk.entrypoints.cli.exit_codes import ExitCode, fail, reported_errors
from opsdesk.entrypoints.cli.periods import FirstDay, LastDay, bounds, period
from opsdesk.entrypoints.cli.text import clock_text, shortened
from opsdesk.entrypoints.cli.wiring import application
from opsdesk.entrypoints.duty_text import describe_duty

if TYPE_CHECKING:
    from opsdesk.bootstrap.application import Application
    from opsdesk.services.rota import OnDuty, RotaService
    from opsdesk.services.rota_generation import Generated


@functools.cache
def _app(settings: Settings) -> Application:
    """The application, once per command: its rota machinery loads only when a rota command runs."""
    return application(settings)


def _service(settings: Settings) -> RotaService:
    app = _app(settings)
    with reported_errors():
        return app.rota


rota_app = typer.Typer(
    help="The rota: check its rules, generate it, export calendars.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

WhenOption = Annotated[
    str | None,
    typer.Option(
        "--at",
        metavar="WHEN",
        help="ISO 8601 instant (wall-clock in the policy's zone without an offset). Default: now.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON for programs.")]
FromOption = Annotated[
    str | None, typer.Option("--from", metavar="DATE", help="Default: the rota's first day.")
]
ToOption = Annotated[str | None, typer.Option("--to", metavar="DATE", help="Default: the rota's last day.")]


WhoWhenOption = Annotated[
    list[str] | None,
    typer.Option(
        "--at",
        metavar="WHEN",
        help="ISO 8601 instant (wall-clock in the policy's zone without an offset). Repeatable: each is "
        "answered in order. '-' reads one instant per line from standard input. Default: now.",
        show_default=False,
    ),
]


def who(ctx: typer.Context, at: WhoWhenOption = None, as_json: JsonOption = False) -> None:
    """Who is on duty: the support engineer in support hours, the primary and secondary on call."""
    settings: Settings = ctx.obj
    service = _service(settings)
    values = at or []
    if values.count("-") > 1:
        raise fail("'--at -' may be given once: standard input can be read only once", ExitCode.USAGE)
    instants: dict[str, datetime] = {}
    for given in values:  # every --at is read before anything is printed: a bad one stops the command
        if given != "-":
            with reported_errors("--at"):
                instants[given] = parse_instant(given, service.engine.timezone)
    ok = True
    order: list[str | None] = list(values) if values else [None]
    for value in order:
        if value == "-":
            ok = _who_stream(service, as_json) and ok
        else:
            _print_duty(service, service.who(None if value is None else instants[value]), as_json)
    if not ok:
        raise typer.Exit(int(ExitCode.FAILED))


def _print_duty(service: RotaService, duty: OnDuty, as_json: bool) -> None:
    if as_json:
        from opsdesk.services.rota import on_duty_dict  # noqa: PLC0415

        typer.echo(json.dumps(on_duty_dict(service, duty), ensure_ascii=False))
    else:
        typer.echo("\n".join(describe_duty(service, duty)))


def _who_stream(service: RotaService, as_json: bool) -> bool:
    """Answer each line of standard input in order, as it arrives; a bad line is reported in its place."""
    from opsdesk.domain.errors import InvalidInstantError  # noqa: PLC0415

    ok = True
    for raw in sys.stdin.buffer:
        line = raw.decode("utf-8", errors="replace").removesuffix("\n").removesuffix("\r")
        try:
            instant = parse_instant(line, service.engine.timezone)
        except InvalidInstantError as exc:
            ok = False
            if as_json:
                typer.echo(json.dumps({"input": line, "error": exc.reason}, ensure_ascii=False))
            else:
                typer.echo(f"error: {shortened(line)!r}: {exc.reason}")
        else:
            _print_duty(service, service.who(instant), as_json)
        sys.stdout.flush()
    return ok


def check(
    ctx: typer.Context,
    start: FromOption = None,
    end: ToOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check every rule of the rota; exit 1 if any is broken."""
    settings: Settings = ctx.obj
    service = _service(settings)
    tz = service.engine.timezone
    lo, hi = bounds(start, end, service.engine.timezone)
    with reported_errors("--from/--to"):
        violations = service.check(lo, hi)
    from opsdesk.services.rota import violation_dict  # noqa: PLC0415

    for violation in violations:
        if as_json:
            typer.echo(json.dumps(violation_dict(violation, service), ensure_ascii=False))
        else:
            typer.echo(
                f"{violation.code}: {_period(violation.start, violation.end, tz)}: {violation.message}"
            )
    if violations:
        if not as_json:
            typer.echo(f"{len(violations)} rule violation{'s' if len(violations) != 1 else ''}", err=True)
            if service.period(lo, hi) is None:
                a, b = service.check_period(lo, hi)
                typer.echo(
                    f"the policy assigns no rota yet (checked {_period(a, b, tz)}): "
                    "`opsdesk rota generate` plans one, `opsdesk init` writes an example",
                    err=True,
                )
        raise typer.Exit(int(ExitCode.FAILED))
    if not as_json:
        typer.echo("the rota keeps every rule")


def _period(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    a, b = start.astimezone(tz), end.astimezone(tz)
    return f"{clock_text(a, True)} to {clock_text(b, b.date() != a.date())}"


rota_app.command("check")(check)


def generate_command(
    ctx: typer.Context,
    start: Annotated[
        str, typer.Option("--from", metavar="DATE", help="First week (the turn holding this date).")
    ],
    weeks: Annotated[int, typer.Option("--weeks", help="Number of weekly turns to plan.")],
    write: Annotated[bool, typer.Option("--write", help="Write the rota into the policy file.")] = False,
) -> None:
    """Generate the fairest rota that keeps every rule; show it and what changes, or --write it."""
    settings: Settings = ctx.obj
    service = _service(settings)
    if not service.rota.engineers:
        raise fail(
            "the policy names no engineers: run `opsdesk init` for an example, or add engineers",
            ExitCode.FAILED,
        )
    with reported_errors("--from"):
        first = (
            parse_period_bound(start, service.engine.timezone, end=False)
            .astimezone(service.engine.timezone)
            .date()
        )
    from rich.console import Console  # noqa: PLC0415  (Rich costs ~0.1 s: only for these commands)

    console = Console(stderr=True)
    with console.status("planning the rota", spinner="dots") as status, reported_errors():
        result = _app(settings).generate_rota(first, weeks, progress=status.update)
    _print_plan(service, result)
    if write:
        with reported_errors():
            _app(settings).write_rota(result.plan)
        weeks_written = len(result.plan.weeks)
        typer.echo(
            f"wrote {weeks_written} week{'s' if weeks_written != 1 else ''} and {len(result.plan.support)} "
            f"support days to {settings.policy_path}"
        )
    else:
        typer.echo("nothing written: add --write to save this rota in the policy file")


def _print_plan(service: RotaService, result: Generated) -> None:
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    out = Console()
    changed = {(c.week_or_day, c.role) for c in result.changes}
    table = Table(
        title=f"On-call rota: {len(result.plan.weeks)} week{'s' if len(result.plan.weeks) != 1 else ''} from {result.first_week}"
    )
    for column in ("Week", "Primary", "Secondary", "Support (working days)"):
        table.add_column(column)
    support_by_week: dict[date, list[str]] = {}
    for day, who in sorted(result.plan.support.items()):
        support_by_week.setdefault(service.rota.turn.week_of(day), []).append(f"{day:%a} {who}")
    for week, (primary, secondary) in sorted(result.plan.weeks.items()):
        table.add_row(
            str(week),
            f"{primary} *" if (week, Role.PRIMARY) in changed else primary,
            f"{secondary} *" if (week, Role.SECONDARY) in changed else secondary,
            ", ".join(support_by_week.get(week, [])),
        )
    out.print(table)
    quality = "optimal" if result.plan.optimal else "best found within the time limit (not proven optimal)"
    out.print(f"solved in {result.plan.seconds:.2f} s: {quality}")
    out.print(
        "fairness (fewest to most per engineer, history included): "
        + "; ".join(f"{measure} {lo}-{hi}" for measure, (lo, hi) in result.spreads.items())
    )
    for note in result.spread_notes.values():
        out.print(f"  wider than 1: {note}")
    if result.changes:
        out.print(f"{len(result.changes)} published assignment(s) change (marked *):")
        for change in result.changes:
            out.print(
                f"  {change.week_or_day} {change.role}: {change.before} -> {change.after} ({change.reason})"
            )
    else:
        out.print("no published assignment changes")


rota_app.command("generate")(generate_command)


def ics_command(
    ctx: typer.Context,
    engineer: Annotated[
        str | None, typer.Option("--engineer", metavar="ID", help="One engineer's duty only.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", metavar="FILE", help="Write here (default: stdout).")
    ] = None,
    start: FromOption = None,
    end: ToOption = None,
) -> None:
    """An iCalendar feed of the real duty windows (not 24/7 weeks), one event per shift."""
    settings: Settings = ctx.obj
    service = _service(settings)
    if engineer is not None and service.rota.engineer(EngineerId(engineer)) is None:
        known = ", ".join(e.id for e in service.rota.engineers) or "none"
        raise fail(f"--engineer {engineer!r}: not in engineers (known: {known})", ExitCode.USAGE)
    lo, hi = bounds(start, end, service.engine.timezone)
    with reported_errors("--from/--to"):
        found = service.shifts(lo, hi, EngineerId(engineer) if engineer else None)
    title = f"opsdesk rota: {engineer}" if engineer else "opsdesk rota"
    feed = _app(settings).calendar(found, title)
    if out is None:
        sys.stdout.buffer.write(feed)
        return
    try:
        out.write_bytes(feed)
    except OSError as exc:
        raise fail(
            f"--out {str(out)!r}: cannot write there ({exc.strerror or exc})", ExitCode.FAILED
        ) from None
    typer.echo(f"wrote {len(found)} shifts to {out}", err=True)


rota_app.command("ics")(ics_command)
report_app = typer.Typer(
    help="Reports: hours on duty, incidents, support requests.", no_args_is_help=True, rich_markup_mode=None
)


def hours_command(
    ctx: typer.Context,
    start: FirstDay,
    end: LastDay,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="CSV for a spreadsheet or an allowance claim.")
    ] = False,
) -> None:
    """Hours per engineer: on call as primary and secondary by kind of day, and support days."""
    settings: Settings = ctx.obj
    service = _service(settings)
    tz = service.engine.timezone
    lo, hi = period(start, end, tz)
    with reported_errors("--from/--to"):
        rows = [row.as_dict() for row in service.hours(lo, hi)]
    if as_csv:
        writer = csv.DictWriter(
            sys.stdout, fieldnames=list(rows[0]) if rows else ["engineer"], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)
        return
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    table = Table(title=f"Hours from {start} to {end} ({tz.key})")
    headings = ["Engineer", "P wd", "P we", "P bh", "S wd", "S we", "S bh", "Support days"]
    for heading in headings:
        table.add_column(heading, justify="left" if heading == "Engineer" else "right", no_wrap=True)
    for row in rows:
        values = [v for k, v in row.items() if k != "support_hours"]
        table.add_row(*[str(v) for v in values])
    Console(width=None if sys.stdout.isatty() else 120).print(table)
    Console().print(
        "P/S: hours on call as primary/secondary on working days (wd), weekends (we) and bank "
        "holidays (bh), counted from the real windows"
    )


report_app.command("hours")(hours_command)
