"""The application for a command: built from the settings by the composition root, its errors reported
as one clear line. Loaded by the commands that use it only (the application's parts import SQLAlchemy and
more on first use)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from opsdesk.config.settings import Settings
from opsdesk.entrypoints.cli.exit_codes import reported_errors

if TYPE_CHECKING:
    from opsdesk.bootstrap.application import Application


def application(settings: Settings, *, migrate: bool = False) -> Application:
    """The application, or the command's end with the policy's problems listed."""
    from opsdesk.bootstrap import bootstrap  # noqa: PLC0415  (the use cases: only for the commands that run them)

    with reported_errors():
        return bootstrap(settings, migrate=migrate)
