"""`opsdesk change check` and `opsdesk github template`."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from opsdesk.config.settings import Settings
from opsdesk.domain.changes.carry_out import overrun
from opsdesk.domain.changes.checklist import PHASE_WORDS, Phase
from opsdesk.domain.changes.model import ChangeState
from opsdesk.domain.durations import spoken
from opsdesk.domain.instants import parse_instant, span_text
from opsdesk.entrypoints.cli.acting import As, AsAdmin, actor
from opsdesk.entrypoints.cli.exit_codes import ExitCode, reported_errors
from opsdesk.entrypoints.cli.inputs import read_input
from opsdesk.entrypoints.cli.text import entry_line, printable
from opsdesk.entrypoints.cli.wiring import application, run

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from opsdesk.bootstrap.application import Application
    from opsdesk.domain.changes.model import ChangeRequest, Problem
    from opsdesk.domain.changes.window import ChangeWindow
    from opsdesk.services.changes.workflow import ChangeWorkflow

change_app = typer.Typer(help="Out-of-hours change requests.", no_args_is_help=True, rich_markup_mode=None)
github_app = typer.Typer(help="GitHub: the issue form.", no_args_is_help=True, rich_markup_mode=None)


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
    from opsdesk.services.changes.views import check_dict  # noqa: PLC0415

    settings: Settings = ctx.obj
    body = read_input(file)
    app = application(settings)
    with reported_errors():
        rota = app.rota
    with reported_errors("--submitted-at"):
        submitted = parse_instant(submitted_at, rota.engine.timezone)
    result = app.change_check(booked=_database_ready(app)).check(body, submitted)
    if as_json:
        typer.echo(json.dumps(check_dict(result), ensure_ascii=False))
    else:
        tz = rota.engine.timezone
        if result.window is not None:
            typer.echo(f"window: {_window(result.window, tz)} ({tz.key})")
        for problem in result.problems:
            typer.echo(_problem(problem))
        typer.echo("ok: the request can go ahead" if result.ok else "not ok: fix the errors above")
    if not result.ok:
        raise typer.Exit(int(ExitCode.FAILED))


def _window(window: ChangeWindow, tz: ZoneInfo) -> str:
    start, end = window.start.astimezone(tz), window.end.astimezone(tz)
    return span_text(start, end)


def _problem(problem: Problem) -> str:
    return f"{problem.severity}: {problem.code}: {printable(problem.message)}"


def _database_ready(app: Application) -> bool:
    """Whether approved changes can be checked for conflicts: a database up to date (else said on stderr)."""
    from opsdesk.domain.errors import IntegrationError  # noqa: PLC0415

    try:
        app.engine  # noqa: B018  (reaching it checks the database)
    except IntegrationError as exc:
        typer.echo(f"note: approved changes not checked for conflicts ({exc})", err=True)
        return False
    return True


def _workflow(settings: Settings) -> ChangeWorkflow:
    """The change-request use cases, over the database (SQLAlchemy: only when run)."""
    app = application(settings)
    with reported_errors():
        return app.changes


Number = Annotated[int, typer.Argument(metavar="ID", min=1, max=2**62, help="The request's number (CR-n).")]


def _show(workflow: ChangeWorkflow, change_id: int, as_json: bool) -> None:
    from opsdesk.services.changes.views import change_dict  # noqa: PLC0415

    change = workflow.change(change_id)
    tz = workflow.rota.engine.timezone
    history = workflow.history(change_id)
    if as_json:
        typer.echo(
            json.dumps(
                change_dict(change, workflow.suggest(change), history, tz, workflow.policy.checklist),
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    typer.echo(
        f"{change.reference} {change.state}: {printable(change.title)} (from {printable(change.requester)})"
    )
    if change.window is not None:
        typer.echo(f"  window: {_window(change.window, tz)}")
    for problem in change.problems:
        typer.echo(f"  {_problem(problem)}")
    if change.state in (ChangeState.UNDER_REVIEW, ChangeState.NEEDS_INFO):
        typer.echo(f"  suggested engineer: {workflow.suggest(change).reason}")
    if change.assigned:
        typer.echo(
            f"  assigned: {change.assigned}; instructions: {printable(change.instructions or '')}; "
            f"channel: {change.channel or '-'}"
        )
    _show_checklist(workflow, change, tz)
    for entry in history:  # entries quote titles, reasons and notes as written
        typer.echo(entry_line(entry, tz))


def _show_checklist(workflow: ChangeWorkflow, change: ChangeRequest, tz: ZoneInfo) -> None:
    """Each phase's items once the change is approved, a ticked one with who and when."""
    if change.state not in SHOWN_FROM:
        return
    for phase in Phase:
        items = workflow.policy.checklist.phase(phase)
        if items:
            typer.echo(f"  {PHASE_WORDS[phase]}:")
        for item in items:
            tick = change.ticked(item.id)
            said = (
                f": ticked by {printable(tick.by)}, {tick.at.astimezone(tz):%a %d %b %H:%M %Z}"
                if tick
                else ""
            )
            typer.echo(f"    [{'x' if tick else ' '}] {printable(item.label)} ({item.id}){said}")
    if change.started_at:
        typer.echo(f"  started: {change.started_at.astimezone(tz):%a %d %b %Y %H:%M %Z}")
    if change.finished_at:
        late = overrun(change, change.finished_at)
        overran = f" ({spoken(late)} after its window closed)" if late else ""
        typer.echo(f"  finished: {change.finished_at.astimezone(tz):%a %d %b %Y %H:%M %Z}{overran}")


