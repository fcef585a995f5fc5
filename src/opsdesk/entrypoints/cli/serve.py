"""`opsdesk serve`: the HTTP API and the outbox workers in one process."""

from __future__ import annotations

import logging
import os
import signal
import tempfile
import threading
from typing import TYPE_CHECKING, Annotated

import typer

from opsdesk.config.settings import Settings
from opsdesk.domain.incidents.email import EmailPolicy
from opsdesk.entrypoints.cli import wiring
from opsdesk.entrypoints.cli.exit_codes import ExitCode, fail, reported_errors
from opsdesk.entrypoints.logs import configure
from opsdesk.services.worker import run_worker

if TYPE_CHECKING:
    from opsdesk.bootstrap.live import LivePolicy
    from opsdesk.entrypoints.smtp.listener import Listener

logger = logging.getLogger("opsdesk.serve")
LogFormat = Annotated[str, typer.Option("--log-format", help="text or json", show_default=True)]


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
    api_threads: Annotated[
        int,
        typer.Option(
            "--api-threads",
            min=1,
            max=200,
            help="Requests run side by side in each process, at most (more leave the delivery threads less).",
        ),
    ] = 8,
    log_format: LogFormat = "text",
) -> None:
    """Run the HTTP API and the outbox workers; migrations are applied on start."""
    import uvicorn  # noqa: PLC0415
    from uvicorn.supervisors.multiprocess import Multiprocess  # noqa: PLC0415

    from opsdesk.bootstrap.workers import worker_name  # noqa: PLC0415
    from opsdesk.entrypoints.api.app import create_app  # noqa: PLC0415
    from opsdesk.entrypoints.api.context import api_context  # noqa: PLC0415
    from opsdesk.entrypoints.api.delivering import Delivering  # noqa: PLC0415

    if log_format not in {"text", "json"}:
        raise fail(f"--log-format {log_format!r}: expected text or json", ExitCode.USAGE)
    configure(log_format)
    settings: Settings = ctx.obj
    application = wiring.application(settings, migrate=True)
    with reported_errors():
        context = api_context(application, watch=True)
        service_config = application.deployment
    stopping = threading.Event()
    threads = [
        threading.Thread(
            target=run_worker,
            args=(
                context.live.deliverer(owner=f"{worker_name()}:{i}"),
                context.live.job_runner(owner=f"{worker_name()}:{i}"),
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
    listener = _email_listener(application.policy.email, context.live)
    logger.info(
        "serving",
        extra={
            "url": f"http://{host}:{port}",
            "policy": context.rota.rota and settings.policy_path.name,
            "database": context.engine.url.render_as_string(hide_password=True),
        },
    )
    app: object = Delivering(create_app(context), context.live, 0, api_threads)  # this process's threads
    counts = None
    if processes > 1:
        # Each API process builds its own context from the environment, and delivers and runs jobs as this
        # one does: a storm's pages are written and sent on every core (leases keep each to one process).
        if settings.policy_path_explicit or settings.policy_path.exists():  # else the built-in policy
            os.environ["OPSDESK_CONFIG"] = str(settings.policy_path.resolve())
        os.environ["OPSDESK_DATABASE_URL"] = service_config.database_url
        os.environ["OPSDESK_LOG_FORMAT"] = log_format  # the API processes log as this one does
        os.environ["OPSDESK_DELIVERY_THREADS"] = str(workers)
        os.environ["OPSDESK_API_THREADS"] = str(api_threads)
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
        if listener is not None:
            listener.stop()
        stopping.set()
        for thread in threads:
            thread.join(timeout=30)
        if counts is not None:
            counts.cleanup()
        logger.info("stopped")


def _email_listener(email: EmailPolicy, live: LivePolicy) -> Listener | None:
    """The critical-incident email listener, when the policy enables it (its policy read live)."""
    if not email.enabled:
        return None
    from opsdesk.entrypoints.smtp.listener import Listener, ListenerError  # noqa: PLC0415

    try:
        return Listener(lambda: live.app, email.host, email.port).start()
    except ListenerError as exc:
        raise fail(str(exc), ExitCode.FAILED) from None
