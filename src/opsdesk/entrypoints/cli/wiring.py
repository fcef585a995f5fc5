"""The application for a command: built from the settings by the composition root, its errors reported
as one clear line. Loaded by the commands that use it only (the application's parts import SQLAlchemy and
more on first use)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from opsdesk.config.settings import Settings
from opsdesk.entrypoints.cli.exit_codes import reported_errors

if TYPE_CHECKING:
    from opsdesk.bootstrap.application import Application

T = TypeVar("T")


def application(settings: Settings, *, migrate: bool = False) -> Application:
    """The application, or the command's end with the policy's problems listed."""
    from opsdesk.bootstrap import bootstrap  # noqa: PLC0415  (the use cases: only for the commands that run them)

    with reported_errors():
        return bootstrap(settings, migrate=migrate)


def run(settings: Settings, use: Callable[[Application], T], *, migrate: bool = False) -> T:
    """`use` run on the application: one step of a use case, its refusal reported as one line and its exit
    code (exit_codes.py)."""
    app = application(settings, migrate=migrate)
    with reported_errors():
        return use(app)
