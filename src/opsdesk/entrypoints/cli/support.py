"""`opsdesk support ...` (the board: new, list, show, assign, move, comment, triage, reopen, untriaged) and
`opsdesk report support`."""

from __future__ import annotations

import csv
import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from opsdesk.config.settings import Settings
from opsdesk.domain.support.model import SupportRequest, Triage, Waits
from opsdesk.entrypoints.cli.acting import As, actor
from opsdesk.entrypoints.cli.exit_codes import ExitCode, fail, reported_errors
from opsdesk.entrypoints.cli.inputs import read_input
from opsdesk.entrypoints.cli.periods import FirstDay, LastDay, period
from opsdesk.entrypoints.cli.text import entry_line, printable, summary
from opsdesk.entrypoints.cli.wiring import application, run

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from opsdesk.services.support.service import SupportService

support_app = typer.Typer(
    help="The support board: user requests, triage, and times in support hours.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
Number = Annotated[int, typer.Argument(metavar="ID", min=1, max=2**62, help="The request's number (SR-n).")]
AsJson = Annotated[bool, typer.Option("--json", help="As JSON.")]


def _service(settings: Settings) -> SupportService:
    """The support use cases, over the database (SQLAlchemy: only when run)."""
    app = application(settings)
    with reported_errors():
        return app.support


def _line(request: SupportRequest, tz: ZoneInfo) -> str:
    triage = str(request.priority) if request.priority else str(request.triage)
    who = request.assignee or "-"
    labels = f" [{', '.join(printable(label) for label in request.labels)}]" if request.labels else ""
    return (
        f"{request.reference:<8} {request.status:<12} {triage:<10} {who:<10} "
        f"{request.created_at.astimezone(tz):%Y-%m-%d %H:%M}  {summary(request.title, 70)}{labels}"
    )


def _show(service: SupportService, request_id: int, as_json: bool) -> None:
    from opsdesk.services.support.views import request_dict  # noqa: PLC0415

    tz = service.rota.engine.timezone
    request = service.request(request_id)
    waited, comments, history = (
        service.waits(request),
        service.comments(request_id),
        service.history(request_id),
    )
    if as_json:
        view = request_dict(request, tz, waited=waited, comments=comments, history=history)
        typer.echo(json.dumps(view, ensure_ascii=False, indent=2))
        return
    _heading(request, waited, tz)
    if request.body.strip():
        typer.echo("")
        typer.echo("\n".join(f"  {printable(line)}" for line in request.body.strip().splitlines()))
    for comment in comments:
        typer.echo(
            f"\n  {comment.at.astimezone(tz):%Y-%m-%d %H:%M} {printable(comment.author)} ({comment.source}):"
        )
        typer.echo("\n".join(f"    {printable(line)}" for line in comment.text.splitlines()))
    typer.echo("")
    for entry in history:
        typer.echo(entry_line(entry, tz))


def _heading(request: SupportRequest, waited: Waits, tz: ZoneInfo) -> None:
    """The request's fields, and its waits in support hours."""
    typer.echo(f"{request.reference} {request.status}: {printable(request.title)}")
    triage = {
        Triage.ACCEPTED: f"accepted as {request.priority}",
        Triage.DECLINED: f"declined: {request.reason}",
    }
    typer.echo(f"  from {printable(request.requester)}; {printable(triage.get(request.triage, 'untriaged'))}")
    for name, value in (
        ("assignee", request.assignee),
        ("labels", ", ".join(request.labels)),
        ("link", request.link),
    ):
        if value:
            typer.echo(f"  {name}: {printable(value)}")
    typer.echo(f"  arrived: {request.created_at.astimezone(tz):%a %d %b %Y %H:%M %Z}")
    for what, wait in (
        ("triage", waited.triage),
        ("first response", waited.first_response),
        ("done", waited.done),
    ):
        if wait is not None:
            typer.echo(f"  time to {what}: {_hours(wait.total_seconds())} of support hours")
    for late in sorted(waited.late):
        typer.echo(f"  late: still waiting for {late.replace('_', ' ')}, past the target")


def _hours(seconds: float) -> str:
    minutes = seconds / 60
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def new_command(  # noqa: PLR0917  (one parameter per option)
    ctx: typer.Context,
    title: Annotated[str, typer.Option("--title", help="One line: what is wrong.")],
    body: Annotated[str, typer.Option("--body", help="The request in the requester's words.")] = "",
    file: Annotated[
        str | None, typer.Option("--file", metavar="FILE", help="The body from a file; - for standard input.")
    ] = None,
    label: Annotated[list[str] | None, typer.Option("--label", help="A label (repeat for more).")] = None,
    link: Annotated[str | None, typer.Option("--link", help="Where it came from (a URL).")] = None,
    who: As = None,
    as_json: AsJson = False,
) -> None:
    """File a request: untriaged, in todo, announced in the support channel."""
    if file is not None and body:
        raise fail("give the body with --body or --file, not both", ExitCode.USAGE)
    text = read_input(file) if file is not None else body
    service = _service(ctx.obj)
    with reported_errors():
        request = service.new(title, text, actor(who), labels=label or (), link=link)
        if as_json:
            _show(service, request.id, as_json)
        else:
            typer.echo(f"{request.reference} filed: {printable(request.title)}")


def list_command(  # noqa: PLR0917  (one parameter per option)
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option("--status", help="todo, in-progress, blocked, for-review, done.")
    ] = None,
    untriaged: Annotated[bool, typer.Option("--untriaged", help="Only what nobody has triaged.")] = False,
    label: Annotated[str | None, typer.Option("--label", help="Only requests with this label.")] = None,
    assignee: Annotated[str | None, typer.Option("--assignee", help="Only this engineer's.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 100,
    as_json: AsJson = False,
) -> None:
    """The board, the newest first."""
    from opsdesk.services.support.views import request_dict  # noqa: PLC0415

    service = _service(ctx.obj)
    tz = service.rota.engine.timezone
    triage = Triage.UNTRIAGED if untriaged else None
    with reported_errors():
        found = service.requests(status, label=label, assignee=assignee, triage=triage, limit=limit)
    for request in found:
        typer.echo(
            json.dumps(request_dict(request, tz), ensure_ascii=False) if as_json else _line(request, tz)
        )
    if not found and not as_json:
        typer.echo("no support requests")


def show_command(ctx: typer.Context, request_id: Number, as_json: AsJson = False) -> None:
    """A request with its waits in support hours, comments and history."""
    service = _service(ctx.obj)
    with reported_errors():
        _show(service, request_id, as_json)


def assign_command(
    ctx: typer.Context,
    request_id: Number,
    engineer: Annotated[
        str, typer.Argument(metavar="ENGINEER", help="An engineer's id, GitHub login or email.")
    ],
    who: As = None,
) -> None:
    """Assign a team engineer (who is told directly)."""
    request = run(ctx.obj, lambda app: app.support.assign(request_id, actor(who), engineer))
    typer.echo(f"{request.reference} assigned to {request.assignee}")


def move_command(
    ctx: typer.Context,
    request_id: Number,
    status: Annotated[
        str, typer.Argument(metavar="STATUS", help="todo, in-progress, blocked, for-review or done.")
    ],
    who: As = None,
) -> None:
    """Move an accepted request on the board (a done one is reopened, never moved)."""
    request = run(ctx.obj, lambda app: app.support.move(request_id, actor(who), status))
    typer.echo(f"{request.reference} is {request.status}")


def comment_command(
    ctx: typer.Context,
    request_id: Number,
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The comment.")],
    who: As = None,
) -> None:
    """Comment; the first comment by a team engineer other than the requester is the first response."""
    run(ctx.obj, lambda app: app.support.comment(request_id, actor(who), text))
    typer.echo(f"SR-{request_id}: comment added")


def triage_command(
    ctx: typer.Context,
    request_id: Number,
    accept: Annotated[str | None, typer.Option("--accept", metavar="PRIORITY", help="P1, P2 or P3.")] = None,
    decline: Annotated[
        str | None, typer.Option("--decline", metavar="REASON", help="Why (the requester is told).")
    ] = None,
    who: As = None,
) -> None:
    """Triage (a team engineer, normally the support engineer): --accept P1|P2|P3 or --decline REASON."""
    request = run(
        ctx.obj, lambda app: app.support.triage(request_id, actor(who), accept=accept, decline=decline)
    )
    said = f"accepted as {request.priority}" if request.triage is Triage.ACCEPTED else "declined (done)"
    typer.echo(f"{request.reference} {said}")


def reopen_command(
    ctx: typer.Context,
    request_id: Number,
    reason: Annotated[str | None, typer.Option("--reason", help="Why it is not done.")] = None,
    who: As = None,
) -> None:
    """Put a done request back in todo (a declined one is untriaged again)."""
    request = run(ctx.obj, lambda app: app.support.reopen(request_id, actor(who), reason))
    typer.echo(f"{request.reference} reopened: {request.status}, {request.triage}")


def untriaged_command(ctx: typer.Context, as_json: AsJson = False) -> None:
    """What nobody has triaged, the oldest first, and which are past the triage target (support hours)."""
    from opsdesk.services.support.views import breach_dict, request_dict  # noqa: PLC0415

    service = _service(ctx.obj)
    tz = service.rota.engine.timezone
    with reported_errors():
        waiting, breaches = service.untriaged(), service.triage_breaches()
    late = {b.request.id: b for b in breaches}
    if as_json:
        document: dict[str, Any] = {
            "untriaged": [request_dict(r, tz) for r in waiting],
            "breaches": [breach_dict(b, tz) for b in breaches],
        }
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    for request in waiting:
        breach = late.get(request.id)
        flag = f"  LATE: waited {_hours(breach.waited.total_seconds())} of support hours" if breach else ""
        typer.echo(_line(request, tz) + flag)
    if not waiting:
        typer.echo("nothing untriaged")


def report_command(
    ctx: typer.Context,
    start: FirstDay,
    end: LastDay,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV, one row per group.")] = False,
) -> None:
    """Support requests that arrived in a period: time to triage, first response and done in support hours
    (median, p90) and how many missed each target, by label, by engineer and in all."""
    from opsdesk.services.support.views import report_rows  # noqa: PLC0415

    service = _service(ctx.obj)
    tz = service.rota.engine.timezone
    lo, hi = period(start, end, tz)
    with reported_errors():
        rows = report_rows(service.report(lo, hi))
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return
    _table(rows, f"Support requests from {start} to {end} (support hours, {tz.key})")


def _table(rows: list[dict[str, Any]], title: str) -> None:
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    table = Table(title=title)
    headings = ("By", "Group", "Count", "Triage p50", "p90", "Response p50", "p90", "Done p50", "p90", "Late")
    for heading in headings:
        table.add_column(heading, justify="left" if heading in ("By", "Group") else "right", no_wrap=True)
    for row in rows:
        times = []
        for measure in ("triage", "first_response", "done"):
            for what in ("median", "p90"):
                value = row[f"{measure}_{what}_s"]
                times.append("-" if value == "" else _hours(float(value)))
        late = "/".join(str(row[f"{m}_late"]) for m in ("triage", "first_response", "done"))
        table.add_row(row["by"], printable(row["group"]), str(row["count"]), *times, late)
    Console(width=None if sys.stdout.isatty() else 140).print(table)
    typer.echo("Late: past the triage / first-response / done target.")


support_app.command("new")(new_command)
support_app.command("list")(list_command)
support_app.command("show")(show_command)
support_app.command("assign")(assign_command)
support_app.command("move")(move_command)
support_app.command("comment")(comment_command)
support_app.command("triage")(triage_command)
support_app.command("reopen")(reopen_command)
support_app.command("untriaged")(untriaged_command)
