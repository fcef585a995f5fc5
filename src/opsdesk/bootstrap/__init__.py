"""The one composition root: `bootstrap(settings)` loads the policy once and returns the application
(every use case, the notifier, the job handlers), built from the real adapters or the ones given."""

from __future__ import annotations

from opsdesk.adapters.clock import SystemClock
from opsdesk.bootstrap.application import Application
from opsdesk.config.loading import load_policy
from opsdesk.config.settings import Settings
from opsdesk.services.clock import Clock
from opsdesk.services.unit_of_work import UnitOfWorkFactory

__all__ = ["Application", "bootstrap"]


def bootstrap(
    settings: Settings,
    *,
    clock: Clock | None = None,
    uow: UnitOfWorkFactory | None = None,
    migrate: bool = False,
) -> Application:
    """The application for `settings`; PolicyError (every problem listed) before anything runs on a bad
    policy. `uow` replaces the database (tests' fake unit of work); `migrate` brings the database up to
    the newest schema when it is first used (`serve` and the commands that create it do)."""
    return Application(settings, load_policy(settings), clock or SystemClock(), uow=uow, migrate=migrate)
