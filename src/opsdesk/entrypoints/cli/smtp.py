"""`opsdesk smtp`: the critical-incident email listener alone (the outbox and jobs left to `opsdesk worker`)."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Annotated

import typer

from opsdesk.domain.incidents.email import EmailPolicy
from opsdesk.entrypoints.cli.exit_codes import ExitCode, fail, reported_errors
from opsdesk.entrypoints.cli.wiring import application
from opsdesk.entrypoints.logs import configure


def smtp_command(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option("--host", help="Address to listen on [default: email.host].")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", min=0, max=65535, help="Port [default: email.port; 0: any free].")
    ] = None,
    log_format: Annotated[str, typer.Option("--log-format", help="text or json")] = "text",
) -> None:
    """Take critical-incident email over SMTP: each message opens an incident (routed by cover) or joins its
    thread's, and the sender is answered through the outbox; run `opsdesk worker` to deliver."""
    from opsdesk.bootstrap.live import LivePolicy  # noqa: PLC0415
    from opsdesk.entrypoints.smtp.listener import Listener, ListenerError  # noqa: PLC0415

    if log_format not in {"text", "json"}:
        raise fail(f"--log-format {log_format!r}: expected text or json", ExitCode.USAGE)
    configure(log_format)
    app = application(ctx.obj, migrate=True)
    with reported_errors():
        live = LivePolicy(app)
        if app.deployment.policy_reload_seconds > 0:
            live.watch(app.deployment.policy_reload_seconds)
    email = app.policy.email
    _check_set_up(email)
    stopping = threading.Event()

    def stop(_signal: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        listener = Listener(
            lambda: live.app, host or email.host, email.port if port is None else port
        ).start()
    except ListenerError as exc:
        raise fail(str(exc), ExitCode.FAILED) from None
    typer.echo(f"opsdesk: listening for email on {listener.host}:{listener.port}", err=True)
    stopping.wait()
    listener.stop()


def _check_set_up(email: EmailPolicy) -> None:
    if not email.service or not email.addresses:
        raise fail(
            "email is not set up: name email.service, email.addresses and email.sender-domains in the policy "
            "(see `opsdesk policy schema`)",
            ExitCode.FAILED,
        )
