"""`opsdesk hours`: the cover at instants (or now), a stream of instants, or the windows of a period; and
`opsdesk hours elapsed`: the time of one cover in a period."""

from __future__ import annotations

import json
import sys
from typing import Annotated, BinaryIO
from zoneinfo import ZoneInfo

import typer

from opsdesk.config.settings import Settings
from opsdesk.domain.durations import spoken
from opsdesk.domain.hours import Cover, CoverAt, CoverWindow
from opsdesk.entrypoints.cli.exit_codes import ExitCode, fail, reported_errors
from opsdesk.entrypoints.cli.text import COVER_PHRASES, clock_text, day_phrase, shortened
from opsdesk.entrypoints.cli.wiring import run
from opsdesk.services.hours import (
    Elapsed,
    HoursService,
    LineError,
    cover_at_json,
    elapsed_dict,
    window_dict,
)

STDIN = "-"
CHUNK = 1 << 16
# "7 hours 15 minutes in support hours from ..."
ELAPSED_PHRASES = {
    Cover.SUPPORT: "in support hours",
    Cover.ON_CALL: "in on-call hours",
    Cover.NONE: "with no cover",
}

hours_app = typer.Typer(
    invoke_without_command=True, subcommand_metavar="[COMMAND [ARGS]...]", rich_markup_mode=None
)


