"""`opsdesk db`, `opsdesk outbox` and `opsdesk worker`: the database, the outbox, and delivering it."""

from __future__ import annotations

import json
import signal
import threading
from types import FrameType
from typing import Annotated

import typer

from opsdesk.domain.outbox import OutboxState
from opsdesk.entrypoints.cli.exit_codes import ExitCode, fail, reported_errors
from opsdesk.entrypoints.cli.text import plural, printable, summary
from opsdesk.entrypoints.cli.wiring import application
from opsdesk.entrypoints.logs import configure
from opsdesk.entrypoints.outbox_rows import message_text, outbox_row_dict
from opsdesk.services.worker import run_worker

db_app = typer.Typer(help="The database: migrations.", no_args_is_help=True, rich_markup_mode=None)
outbox_app = typer.Typer(
    help="The outbox: every outgoing message.", no_args_is_help=True, rich_markup_mode=None
)


def upgrade_command(ctx: typer.Context) -> None:
    """Apply every database migration not yet applied (`opsdesk serve` does this on start)."""
    app = application(ctx.obj, migrate=True)
    with reported_errors():
        engine = app.engine
    typer.echo(f"database {engine.url.render_as_string(hide_password=True)} is up to date")


def list_command(
    ctx: typer.Context,
    dead: Annotated[bool, typer.Option("--dead", help="Only rows parked as dead.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000, help="At most this many rows.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per row.")] = False,
) -> None:
    """The newest outbox rows: what was sent, what waits, what failed."""
    app = application(ctx.obj)
    with reported_errors():
        rows = app.outbox.rows(OutboxState.DEAD if dead else None, limit)
    for row in rows:
        if as_json:
            typer.echo(json.dumps(outbox_row_dict(row), ensure_ascii=False))
        else:
            error = f"  last error: {printable(row.last_error)}" if row.last_error else ""
            if row.in_doubt:
                error += "  (in doubt: checked with the vendor before any resend)"
            if row.message.after and row.state is OutboxState.PENDING:
                error += f"  (follows {printable(row.message.after)}: sent once that is delivered)"
            said = summary(message_text(row.message.payload))
            said = f': "{said}"' if said else ""
            typer.echo(
                f"#{row.id} {row.state:<9} {row.message.channel} -> {printable(row.message.destination)}"
                f"{said} "
                f"({plural(row.attempts, 'attempt')}, key {printable(row.message.idempotency_key)}){error}"
            )
    if not rows and not as_json:
        typer.echo("no dead rows" if dead else "the outbox is empty")


def retry_command(ctx: typer.Context, row_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Queue a dead row again, due now."""
    app = application(ctx.obj)
    with reported_errors():
        retried = app.outbox.retry(row_id, app.clock.now())
    if not retried:
        raise fail(f"no dead outbox row #{row_id}: `opsdesk outbox list --dead` shows them", ExitCode.FAILED)
    typer.echo(f"#{row_id} is queued again")


def worker_command(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="Deliver the messages and run the jobs due now, then exit.")
    ] = False,
    poll: Annotated[
        float, typer.Option("--poll", min=0.05, max=60, help="Seconds between polls when idle.")
    ] = 1.0,
    log_format: Annotated[str, typer.Option("--log-format", help="text or json")] = "text",
) -> None:
    """Deliver the outbox and run due jobs until stopped: incident escalation (the next page, the end of
    escalation, hand-backs to working hours), announcements' promised updates and reminders, reminders
    of change requests and SNS subscription confirmations. SIGTERM finishes the row or job in hand."""
    if log_format not in {"text", "json"}:
        raise fail(f"--log-format {log_format!r}: expected text or json", ExitCode.USAGE)
    configure(log_format)
    from opsdesk.bootstrap.live import LivePolicy  # noqa: PLC0415

    app = application(ctx.obj)
    with reported_errors():
        live = LivePolicy(app)  # jobs run by the policy in force: a changed file is picked up
        deliverer = live.deliverer()
        jobs = live.job_runner()
        if app.deployment.policy_reload_seconds > 0 and not once:
            live.watch(app.deployment.policy_reload_seconds)
    stopping = threading.Event()

    def stop(_signal: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    run_worker(deliverer, jobs, stopping, idle=poll, once=once)


db_app.command("upgrade")(upgrade_command)
outbox_app.command("list")(list_command)
outbox_app.command("retry")(retry_command)
