"""`opsdesk announce ...`: post an announcement (scheduled work, maintenance, an incident update), list
them, and show one with its promised update and reminders."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from opsdesk.domain.announcements.model import Announcement, AnnouncementKind, Mention, Request
from opsdesk.domain.announcements.schedule import next_update as read_next_update
from opsdesk.domain.durations import spoken
from opsdesk.domain.instants import parse_instant
from opsdesk.entrypoints.cli.acting import As, actor
from opsdesk.entrypoints.cli.exit_codes import reported_errors
from opsdesk.entrypoints.cli.text import printable, summary
from opsdesk.entrypoints.cli.wiring import application
from opsdesk.services.announcements.views import announcement_view

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from opsdesk.bootstrap.application import Application

announce_app = typer.Typer(
    help="Announcements: scheduled work, maintenance and incident updates, posted to the update channel and "
    "forwarded to the ask channel.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

Number = Annotated[int | None, typer.Option(min=1, max=2**62, show_default=False)]
AsJson = Annotated[bool, typer.Option("--json", help="As JSON (ISO 8601 times in the team's zone).")]


@announce_app.command("post")
def post_command(  # noqa: PLR0917  (one parameter per option)
    ctx: typer.Context,
    kind: Annotated[AnnouncementKind, typer.Argument(help="scheduled-work, maintenance or incident-update.")],
    title: Annotated[str, typer.Option("--title", help="One line, at most 200 characters.")],
    body: Annotated[
        str, typer.Option("--body", help="What is happening, whom it affects, what to do (`-`: stdin).")
    ],
    incident: Annotated[
        int | None, typer.Option("--incident", min=1, max=2**62, help="The incident it is about.")
    ] = None,
    change: Annotated[
        int | None, typer.Option("--change", min=1, max=2**62, help="The change request it is about.")
    ] = None,
    mention: Annotated[
        Mention | None, typer.Option("--mention", help="here or channel, within the policy's budget.")
    ] = None,
    starts_at: Annotated[
        str | None, typer.Option("--starts-at", metavar="WHEN", help="When the work starts (ISO 8601).")
    ] = None,
    next_update: Annotated[
        str | None,
        typer.Option(
            "--next-update", metavar="WHEN", help="The next update, promised: 30m, 2h or an instant."
        ),
    ] = None,
    who: As = None,
    as_json: AsJson = False,
) -> None:
    """Post an announcement to the update channel, forwarded to the ask channel as a linked pair."""
    acting = actor(who)
    app = application(ctx.obj)
    tz, now = app.cover.timezone, app.clock.now()
    with reported_errors("--starts-at"):
        start = parse_instant(starts_at, tz) if starts_at is not None else None
    with reported_errors("--next-update"):
        due = read_next_update(next_update, tz) if next_update is not None else None
    text = sys.stdin.read() if body == "-" else body
    request = Request(kind, title, text, incident, change, mention, start, due)
    with reported_errors():
        record = app.announcements.announce(request, acting)
    if as_json:
        typer.echo(json.dumps(announcement_view(record, now, tz), ensure_ascii=False, indent=2))
        return
    typer.echo(f"announcement #{record.id} {_where(app, record)}")
    for line in _schedule(record, now, tz):
        typer.echo(line)


def _where(app: Application, record: Announcement) -> str:
    def place(channel: str | None, what: str) -> str:
        if channel is None:
            return f"opsdesk's log (the policy names no {what} channel)"
        return channel if "slack" in app.channel_names else f"opsdesk's log ({channel}: Slack is not set up)"

    update, ask = place(record.update_channel, "update"), place(record.ask_channel, "ask")
    return f"posted to {update}, then forwarded to {ask}, linked to the post"


def _schedule(record: Announcement, now: datetime, tz: ZoneInfo) -> list[str]:
    lines = []
    if record.mention is not None:
        lines.append(f"  mentions @{record.mention}")
    if record.starts_at is not None:
        lines.append(f"  starts {record.starts_at.astimezone(tz):%a %d %b %Y %H:%M %Z}")
    promise = record.promise
    if promise is not None:
        lines.append(
            f"  next update promised by {promise.due.astimezone(tz):%a %d %b %H:%M %Z}: {promise.state(now)}"
            + (f" (kept by #{promise.kept_by})" if promise.kept_by else "")
            + (f", author reminded {promise.reminded_at.astimezone(tz):%H:%M}" if promise.reminded_at else "")
        )
    for reminder in record.reminders:
        sent = f"sent {reminder.sent_at.astimezone(tz):%a %d %b %H:%M}" if reminder.sent_at else "to come"
        lines.append(
            f"  reminder {spoken(reminder.before)} before, at {reminder.at.astimezone(tz):%a %d %b %H:%M}: "
            f"{sent}"
        )
    return lines


@announce_app.command("list")
def list_command(  # noqa: PLR0917  (one parameter per option)
    ctx: typer.Context,
    kind: Annotated[AnnouncementKind | None, typer.Option("--kind", help="Only this kind.")] = None,
    incident: Annotated[
        int | None, typer.Option("--incident", min=1, max=2**62, help="Only on this incident.")
    ] = None,
    change: Annotated[
        int | None, typer.Option("--change", min=1, max=2**62, help="Only on this change request.")
    ] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only those whose promised update is overdue.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per announcement.")] = False,
) -> None:
    """The announcements made, the newest first, with the state of each promised update."""
    app = application(ctx.obj)
    tz, now = app.cover.timezone, app.clock.now()
    with reported_errors():
        service = app.announcements
        found = (
            service.overdue(limit)
            if overdue
            else service.records(limit, kind=kind, incident=incident, change=change)
        )
    for record in found:
        if as_json:
            typer.echo(json.dumps(announcement_view(record, now, tz), ensure_ascii=False))
            continue
        about = f" {record.subject}" if record.subject else ""
        said = f"#{record.id} {record.kind:<15} {record.at.astimezone(tz):%a %d %b %Y %H:%M}{about}"
        mention = f" @{record.mention}" if record.mention else ""
        promise = record.promise
        state = f"  next update {promise.state(now)}" if promise is not None else ""
        typer.echo(f'{said} "{summary(record.title, 60)}" by {printable(record.author)}{mention}{state}')
    if not found and not as_json:
        typer.echo("no promised update is overdue" if overdue else "no announcements made yet")


@announce_app.command("show")
def show_command(
    ctx: typer.Context,
    announcement_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=2**62)],
    as_json: AsJson = False,
) -> None:
    """One announcement: what it said, where it went, its promised update and its reminders."""
    app = application(ctx.obj)
    tz, now = app.cover.timezone, app.clock.now()
    with reported_errors():
        record = app.announcements.get(announcement_id)
    if as_json:
        typer.echo(json.dumps(announcement_view(record, now, tz), ensure_ascii=False, indent=2))
        return
    about = (
        f" on {record.subject}" + (f" ({record.priority})" if record.priority else "")
        if record.subject
        else ""
    )
    typer.echo(f"#{record.id} {record.kind.words}{about}: {printable(record.title)}")
    typer.echo(f"  by {printable(record.author)} at {record.at.astimezone(tz):%a %d %b %Y %H:%M %Z}")
    typer.echo(f"  {_where(app, record)}")
    for line in _schedule(record, now, tz):
        typer.echo(line)
    typer.echo("")
    typer.echo(printable(record.body))
