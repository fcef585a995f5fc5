"""Wiring for storage and delivery: the database, the outbox and the channels."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from sqlalchemy import Engine

from opsdesk.adapters.channels.log import LogChannel
from opsdesk.adapters.clock import SystemClock
from opsdesk.adapters.db.engine import check_reachable, make_engine, migrations_current, upgrade
from opsdesk.adapters.db.jobs import SqlJobs
from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.config.settings import Settings
from opsdesk.domain.errors import IntegrationError
from opsdesk.services.clock import Clock
from opsdesk.services.delivery import Channel, Deliverer
from opsdesk.services.jobs import Handler, JobRunner


def database(settings: Settings, *, migrate: bool = False) -> Engine:
    """The engine, checked reachable; with `migrate`, brought up to the newest schema."""
    engine = make_engine(settings.database_url)
    check_reachable(engine)
    if migrate:
        upgrade(engine)
    elif not migrations_current(engine):
        raise IntegrationError(
            f"the database {engine.url.render_as_string(hide_password=True)} is not up to date: "
            "run `opsdesk db upgrade`"
        )
    return engine


def channels() -> dict[str, Channel]:
    """The log channel always; Slack, email and webhooks when configured (secrets are never logged)."""
    found: dict[str, Channel] = {"log": LogChannel()}
    token = os.environ.get("OPSDESK_SLACK_TOKEN")
    if token:
        from opsdesk.adapters.channels.slack import SlackChannel  # noqa: PLC0415  (slack_sdk: only when used)

        found["slack"] = SlackChannel(token, os.environ.get("OPSDESK_SLACK_API_URL") or None)
    host = os.environ.get("OPSDESK_SMTP_HOST")
    if host:
        from opsdesk.adapters.channels.email import EmailChannel  # noqa: PLC0415

        found["email"] = EmailChannel(
            host,
            int(os.environ.get("OPSDESK_SMTP_PORT") or 25),
            os.environ.get("OPSDESK_SMTP_FROM") or "opsdesk@localhost",
            username=os.environ.get("OPSDESK_SMTP_USER"),
            password=os.environ.get("OPSDESK_SMTP_PASSWORD"),
            starttls=(os.environ.get("OPSDESK_SMTP_STARTTLS") or "").lower() in {"1", "true", "yes"},
        )
    hooks = os.environ.get("OPSDESK_WEBHOOKS")  # name=url,name=url
    secret = os.environ.get("OPSDESK_WEBHOOK_SECRET")
    if hooks and secret:
        from opsdesk.adapters.channels.webhook import WebhookChannel  # noqa: PLC0415

        urls = dict(pair.split("=", 1) for pair in hooks.split(",") if "=" in pair)
        found["webhook"] = WebhookChannel(urls, secret.encode())
    return found


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


def deliverer(engine: Engine, clock: Clock | None = None, owner: str | None = None) -> Deliverer:
    lease = timedelta(seconds=float(os.environ.get("OPSDESK_OUTBOX_LEASE_SECONDS") or 60))
    return Deliverer(
        SqlOutbox(engine), channels(), clock or SystemClock(), owner or worker_name(), lease=lease
    )


def outbox_store(engine: Engine) -> SqlOutbox:
    return SqlOutbox(engine)


def clock() -> Clock:
    return SystemClock()


def job_runner(engine: Engine, clock: Clock | None = None, owner: str | None = None) -> JobRunner:
    """Due jobs, by kind. No kind has a handler yet (the 16:00 handover and escalations will)."""
    handlers: dict[str, Handler] = {}
    return JobRunner(SqlJobs(engine), handlers, clock or SystemClock(), owner or worker_name())
