"""Wiring for storage and delivery: the database, the outbox and the channels."""

from __future__ import annotations

import os
import socket

from sqlalchemy import Engine

from opsdesk.adapters.channels.log import LogChannel
from opsdesk.adapters.clock import SystemClock
from opsdesk.adapters.db.engine import check_reachable, make_engine, migrations_current, upgrade
from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.config.settings import Settings
from opsdesk.domain.errors import IntegrationError
from opsdesk.services.clock import Clock
from opsdesk.services.delivery import Channel, Deliverer


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
    return {"log": LogChannel()}


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


def deliverer(engine: Engine, clock: Clock | None = None, owner: str | None = None) -> Deliverer:
    return Deliverer(SqlOutbox(engine), channels(), clock or SystemClock(), owner or worker_name())


def outbox_store(engine: Engine) -> SqlOutbox:
    return SqlOutbox(engine)


def clock() -> Clock:
    return SystemClock()
