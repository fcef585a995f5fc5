"""`opsdesk token ...`: API tokens (create, list, revoke) and calendar-feed URLs."""

from __future__ import annotations

from typing import Annotated

import typer

from opsdesk.domain.access import AccessRole, feed_secret, token_name_problem
from opsdesk.domain.rota import EngineerId
from opsdesk.entrypoints.cli.exit_codes import ExitCode, fail, reported_errors
from opsdesk.entrypoints.cli.wiring import application

token_app = typer.Typer(
    help="API tokens: create, list, revoke; calendar-feed URLs.", no_args_is_help=True, rich_markup_mode=None
)


def create_command(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Option("--name", help="What the token is for, e.g. grafana (not all digits).")
    ],
    role: Annotated[AccessRole, typer.Option("--role", help="viewer, requester, engineer or admin.")],
) -> None:
    """Create a token: it is shown once, here, and stored only as a hash."""
    problem = token_name_problem(name)
    if problem is not None:
        raise fail(f"--name {name!r}: {problem}", ExitCode.USAGE)
    app = application(ctx.obj, migrate=True)
    with reported_errors():
        info, token = app.tokens.create(name, role, app.clock.now())
    typer.echo(token)
    typer.echo(f"token #{info.id} {info.name!r} ({info.role}): shown once, store it now", err=True)


def list_command(ctx: typer.Context) -> None:
    """Every token: id, name, role, created, revoked."""
    app = application(ctx.obj, migrate=True)
    with reported_errors():
        tokens = app.tokens.all()
    for info in tokens:
        state = f"revoked {info.revoked_at:%Y-%m-%d %H:%M}" if info.revoked_at else "live"
        typer.echo(
            f"#{info.id} {info.name} {info.role} (...{info.hint}) created {info.created_at:%Y-%m-%d %H:%M} {state}"
        )


def revoke_command(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(metavar="[NAME]", help="The token's name.")] = None,
    token_id: Annotated[
        int | None, typer.Option("--id", min=1, help="The token's number (`opsdesk token list`).")
    ] = None,
) -> None:
    """Revoke a token by its name or `--id N`; it stops working within a few seconds on every replica."""
    if (name is None) == (token_id is None):
        raise fail("give a token's NAME or `--id N`, not both and not neither", ExitCode.USAGE)
    if name is not None and name.isascii() and name.isdigit():
        # Before names were checked this meant a number; now it could mean either: say which.
        raise fail(
            f"{name!r} is all digits, and a token name never is: to revoke token #{name}, give `--id {name}` "
            "(`opsdesk token list` shows each token's number and name)",
            ExitCode.USAGE,
        )
    app = application(ctx.obj, migrate=True)
    with reported_errors():
        now = app.clock.now()
        if name is not None:
            revoked = app.tokens.revoke_name(name, now)
        else:
            assert token_id is not None  # one of the two, checked above
            revoked = app.tokens.revoke_id(token_id, now)
    if revoked is None:
        which = f"named {name!r}" if name is not None else f"#{token_id}"
        raise fail(f"no live token {which}: `opsdesk token list` shows them", ExitCode.FAILED)
    typer.echo(f"revoked token #{revoked.id} {revoked.name!r}")


def feed_url_command(
    ctx: typer.Context,
    engineer: Annotated[
        str | None,
        typer.Option("--engineer", metavar="ID", help="One engineer's feed (default: the team's)."),
    ] = None,
    base_url: Annotated[
        str, typer.Option("--base-url", help="Where opsdesk serve is reached.")
    ] = "http://127.0.0.1:8000",
    revoke: Annotated[
        bool,
        typer.Option(
            "--revoke",
            help="Give this feed a new URL: the old one stops working at once (other feeds keep theirs).",
        ),
    ] = False,
) -> None:
    """The URL of a calendar feed, with the secret calendar apps need (they cannot send a token)."""
    app = application(ctx.obj, migrate=True)
    if engineer is not None:
        with reported_errors():
            rota = app.rota.rota
        if rota.engineer(EngineerId(engineer)) is None:
            known = [e.id for e in rota.engineers]
            listed = ", ".join(known[:20]) + (f" and {len(known) - 20} more" if len(known) > 20 else "")
            raise fail(
                f"--engineer {engineer!r}: no such engineer in the policy; give one of its ids "
                f"({listed or 'the policy names none yet'}), or leave --engineer out for the team's feed",
                ExitCode.USAGE,
            )
    name = engineer or "team"
    with reported_errors():
        key = app.tokens.feed_key()
        generation = app.tokens.revoke_feed(name) if revoke else app.tokens.feed_generation(name)
    typer.echo(f"{base_url.rstrip('/')}/api/v1/calendar/{name}.ics?key={feed_secret(key, name, generation)}")
    if revoke:
        typer.echo(f"the {name!r} feed's old URL no longer works: give calendar apps this one", err=True)


token_app.command("create")(create_command)
token_app.command("list")(list_command)
token_app.command("revoke")(revoke_command)
token_app.command("feed-url")(feed_url_command)
