"""`opsdesk handover ...`: show, list, note, ack and preview the daily rhythm's briefings."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from opsdesk.domain.handover.model import HandoverKind, HandoverRecord
from opsdesk.entrypoints.cli.acting import As, actor
from opsdesk.entrypoints.cli.exit_codes import reported_errors
from opsdesk.entrypoints.cli.text import printable
from opsdesk.entrypoints.cli.wiring import application, run
from opsdesk.services.handover.views import record_view

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

handover_app = typer.Typer(
    help="The daily rhythm: the 16:00 handover, the morning hand-back, the turn change and the digest.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

AsJson = Annotated[bool, typer.Option("--json", help="As JSON (engineers as {id, name}, ISO 8601 times).")]
Kind = Annotated[HandoverKind, typer.Option("--kind", help="handover, hand-back, turn-change or digest.")]
Number = Annotated[int, typer.Argument(metavar="ID", min=1, max=2**62, help="The briefing's number.")]


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{printable(text)[:40]!r} is not a date: give it as YYYY-MM-DD, e.g. 2026-12-04",
            param_hint="--date",
        ) from None


def _print(record: HandoverRecord, tz: ZoneInfo) -> None:
    from opsdesk.adapters.email.briefing import briefing_text  # noqa: PLC0415  (the plain-text rendering)

    subject, body = briefing_text(record.briefing, record.id, tz)
    typer.echo(subject)
    ack = record.acknowledgement
    if ack is not None:
        typer.echo(f"Acknowledged by {ack.by} at {ack.at.astimezone(tz):%a %d %b %H:%M} (from {ack.via}).")
    elif record.kind.acknowledged:
        typer.echo("Not acknowledged yet.")
    typer.echo("")
    typer.echo(body)


@handover_app.command("show")
def show_command(
    ctx: typer.Context,
    handover_id: Annotated[int | None, typer.Argument(metavar="[ID]", min=1, max=2**62)] = None,
    day: Annotated[
        str | None, typer.Option("--date", metavar="DATE", help="The day it was made (YYYY-MM-DD).")
    ] = None,
    kind: Kind = HandoverKind.HANDOVER,
    as_json: AsJson = False,
) -> None:
    """A kept briefing: by number, or the one of `--kind` made on `--date` (default: the latest handover)."""
    when = _day(day)
    app = application(ctx.obj)
    with reported_errors():
        service = app.handovers
        record = service.get(handover_id) if handover_id else service.on(when, kind)
    tz = app.cover.timezone
    if as_json:
        typer.echo(json.dumps(record_view(record, tz), ensure_ascii=False, indent=2))
    else:
        _print(record, tz)


@handover_app.command("list")
def list_command(
    ctx: typer.Context,
    kind: Annotated[
        HandoverKind | None, typer.Option("--kind", help="Only this kind (default: every kind).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per briefing.")] = False,
) -> None:
    """The briefings kept, the latest first, with who acknowledged each."""
    app = application(ctx.obj)
    with reported_errors():
        found = app.handovers.records(kind, limit)
    tz = app.cover.timezone
    for record in found:
        if as_json:
            typer.echo(json.dumps(record_view(record, tz), ensure_ascii=False))
            continue
        b = record.briefing
        to = " and ".join(p.name for p in b.receivers) or "-"
        ack = record.acknowledgement
        state = (
            f"acknowledged by {ack.by} {ack.at.astimezone(tz):%H:%M}"
            if ack
            else ("not acknowledged" if record.kind.acknowledged else "")
        )
        timeliness = "" if b.timeliness == "on-time" else f" [{b.timeliness}]"
        typer.echo(
            f"#{record.id} {record.kind:<11} {b.at.astimezone(tz):%a %d %b %Y %H:%M}{timeliness} "
            f"to {printable(to)}  {state}".rstrip()
        )
    if not found and not as_json:
        typer.echo("no briefings kept yet: the first handover is made when the next support window ends")


@handover_app.command("note")
def note_command(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="What the on-call engineers should know (quote it).")],
    who: As = None,
) -> None:
    """Add a note for the next handover."""
    note = run(ctx.obj, lambda app: app.handovers.note(text, actor(who)))
    typer.echo(f"note {note.id} kept for the next handover")


@handover_app.command("ack")
def ack_command(
    ctx: typer.Context,
    handover_id: Annotated[int | None, typer.Argument(metavar="[ID]", min=1, max=2**62)] = None,
    who: As = None,
) -> None:
    """Acknowledge a briefing you receive (default: the latest one waiting for you)."""
    acting = actor(who)
    record = run(ctx.obj, lambda app: app.handovers.acknowledge(handover_id, acting.name, acting))
    ack = record.acknowledgement
    assert ack is not None  # the service returns the record acknowledged
    typer.echo(f"{record.kind} #{record.id} acknowledged by {ack.by}")


@handover_app.command("preview")
def preview_command(
    ctx: typer.Context,
    at: Annotated[
        str, typer.Option("--at", metavar="WHEN", help="An instant (ISO 8601, the team's time) or `now`.")
    ] = "now",
    as_json: AsJson = False,
) -> None:
    """The handover that would be made at the end of the support window at or before WHEN (outside a
    working day: the one covering WHEN), made from what is stored now; nothing is kept or sent."""
    from opsdesk.domain.handover.documents import document  # noqa: PLC0415

    app = application(ctx.obj)
    tz = app.cover.timezone
    with reported_errors("--at"):
        instant = app.hours.instant(at, app.clock.now())
    with reported_errors():
        briefing = app.handovers.preview(instant)
    if as_json:
        typer.echo(json.dumps(document(briefing, tz), ensure_ascii=False, indent=2))
        return
    from opsdesk.adapters.email.briefing import briefing_text  # noqa: PLC0415

    subject, body = briefing_text(briefing, None, tz)
    typer.echo(f"{subject}\n(preview: nothing kept or sent)\n\n{body}")
