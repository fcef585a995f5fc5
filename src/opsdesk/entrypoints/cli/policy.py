"""`opsdesk check` and `opsdesk policy schema`: validate the policy file, publish its JSON Schema."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from opsdesk.bootstrap.cover import cover_engine, today
from opsdesk.config.defaults import DEFAULT_TIMEZONE
from opsdesk.config.example import example_policy
from opsdesk.config.policy import default_policy
from opsdesk.config.settings import DEFAULT_DATABASE_URL, Settings
from opsdesk.domain.hours import Cover, DayKind
from opsdesk.entrypoints.cli.exit_codes import ExitCode, fail, reported_errors
from opsdesk.entrypoints.cli.wiring import application


def check(ctx: typer.Context) -> None:
    """Validate the policy file (and the bank-holiday file it names); exit 0 if valid, 1 if not."""
    settings: Settings = ctx.obj
    app = application(settings)  # reading the policy lists every problem in it
    with reported_errors():
        policy = app.policy
        app.cover  # noqa: B018  (building it reads the bank-holiday file the policy names)
        unknown: list[str] = []
        if policy.rota.engineers or policy.rota.on_call or policy.rota.overrides:
            # Overrides are checked against the hours: loaded only when the file has a rota.
            from opsdesk.services.rota_generation import unknown_engineer_problems  # noqa: PLC0415

            app.rota  # noqa: B018  (building it checks the overrides against the hours)
            unknown = [str(problem) for problem in unknown_engineer_problems(policy.rota)]
    hours = policy.hours
    typer.echo(f"{policy.source}: valid")
    if settings.policy_path.exists():
        import hashlib  # noqa: PLC0415

        version = hashlib.sha256(settings.policy_path.read_bytes()).hexdigest()[:12]
        typer.echo(f"  version: {version} (a running opsdesk shows the version in force at /readyz)")
    typer.echo(f"  time zone: {hours.timezone.key}")
    typer.echo(
        f"  bank holidays: {policy.bank_holidays.division}"
        + (f", from {policy.bank_holidays.file}" if policy.bank_holidays.file else "")
    )
    for kind in DayKind:
        windows = hours.windows_for(kind)
        listed = ", ".join(str(w) for w in windows) or "no cover"
        typer.echo(f"  {kind}: {listed}")
    team = policy.rota
    if team.engineers:
        on_call = sum(1 for e in team.engineers if e.on_call)
        typer.echo(
            f"  engineers: {len(team.engineers)} ({on_call} on call, "
            f"{sum(1 for e in team.engineers if not e.experienced)} new)"
        )
        if team.on_call:
            weeks = sorted(a.week for a in team.on_call)
            typer.echo(
                f"  rota: {len(weeks)} on-call weeks from {weeks[0]} to {weeks[-1]}, "
                f"{len(team.support)} support days, {len(team.leave)} leave entries, "
                f"{len(team.overrides)} overrides"
            )
    if policy.services:
        listed = ", ".join(
            f"{s.id} ({s.mode}, {len(s.key_digests)} key{'s' if len(s.key_digests) != 1 else ''})"
            for s in policy.services
        )
        typer.echo(f"  services: {listed}")
    for problem in unknown:
        typer.echo(f"  warning: {problem} (`opsdesk rota check` lists it as unknown-engineer)")
    if all(w.cover is not Cover.SUPPORT for kind in DayKind for w in hours.windows_for(kind)):
        typer.echo("  note: no support hours are defined")


def schema() -> None:
    """Print the JSON Schema of the policy file, for editors to validate it."""
    # pydantic costs ~0.15 s to import: kept off the start-up path of every other command.
    from opsdesk.config.policy_model import json_schema_text  # noqa: PLC0415

    typer.echo(json_schema_text(), nl=False)


def init(
    ctx: typer.Context,
    force: bool = typer.Option(False, "--force", help="Replace an existing file."),
) -> None:
    """Write a commented example policy (a team of six, rota from this week) to ./opsdesk.yaml or --config."""
    settings: Settings = ctx.obj
    path = settings.policy_path
    if path.exists() and not force:
        raise fail(
            f"{path} already exists; give --force to replace it, or --config to write elsewhere",
            ExitCode.FAILED,
        )
    try:
        engine = cover_engine(default_policy(), settings)
        text = example_policy(today(DEFAULT_TIMEZONE), is_working_day=engine.is_working_day)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {path}: {exc.strerror or exc}", ExitCode.FAILED) from None
    hint = "" if not settings.policy_path_explicit else f"--config {path} "
    typer.echo(f"wrote {path}: try `opsdesk {hint}who` and `opsdesk {hint}rota check`")
    note = _database_ignore_note(Path.cwd())
    if note:
        typer.echo(note)


IGNORES_DATABASE = {"opsdesk.db", "/opsdesk.db", "opsdesk.db*", "/opsdesk.db*", "*.db", "*.db*"}


def _database_ignore_note(folder: Path) -> str | None:
    """A reminder, in a git work tree whose .gitignore does not keep out the SQLite database made here."""
    url = os.environ.get("OPSDESK_DATABASE_URL")
    if url and url != DEFAULT_DATABASE_URL:
        return None
    if not any((parent / ".git").exists() for parent in (folder, *folder.parents)):
        return None
    try:
        lines = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    if any(line.strip() in IGNORES_DATABASE for line in lines):
        return None
    return (
        "note: keep the database out of git: add `opsdesk.db*` to .gitignore (./opsdesk.db, made on first "
        "use, holds token hashes and the calendar-feed key); opsdesk.yaml is meant to be committed"
    )
