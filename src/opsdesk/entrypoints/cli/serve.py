"""`opsdesk serve` (the API and the workers in one process) and `opsdesk token ...`."""

from __future__ import annotations

import logging
import os
import signal
import tempfile
import threading
from types import ModuleType
from typing import Annotated

import typer

from opsdesk.config.settings import Settings
from opsdesk.domain.access import AccessRole, token_name_problem
from opsdesk.entrypoints.cli.exit_codes import ExitCode, fail, reported_errors
from opsdesk.entrypoints.logs import configure
from opsdesk.services.worker import run_worker

token_app = typer.Typer(
    help="API tokens: create, list, revoke; calendar-feed URLs.", no_args_is_help=True, rich_markup_mode=None
)
logger = logging.getLogger("opsdesk.serve")
LogFormat = Annotated[str, typer.Option("--log-format", help="text or json", show_default=True)]


def _api() -> ModuleType:
    """API wiring, loaded by these commands only (FastAPI and SQLAlchemy cost ~0.5 s to import)."""
    from opsdesk.bootstrap import api  # noqa: PLC0415

    return api


def serve_command(  # noqa: PLR0917  (one parameter per option)
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option("--delivery-threads", min=0, max=16, help="Outbox delivery threads.")
    ] = 1,
    processes: Annotated[
        int, typer.Option("--workers", min=1, max=32, help="API worker processes (one per core serves most).")
    ] = 1,
    log_format: LogFormat = "text",
) -> None:
    """Run the HTTP API and the outbox workers; migrations are applied on start."""
    import uvicorn  # noqa: PLC0415
    from uvicorn.supervisors.multiprocess import Multiprocess  # noqa: PLC0415

    from opsdesk.bootstrap.storage import deliverer, deployment, job_runner, worker_name  # noqa: PLC0415
    from opsdesk.entrypoints.api.app import create_app  # noqa: PLC0415

    if log_format not in {"text", "json"}:
        raise fail(f"--log-format {log_format!r}: expected text or json", ExitCode.USAGE)
    configure(log_format)
    settings: Settings = ctx.obj
    with reported_errors():
        context = _api().api_context(settings, migrate=True)
        service_config = deployment(settings)
    stopping = threading.Event()
    threads = [
        threading.Thread(
            target=run_worker,
            args=(
                deliverer(context.engine, service_config, owner=f"{worker_name()}:{i}"),
                job_runner(context.engine, settings, owner=f"{worker_name()}:{i}"),
                stopping,
            ),
            kwargs={"idle": 0.2},
            name=f"delivery-{i}",
            daemon=True,
        )
        for i in range(workers)
    ]
    for thread in threads:
        thread.start()
    logger.info(
        "serving",
        extra={
            "url": f"http://{host}:{port}",
            "policy": context.rota.rota and settings.policy_path.name,
            "database": context.engine.url.render_as_string(hide_password=True),
        },
    )
    app: object = create_app(context)
    counts = None
    if processes > 1:
        # Each API process builds its own context from the environment; delivery stays in this process.
        if settings.policy_path_explicit or settings.policy_path.exists():  # else the built-in policy
            os.environ["OPSDESK_CONFIG"] = str(settings.policy_path.resolve())
        os.environ["OPSDESK_DATABASE_URL"] = service_config.database_url
        # Request counts go to files in one folder, summed by whichever process answers /metrics.
        counts = tempfile.TemporaryDirectory(prefix="opsdesk-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = counts.name
        app = "opsdesk.entrypoints.api.server:app_from_environment"
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        factory=processes > 1,
        workers=processes,
        host=host,
        port=port,
        access_log=False,
        log_config=None,
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    # uvicorn handles SIGTERM/SIGINT while it runs, then re-raises the signal to the handler it found:
    # make that ours, so the workers below finish or release their rows and the exit status is 0.
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    try:
        if processes > 1:
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            uvicorn.Server(config).run()
    finally:
        stopping.set()
        for thread in threads:
            thread.join(timeout=30)
        if counts is not None:
            counts.cleanup()
        logger.info("stopped")


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
    settings: Settings = ctx.obj
    api = _api()
    with reported_errors():
        context = api.api_context(settings, migrate=True)
        info, token = context.tokens.create(name, role, context.clock.now())
    typer.echo(token)
    typer.echo(f"token #{info.id} {info.name!r} ({info.role}): shown once, store it now", err=True)


def list_command(ctx: typer.Context) -> None:
    """Every token: id, name, role, created, revoked."""
    settings: Settings = ctx.obj
    with reported_errors():
        context = _api().api_context(settings, migrate=True)
    for info in context.tokens.all():
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
    settings: Settings = ctx.obj
    with reported_errors():
        context = _api().api_context(settings, migrate=True)
        now = context.clock.now()
        revoked = (
            context.tokens.revoke_name(name, now)
            if name is not None
            else context.tokens.revoke_id(token_id, now)
        )
    if revoked is None:
        which = f"named {name!r}" if name is not None else f"#{token_id}"
        raise fail(f"no live token {which}: `opsdesk token list` shows them", ExitCode.FAILED)
    typer.echo(f"revoked token #{revoked.id} {revoked.name!r}")


def feed_url_command(
    ctx: typer.Context,
    engineer: Annotated[
        str | None, typer.Option("--engineer", metavar="ID", help="One engineer's feed.")
    ] = None,
    base_url: Annotated[
        str, typer.Option("--base-url", help="Where opsdesk serve is reached.")
    ] = "http://127.0.0.1:8000",
) -> None:
    """The URL of a calendar feed, with the secret calendar apps need (they cannot send a token)."""
    settings: Settings = ctx.obj
    with reported_errors():
        context = _api().api_context(settings, migrate=True)
    name = engineer or "team"
    typer.echo(f"{base_url.rstrip('/')}/api/v1/calendar/{name}.ics?key={context.feed_secret(name)}")


token_app.command("create")(create_command)
token_app.command("list")(list_command)
token_app.command("revoke")(revoke_command)
token_app.command("feed-url")(feed_url_command)
