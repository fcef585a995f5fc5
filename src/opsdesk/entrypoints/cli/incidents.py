"""`opsdesk incident ...`, `opsdesk report incidents` and `opsdesk service key`."""

from __future__ import annotations

import csv
import json
import secrets
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer

from opsdesk.config.settings import Settings
from opsdesk.domain.incidents.email_reply import shown_channel
from opsdesk.domain.incidents.model import Incident, IncidentState, Priority, key_digest
from opsdesk.domain.incidents.report import Figures
from opsdesk.domain.incidents.timeline import PAGE_LIMIT
from opsdesk.domain.timeline import TimelineEntry
from opsdesk.entrypoints.cli.acting import As, actor
from opsdesk.entrypoints.cli.exit_codes import reported_errors
from opsdesk.entrypoints.cli.periods import FirstDay, LastDay, period
from opsdesk.entrypoints.cli.text import COVER_PHRASES, entry_line, plural, printable
from opsdesk.entrypoints.cli.wiring import application, run

if TYPE_CHECKING:
    from opsdesk.services.incidents.service import IncidentService

incident_app = typer.Typer(
    help="Incidents: open, list, show, acknowledge, defer, resolve, annotate.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
service_app = typer.Typer(
    help="Monitored services: integration keys.", no_args_is_help=True, rich_markup_mode=None
)

AsJson = Annotated[bool, typer.Option("--json", help="The incident as JSON, with its newest entries.")]
SHOWN = 20  # timeline entries `incident show` prints unless told
PAGE = 1000  # lines written at a time by `--all`
Number = Annotated[int, typer.Argument(metavar="ID", min=1, max=2**62, help="The incident's number.")]


def _service(settings: Settings) -> IncidentService:
    """The incident use cases, over the database (SQLAlchemy costs ~0.3 s to import: only when run)."""
    found = application(settings)
    with reported_errors():
        return found.incidents


@dataclass(frozen=True)
class Reading:
    """Which of the timeline `incident show` prints: the newest `limit` (before `before`), or every entry."""

    limit: int = SHOWN
    before: int | None = None
    every: bool = False
    alerts: bool = False


def _show(service: IncidentService, incident_id: int, as_json: bool, reading: Reading = Reading()) -> None:
    from opsdesk.services.incidents.views import incident_view  # noqa: PLC0415  (see _service)

    tz = service.rota.engine.timezone
    incident = service.incident(incident_id)
    limit = 1 if reading.every else reading.limit  # --all: only the summary from the page
    page = service.timeline(incident_id, limit=limit, before=reading.before, alerts=reading.alerts)
    held = service.held_page(incident)
    if as_json:
        view = incident_view(incident, page, tz, held)
        if reading.every:
            _stream_json(view, service.walk_timeline(incident_id, alerts=reading.alerts), tz)
        else:
            typer.echo(json.dumps(view, ensure_ascii=False, indent=2))
        return
    _heading(incident, tz)
    if held is not None:
        typer.echo(f"  {held.said(f'{held.at.astimezone(tz):%a %d %b %H:%M}')}")
    if page.alerts:
        hint = "" if reading.alerts else "; `--alerts` lists each"
        typer.echo(f"  {printable(page.alerts.text(tz))}{hint}")
    if reading.every:
        lines: list[str] = []
        for entry in service.walk_timeline(incident_id, alerts=reading.alerts):
            lines.append(entry_line(entry, tz))
            if len(lines) == PAGE:  # printed a page at a time: memory stays flat
                typer.echo("\n".join(lines))
                lines.clear()
        if lines:
            typer.echo("\n".join(lines))
        return
    if page.older:
        typer.echo(
            f"  {page.older:,} older {'entry' if page.older == 1 else 'entries'} not shown: "
            f"`opsdesk incident show {incident.id} --before {page.next}` shows the {reading.limit} before "
            "these, `--all` every one"
        )
    if not page.entries and reading.before is not None:
        typer.echo(
            f"  no entries before {reading.before}: `opsdesk incident show {incident.id}` shows the newest"
        )
    for entry in reversed(page.entries):
        typer.echo(entry_line(entry, tz))


def _heading(incident: Incident, tz: ZoneInfo) -> None:
    priority = f" {incident.priority}" if incident.priority else ""
    typer.echo(f"#{incident.id}{priority} {incident.state} {incident.service}: {printable(incident.summary)}")
    typer.echo(
        f"  opened {incident.opened_at.astimezone(tz):%Y-%m-%d %H:%M} ({COVER_PHRASES[incident.cover]}), "
        f"{incident.alert_count:,} alert{'' if incident.alert_count == 1 else 's'}, "
        f"key {printable(incident.dedup_key)}"
    )
    if incident.lead or incident.scribe:
        typer.echo(f"  lead {printable(incident.lead or '-')}, scribe {printable(incident.scribe or '-')}")
    if incident.missing_roles and incident.state is not IncidentState.RESOLVED:
        options = " ".join(f"--{name} NAME" for name in incident.missing_roles)
        needs = " and ".join(incident.missing_roles)
        typer.echo(f"  needs: {needs} (`opsdesk incident set {incident.id} {options}`)")
    if incident.state is IncidentState.DEFERRED:
        typer.echo(
            f"  informed: {printable(incident.informed or '')}\n  plan: {printable(incident.plan or '')}"
        )


def _stream_json(view: dict[str, Any], entries: Iterator[TimelineEntry], tz: ZoneInfo) -> None:
    """The incident as one JSON document with every timeline entry, oldest first, written as they are
    read (the shape of `--json`, with the whole timeline)."""
    from opsdesk.services.incidents.views import entry_dict  # noqa: PLC0415  (see _service)

    head = {k: v for k, v in view.items() if k != "timeline"} | {"timeline_older": 0, "timeline_next": None}
    opening = json.dumps(head, ensure_ascii=False, indent=2).removesuffix("\n}")
    typer.echo(f'{opening},\n  "timeline": [', nl=False)
    chunk: list[str] = []
    written = 0
    for entry in entries:
        chunk.append(textwrap.indent(json.dumps(entry_dict(entry, tz), ensure_ascii=False, indent=2), "    "))
        if len(chunk) == PAGE:
            typer.echo(("," if written else "") + "\n" + ",\n".join(chunk), nl=False)
            written += len(chunk)
            chunk.clear()
    if chunk:
        typer.echo(("," if written else "") + "\n" + ",\n".join(chunk), nl=False)
        written += len(chunk)
    typer.echo("\n  ]\n}" if written else "]\n}")


def open_command(  # noqa: PLR0917  (one parameter per option)
    ctx: typer.Context,
    service_id: Annotated[str, typer.Option("--service", help="The service's id, from the policy.")],
    summary: Annotated[str, typer.Option("--summary", help="What is wrong.")],
    priority: Annotated[Priority | None, typer.Option("--priority", help="P1, P2 or P3.")] = None,
    who: As = None,
    as_json: AsJson = False,
) -> None:
    """Open an incident by hand; it is routed by the cover now, as an alarm would be."""
    service = _service(ctx.obj)
    with reported_errors():
        incident = service.open(service_id, summary, actor(who), priority)
        _show(service, incident.id, as_json)


def list_command(
    ctx: typer.Context,
    state: Annotated[
        IncidentState | None, typer.Option("--state", help="Only incidents in this state.")
    ] = None,
    service_id: Annotated[str | None, typer.Option("--service", help="Only this service's.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per incident.")] = False,
) -> None:
    """The newest incidents (`--state deferred` lists what goes into the morning hand-back)."""
    from opsdesk.services.incidents.views import incident_dict  # noqa: PLC0415  (see _service)

    service = _service(ctx.obj)
    tz = service.rota.engine.timezone
    found = service.incidents(state, service_id, limit)
    for incident in found:
        if as_json:
            typer.echo(json.dumps(incident_dict(incident, tz), ensure_ascii=False))
        else:
            priority = f" {incident.priority}" if incident.priority else ""
            typer.echo(
                f"#{incident.id}{priority} {incident.state:<12} {incident.opened_at.astimezone(tz):%Y-%m-%d %H:%M} "
                f"{incident.service}: {printable(incident.summary)} ({plural(incident.alert_count, 'alert')})"
                + _by_email(incident.details.get("origin"))
            )
    if not found and not as_json:
        typer.echo("no incidents")


def show_command(  # noqa: PLR0917  (one parameter per option)
    ctx: typer.Context,
    incident_id: Number,
    limit: Annotated[
        int,
        typer.Option(
            "--limit", metavar="N", min=1, max=PAGE_LIMIT, help="How many of the newest entries to show."
        ),
    ] = SHOWN,
    before: Annotated[
        int | None,
        typer.Option(
            "--before", metavar="ENTRY", min=1, max=2**62, help="Show the entries older than this one."
        ),
    ] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Every entry, oldest first (read page by page, however many).")
    ] = False,
    alerts: Annotated[
        bool, typer.Option("--alerts", help="List each joined alert, not only how many joined and when.")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """An incident and its newest timeline entries (who did what, when, from where); a storm's alerts are
    summed up in one line."""
    if every and before is not None:
        raise typer.BadParameter("--all shows every entry: leave out --before", param_hint="--before")
    service = _service(ctx.obj)
    with reported_errors():
        _show(service, incident_id, as_json, Reading(limit, before, every, alerts))


def ack_command(ctx: typer.Context, incident_id: Number, who: As = None) -> None:
    """Acknowledge: you are on it; the escalation stops."""
    incident = run(ctx.obj, lambda app: app.incidents.acknowledge(incident_id, actor(who)))
    typer.echo(f"#{incident.id} acknowledged by {incident.acknowledged_by}")


def resolve_command(
    ctx: typer.Context,
    incident_id: Number,
    note: Annotated[str | None, typer.Option("--note", help="What fixed it.")] = None,
    who: As = None,
) -> None:
    """Resolve: the problem is fixed. A new alarm with the same key opens a new incident."""
    incident = run(ctx.obj, lambda app: app.incidents.resolve(incident_id, actor(who), note))
    typer.echo(f"#{incident.id} resolved by {incident.resolved_by}")


def defer_command(
    ctx: typer.Context,
    incident_id: Number,
    informed: Annotated[str, typer.Option("--informed", help="Who in the affected team was told, and how.")],
    plan: Annotated[str, typer.Option("--plan", help="The plan for working hours.")],
    who: As = None,
) -> None:
    """Cannot be resolved out of hours: record who was told and the plan; it goes into the morning hand-back."""
    incident = run(ctx.obj, lambda app: app.incidents.defer(incident_id, actor(who), informed, plan))
    typer.echo(f"#{incident.id} deferred to working hours")


def note_command(
    ctx: typer.Context,
    incident_id: Number,
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The note.")],
    who: As = None,
) -> None:
    """Add a note to the timeline."""
    run(ctx.obj, lambda app: app.incidents.note(incident_id, actor(who), text))
    typer.echo(f"#{incident_id}: note added")


def set_command(  # noqa: PLR0917  (one parameter per option)
    ctx: typer.Context,
    incident_id: Number,
    priority: Annotated[Priority | None, typer.Option("--priority", help="P1, P2 or P3.")] = None,
    lead: Annotated[str | None, typer.Option("--lead", help="The incident lead.")] = None,
    scribe: Annotated[str | None, typer.Option("--scribe", help="The scribe.")] = None,
    who: As = None,
) -> None:
    """Set the priority, the incident lead or the scribe (P1 and P2 need both)."""
    incident = run(
        ctx.obj,
        lambda app: app.incidents.update(
            incident_id, actor(who), priority=priority, lead=lead, scribe=scribe
        ),
    )
    typer.echo(f"#{incident.id} updated")
    if incident.missing_roles:
        typer.echo(
            f"{incident.priority} needs an incident lead and a scribe: name the {' and '.join(incident.missing_roles)}"
        )


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    minutes = value / 60
    return f"{minutes:.1f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def report_command(
    ctx: typer.Context,
    start: FirstDay,
    end: LastDay,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV, one row per group.")] = False,
) -> None:
    """Incidents opened in a period: count, time to acknowledge and to resolve (median, p90), by service,
    priority and cover."""
    service = _service(ctx.obj)
    tz = service.rota.engine.timezone
    lo, hi = period(start, end, tz)
    report = service.report(lo, hi)
    rows: list[dict[str, Any]] = []
    for by, groups in report.items():
        for name, figures in groups.items():
            rows.append(_row(by, name, figures))
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    table = Table(title=f"Incidents opened from {start} to {end} ({tz.key})")
    for heading in ("By", "Group", "Count", "Ack p50", "Ack p90", "Resolve p50", "Resolve p90"):
        table.add_column(heading, justify="left" if heading in ("By", "Group") else "right", no_wrap=True)
    for by, groups in report.items():
        for name, f in groups.items():
            table.add_row(
                by,
                name,
                str(f.count),
                *(
                    _seconds(v)
                    for v in (f.acknowledge_median, f.acknowledge_p90, f.resolve_median, f.resolve_p90)
                ),
            )
    Console(width=None if sys.stdout.isatty() else 120).print(table)


def _row(by: str, name: str, figures: Figures) -> dict[str, Any]:
    def seconds(value: float | None) -> str:
        return "" if value is None else f"{value:.0f}"

    return {
        "by": by,
        "group": name,
        "count": figures.count,
        "acknowledge_median_s": seconds(figures.acknowledge_median),
        "acknowledge_p90_s": seconds(figures.acknowledge_p90),
        "resolve_median_s": seconds(figures.resolve_median),
        "resolve_p90_s": seconds(figures.resolve_p90),
    }


def key_command() -> None:
    """Make an integration key: give the key to the monitor, put its digest in the policy file."""
    key = secrets.token_hex(16)  # 32 characters, as PagerDuty's keys
    typer.echo(f"key:    {key}")
    typer.echo(f'policy: integration-keys: ["sha256:{key_digest(key)}"]')


incident_app.command("open")(open_command)
incident_app.command("list")(list_command)
incident_app.command("show")(show_command)
incident_app.command("ack")(ack_command)
incident_app.command("resolve")(resolve_command)
incident_app.command("defer")(defer_command)
incident_app.command("note")(note_command)
incident_app.command("set")(set_command)
service_app.command("key")(key_command)


def _by_email(origin: object) -> str:
    """What an incident list's line adds for an incident that came by email ("" for any other)."""
    if not isinstance(origin, dict) or origin.get("kind") != "email":
        return ""
    channel = origin.get("channel")
    where = f" in {shown_channel(str(channel))}" if channel else ", no channel named"
    return printable(f", by email from {origin.get('sender')}{where}")