SHOWN_FROM = (ChangeState.APPROVED, ChangeState.IN_PROGRESS, ChangeState.COMPLETED, ChangeState.ROLLED_BACK)


def submit_command(
    ctx: typer.Context,
    file: Annotated[
        str, typer.Argument(metavar="FILE", help="The form's four sections (Markdown); - for stdin.")
    ],
    title: Annotated[str, typer.Option("--title", help='e.g. "Payments: database upgrade".')],
    who: As = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """File a request (teams without GitHub): checked at once."""
    workflow = _workflow(ctx.obj)
    with reported_errors():
        change = workflow.submit(title, read_input(file), actor(who))
        _show(workflow, change.id, as_json)


def list_command(
    ctx: typer.Context,
    state: Annotated[ChangeState | None, typer.Option("--state", help="Only requests in this state.")] = None,
    monitoring: Annotated[
        bool, typer.Option("--monitoring", help="Only changes still being watched.")
    ] = False,
) -> None:
    """The newest requests (`--monitoring`: carried out and still watched, for the handover)."""
    workflow = _workflow(ctx.obj)
    tz = workflow.rota.engine.timezone
    found = workflow.monitoring() if monitoring else workflow.changes(state)
    for change in found:
        when = change.window.start.astimezone(tz).strftime("%Y-%m-%d %H:%M") if change.window else "no window"
        typer.echo(f"{change.reference:<12} {change.state:<12} {when}  {printable(change.title)}")
    if not found:
        typer.echo("no change requests")


def show_command(
    ctx: typer.Context, change_id: Number, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """A request with its checks and history."""
    workflow = _workflow(ctx.obj)
    with reported_errors():
        _show(workflow, change_id, as_json)


def approve_command(  # noqa: PLR0917  (one parameter per option)
    ctx: typer.Context,
    change_id: Number,
    engineer: Annotated[str, typer.Option("--engineer", help="The assigned engineer (id or GitHub login).")],
    instructions: Annotated[str, typer.Option("--instructions", help="What the engineer is to do.")],
    channel: Annotated[str | None, typer.Option("--channel", help="The designated Slack channel.")] = None,
    who: As = None,
) -> None:
    """Approve with an assigned engineer and instructions (you must not be the requester)."""
    change = run(
        ctx.obj,
        lambda app: app.changes.approve(
            change_id, actor(who), engineer, instructions=instructions, channel=channel
        ),
    )
    typer.echo(f"{change.reference} approved: {change.assigned} assigned")


def reject_command(
    ctx: typer.Context, change_id: Number, reason: Annotated[str, typer.Option("--reason")], who: As = None
) -> None:
    """Reject with a reason."""
    change = run(ctx.obj, lambda app: app.changes.reject(change_id, actor(who), reason))
    typer.echo(f"{change.reference} rejected")


def tick_command(
    ctx: typer.Context,
    change_id: Number,
    item: Annotated[
        str, typer.Argument(metavar="ITEM", help="The item's id or its words (see `change show`).")
    ],
    who: As = None,
    admin: AsAdmin = False,
) -> None:
    """Tick a checklist item in its phase: before items once approved (all before `start`), during items
    once started (all before `complete`), after items once completed or rolled back."""
    change, checklist = run(
        ctx.obj,
        lambda app: (
            app.changes.tick(change_id, actor(who, admin=admin), item),
            app.changes.policy.checklist,
        ),
    )
    for found in filter(None, [checklist.find(item)]):  # tick refused an unknown item
        phase = checklist.phase(found.phase)
        done = sum(1 for i in phase if change.ticked(i.id))
        typer.echo(
            f"{change.reference}: {printable(found.label)} ticked; {PHASE_WORDS[found.phase]}: "
            f"{done} of {len(phase)} ticked"
        )


def start_command(ctx: typer.Context, change_id: Number, who: As = None, admin: AsAdmin = False) -> None:
    """The change begins: its before items ticked, its window open (or about to: the policy's tolerance)."""
    change = run(ctx.obj, lambda app: app.changes.start(change_id, actor(who, admin=admin)))
    typer.echo(f"{change.reference} in progress")


def complete_command(  # noqa: PLR0917  (one parameter per option)
    ctx: typer.Context,
    change_id: Number,
    note: Annotated[str, typer.Option("--note", help="How it went.")],
    rolled_back: Annotated[bool, typer.Option("--rolled-back", help="It was rolled back.")] = False,
    who: As = None,
    admin: AsAdmin = False,
) -> None:
    """The change is done (its during items ticked) or `--rolled-back`; it is then watched for the
    monitoring period from now."""
    finished = run(
        ctx.obj,
        lambda app: (
            app.changes.finish(change_id, actor(who, admin=admin), note, rolled_back=rolled_back),
            app.cover.timezone,
        ),
    )
    change, tz = finished
    late = overrun(change, change.finished_at) if change.finished_at else None
    overran = f" ({spoken(late)} after its window closed)" if late else ""
    until = change.monitoring_until.astimezone(tz) if change.monitoring_until else None
    typer.echo(
        f"{change.reference} {change.state}{overran}; monitored until "
        + (f"{until:%a %d %b %Y %H:%M %Z}" if until else "-")
    )


def cancel_command(
    ctx: typer.Context,
    change_id: Number,
    reason: Annotated[str | None, typer.Option("--reason")] = None,
    who: As = None,
) -> None:
    """Withdraw your own request."""
    change = run(ctx.obj, lambda app: app.changes.cancel(change_id, actor(who), reason))
    typer.echo(f"{change.reference} cancelled")


def template_command() -> None:
    """Print the issue form for a repository to adopt (save it at the path shown on standard error)."""
    from opsdesk.adapters.github.template import FORM_PATH, FORM_YAML  # noqa: PLC0415

    sys.stdout.write(FORM_YAML)
    typer.echo(f"save it as {FORM_PATH} in the repository", err=True)


change_app.command("check")(check_command)
change_app.command("submit")(submit_command)
change_app.command("list")(list_command)
change_app.command("show")(show_command)
change_app.command("approve")(approve_command)
change_app.command("reject")(reject_command)
change_app.command("tick")(tick_command)
change_app.command("start")(start_command)
change_app.command("complete")(complete_command)
change_app.command("cancel")(cancel_command)
github_app.command("template")(template_command)