@hours_app.callback()
def hours(
    ctx: typer.Context,
    at: Annotated[
        list[str] | None,
        typer.Option(
            "--at",
            metavar="WHEN",
            help="ISO 8601 instant; without an offset it is wall-clock time in the policy's time zone. "
            "Repeatable. '-' reads one instant per line from standard input. Default: now.",
            show_default=False,
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option("--from", metavar="DATE", help="List the cover windows from this date (or instant)."),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--to", metavar="DATE", help="... to this date, included (or up to this instant)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line, for programs.")] = False,
) -> None:
    """What cover the team offers: support hours, on-call hours, or none."""
    if ctx.invoked_subcommand is not None:
        return
    settings: Settings = ctx.obj
    if (start is None) != (end is None):
        raise fail("--from and --to go together: give both to list a period's windows", ExitCode.USAGE)
    if start is not None and at:
        raise fail("give either --at (instants) or --from/--to (a period), not both", ExitCode.USAGE)
    service = run(settings, lambda app: app.hours)
    if start is not None and end is not None:
        with reported_errors("--from/--to"):
            windows = service.windows(start, end)
        _print_windows(windows, service.timezone, as_json)
        return
    values = at or []
    if values.count(STDIN) > 1:
        raise fail("'--at -' may be given once: standard input can be read only once", ExitCode.USAGE)
    results = _command_line_instants(service, values)
    ok = True
    order: list[str | None] = list(values) if values else [None]
    for value in order:
        if value == STDIN:
            ok = _stream(service, sys.stdin.buffer, as_json) and ok
        else:
            _print_one(results[value], service.timezone, as_json)
    if not ok:
        raise typer.Exit(int(ExitCode.FAILED))


def _command_line_instants(service: HoursService, values: list[str]) -> dict[str | None, CoverAt]:
    """Read every --at before printing anything, so a bad one stops the command cleanly."""
    results: dict[str | None, CoverAt] = {}
    for value in values:
        if value != STDIN:
            with reported_errors("--at"):
                results[value] = service.at(value)
    if not values:
        results[None] = service.now()
    return results


def _stream(service: HoursService, source: BinaryIO, as_json: bool) -> bool:
    """Answer each input line in order, flushing whatever is ready each time input arrives."""
    tz = service.timezone
    ok = True
    pending = b""
    read = getattr(source, "read1", source.read)
    while True:
        chunk = read(CHUNK)
        if chunk:
            pending += chunk
            *complete, pending = pending.split(b"\n")
        else:
            complete, pending = ([pending] if pending else []), b""
        if complete:
            lines = [raw.decode("utf-8", errors="replace").removesuffix("\r") for raw in complete]
            out: list[str] = []
            if as_json:
                out, good = service.json_lines(lines)
                ok = ok and good
            else:
                for result in service.each_line(lines):
                    if isinstance(result, LineError):
                        ok = False
                        out.append(f"error: {shortened(result.input)!r}: {result.error}")
                    else:
                        out.append(_sentence(result, tz))
            sys.stdout.write("\n".join(out) + "\n")
            sys.stdout.flush()
        if not chunk:
            return ok


def _print_one(result: CoverAt, tz: ZoneInfo, as_json: bool) -> None:
    typer.echo(cover_at_json(result, tz) if as_json else _sentence(result, tz))


def _sentence(result: CoverAt, tz: ZoneInfo) -> str:
    local = result.at.astimezone(tz)
    head = (
        f"{clock_text(local, True)}: {COVER_PHRASES[result.cover]} ({day_phrase(result.day, result.holiday)})"
    )
    if result.until is None:
        return f"{head}, with no change of cover in the next year"
    until = result.until.astimezone(tz)
    return f"{head} until {clock_text(until, until.date() != local.date())}"


def _print_windows(windows: list[CoverWindow], tz: ZoneInfo, as_json: bool) -> None:
    if as_json:
        sys.stdout.write("".join(json.dumps(window_dict(w, tz), ensure_ascii=False) + "\n" for w in windows))
        return
    # Rich costs ~0.1 s to import; only the table needs it.
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    table = Table(title=f"Cover windows ({tz.key})")
    for column in ("Date", "From", "To", "Cover", "Kind of day"):
        table.add_column(column, no_wrap=column != "Kind of day", overflow="fold")
    styles = {Cover.SUPPORT: "green", Cover.ON_CALL: "yellow", Cover.NONE: "dim"}
    for window in windows:
        start, end = window.start.astimezone(tz), window.end.astimezone(tz)
        table.add_row(
            start.strftime("%a %d %b %Y"),
            clock_text(start, False),
            clock_text(end, False) if end.date() == start.date() else f"{end:%a} {clock_text(end, False)}",
            f"[{styles[window.cover]}]{window.cover}[/]",
            day_phrase(window.day, window.holiday),
        )
    Console().print(table)


@hours_app.command("elapsed")
def elapsed_command(
    ctx: typer.Context,
    start: Annotated[
        str,
        typer.Option(
            "--from",
            metavar="WHEN",
            help="Start of the period: an instant read like --at (wall-clock time in the policy's time "
            "zone without an offset), or `now`.",
        ),
    ],
    end: Annotated[
        str, typer.Option("--to", metavar="WHEN", help="End of the period (not included), or `now`.")
    ],
    cover: Annotated[Cover, typer.Option("--cover", help="Which cover to count.")] = Cover.SUPPORT,
    as_json: Annotated[
        bool, typer.Option("--json", help='{"from", "to", "cover", "seconds"}, for programs.')
    ] = False,
) -> None:
    """How long the team offered a cover (support hours by default) in the period [--from, --to)."""
    service = run(ctx.obj, lambda app: app.hours)
    now = service.clock.now()
    with reported_errors("--from"):
        lo = service.instant(start, now)
    with reported_errors("--to"):
        hi = service.instant(end, now)
    if hi < lo:
        raise fail(f"--to {end} is before --from {start}: the period must run forwards", ExitCode.USAGE)
    result = service.elapsed(lo, hi, cover)
    if as_json:
        typer.echo(json.dumps(elapsed_dict(result, service.timezone)))
    else:
        typer.echo(_elapsed_sentence(result, service.timezone))


def _elapsed_sentence(result: Elapsed, tz: ZoneInfo) -> str:
    """ "15 minutes in support hours from Fri 04 Dec 2026 15:55 GMT to Mon 07 Dec 2026 09:10 GMT"."""
    start, end = result.start.astimezone(tz), result.end.astimezone(tz)
    return (
        f"{spoken(result.amount, days=False)} {ELAPSED_PHRASES[result.cover]} from {clock_text(start, True)} "
        f"to {clock_text(end, end.date() != start.date())}"
    )
