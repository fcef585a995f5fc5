"""The application: every use case, the notifier and the job handlers, built from the settings and the
policy (loaded once). Entrypoints (the CLI, the API, and what comes next) see only this object.

Each part is built on first use and kept: a command pays only for what it uses (`opsdesk hours` never
imports SQLAlchemy, a vendor client is built only by a worker that delivers). The heavy imports are made
in the properties that need them (those marked "(heavy)" cost most: pydantic-settings, SQLAlchemy, vendor
clients). Nothing can be set on it from outside.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opsdesk.bootstrap.cover import cover_engine
from opsdesk.bootstrap.workers import WorkerParts
from opsdesk.config.policy import Policy
from opsdesk.config.settings import DEFAULT_DATABASE_URL, Settings
from opsdesk.domain.errors import DatabaseNotMigratedError, PolicyError
from opsdesk.domain.hours import CoverEngine
from opsdesk.services.clock import Clock
from opsdesk.services.hours import HoursService

if TYPE_CHECKING:
    from datetime import date

    from sqlalchemy import Engine

    from opsdesk.adapters.db.jobs import SqlJobs
    from opsdesk.adapters.db.outbox import SqlOutbox
    from opsdesk.adapters.db.rota_changes import SqlRotaChanges
    from opsdesk.adapters.db.tokens import SqlTokens
    from opsdesk.bootstrap.rota_changes import RotaChanges
    from opsdesk.config.deployment import DeploymentSettings
    from opsdesk.domain.people import People
    from opsdesk.domain.rota_changes import RotaChange
    from opsdesk.domain.rota_plan import Plan
    from opsdesk.domain.shifts import Shift
    from opsdesk.services.announcements.service import AnnouncementService
    from opsdesk.services.asks.service import AskService
    from opsdesk.services.changes.workflow import ChangeService, ChangeWorkflow
    from opsdesk.services.handover.context import GitHubDigest
    from opsdesk.services.handover.service import HandoverService
    from opsdesk.services.incidents.service import IncidentService
    from opsdesk.services.notifier import Notifier
    from opsdesk.services.receipts import RequestReceipts
    from opsdesk.services.rota import RotaService
    from opsdesk.services.rota_generation import Generated
    from opsdesk.services.support.service import SupportService
    from opsdesk.services.unit_of_work import UnitOfWorkFactory


class Application(WorkerParts):
    def __init__(
        self,
        settings: Settings,
        policy: Policy,
        clock: Clock,
        *,
        uow: UnitOfWorkFactory | None = None,
        migrate: bool = False,
    ) -> None:
        values = {"settings": settings, "policy": policy, "clock": clock, "_uow": uow, "_migrate": migrate}
        for name, value in values.items():
            object.__setattr__(self, name, value)

    settings: Settings
    policy: Policy
    clock: Clock
    _uow: UnitOfWorkFactory | None
    _migrate: bool

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"the application is built once; {name!r} cannot be set")

    # -- the policy in force ---------------------------------------------------------------------

    # Built once per process and kept when the policy changes (bootstrap/live.py): storage and clients.
    _KEPT = (
        "deployment",
        "engine",
        "unit_of_work",
        "outbox",
        "job_store",
        "tokens",
        "sns",
        "channel_names",
        "rota_change_store",
    )

    def with_policy(self, policy: Policy) -> Application:
        """An application on `policy`, sharing this one's storage and vendor clients."""
        new = Application(self.settings, policy, self.clock, uow=self._uow, migrate=False)
        new.__dict__.update({name: self.__dict__[name] for name in self._KEPT if name in self.__dict__})
        return new

    def validate(self) -> None:
        """PolicyError now, rather than on first use, for a policy whose rota or services do not fit."""
        _ = self.cover, self.rota, self.people

    # -- the team's hours and rota -------------------------------------------------------------

    @cached_property
    def deployment(self) -> DeploymentSettings:
        """OPSDESK_* variables over the policy file's `service:` section."""
        from opsdesk.config.deployment import deployment_settings  # noqa: PLC0415  (heavy: pydantic-settings)

        return deployment_settings(self.policy.service, self.settings.database_url)

    @cached_property
    def cover(self) -> CoverEngine:
        return cover_engine(self.policy, self.settings)

    @cached_property
    def hours(self) -> HoursService:
        return HoursService(self.cover, self.clock)

    @cached_property
    def rota(self) -> RotaService:
        """Who holds each role when; PolicyError before anything runs on overrides that do not fit."""
        from opsdesk.services.rota import RotaService, override_problems  # noqa: PLC0415

        problems = override_problems(self.policy.rota, self.cover)
        if problems:
            raise PolicyError(problems, self.policy.source)
        rota = self.policy.rota
        layered = self._layered()
        if layered:
            from opsdesk.domain.rota_changes import effective  # noqa: PLC0415

            rota = effective(rota, layered)
        return RotaService(self.cover, rota, self.clock)

    def _layered(self) -> list[RotaChange]:
        """The rota changes kept in the database over the file; none where there is no database yet, or
        one older than the rota changes (nothing can have been layered in it)."""
        if not self._rota_layer_in_use:
            return []
        try:
            return list(self.rota_change_store.layered())
        except DatabaseNotMigratedError:
            return []

    @cached_property
    def _rota_layer_in_use(self) -> bool:
        """Whether rota changes kept in the database count: only when a database is configured (or the
        default SQLite file exists), so `opsdesk who` without one never loads SQLAlchemy."""
        if self._uow is not None:
            return False
        configured = (
            self.settings.database_url
            or os.environ.get("OPSDESK_DATABASE_URL")
            or self.policy.service.get("database-url")
        )
        return bool(configured) or Path(DEFAULT_DATABASE_URL.removeprefix("sqlite:///")).exists()

    def rota_layer_revision(self) -> str:
        """Changes whenever the rota changes kept in the database do ("" when none are in force, or no
        database is configured): with the policy file's digest, what tells a live reload to look again."""
        if not self._rota_layer_in_use:
            return ""
        try:
            return self.rota_change_store.revision()
        except DatabaseNotMigratedError:
            return ""

    @cached_property
    def rota_change_store(self) -> SqlRotaChanges:
        from opsdesk.adapters.db.rota_changes import SqlRotaChanges  # noqa: PLC0415  (heavy)

        return SqlRotaChanges(self.engine)

    @cached_property
    def rota_changes(self) -> RotaChanges:
        """Swaps, overrides and leave as commands: checked, written (or layered) and recorded."""
        from opsdesk.bootstrap.rota_changes import RotaChanges  # noqa: PLC0415  (heavy: ruamel.yaml)

        return RotaChanges(
            self.settings, self.clock, self.rota_change_store, self.deployment.policy_read_only
        )

    @cached_property
    def people(self) -> People:
        from opsdesk.domain.people import People  # noqa: PLC0415

        return People.of(self.policy.rota.engineers)

    def generate_rota(
        self, first: date, weeks: int, progress: Callable[[str], None] | None = None
    ) -> Generated:
        """Plan `weeks` turns with the HiGHS solver; RotaInfeasibleError says which rule stops it."""
        from opsdesk.adapters.rota_solver import HighsPlanSolver  # noqa: PLC0415  (heavy: PuLP, 0.4 s)
        from opsdesk.services.rota_generation import generate  # noqa: PLC0415

        solver = HighsPlanSolver(progress=progress)
        return generate(self.rota.rota, self.cover, solver, first, weeks, progress)

    def calendar(self, shifts: list[Shift], title: str) -> bytes:
        """An iCalendar feed of `shifts`."""
        from opsdesk.adapters.calendar_feed import render_ics  # noqa: PLC0415  (heavy: icalendar)

        rota = self.rota
        return render_ics(shifts, self.cover.timezone, rota.name_of, title, self.clock.now())

    def write_rota(self, plan: Plan) -> None:
        """The plan saved into the policy file, its comments and layout kept."""
        from opsdesk.config.policy_writer import write_plan  # noqa: PLC0415  (heavy: ruamel.yaml)

        write_plan(self.settings.policy_path, plan)

    # -- storage ---------------------------------------------------------------------------------

    @cached_property
    def engine(self) -> Engine:
        """The database, checked reachable; migrated first when the application was built to migrate."""
        from opsdesk.adapters.db.engine import (  # noqa: PLC0415  (heavy: SQLAlchemy, Alembic)
            check_reachable,
            make_engine,
            migrations_current,
            safe_url,
            upgrade,
        )

        engine = make_engine(self.deployment.database_url)
        check_reachable(engine)
        if self._migrate:
            upgrade(engine)
        elif not migrations_current(engine):
            raise DatabaseNotMigratedError(
                f"the database {safe_url(engine)} is not up to date: run `opsdesk db upgrade`"
            )
        return engine

    def database_ready(self) -> str | None:
        """None when the database answers and is migrated; else what is wrong, for a readiness probe."""
        from opsdesk.adapters.db.engine import migrations_current  # noqa: PLC0415  (heavy)

        try:
            current = migrations_current(self.engine)
        except Exception as exc:  # any failure to answer is "not ready", said by its kind
            return f"database unreachable ({type(exc).__name__})"
        return None if current else "migrations pending: run `opsdesk db upgrade`"

    @cached_property
    def unit_of_work(self) -> UnitOfWorkFactory:
        if self._uow is not None:
            return self._uow
        from opsdesk.adapters.db.unit_of_work import SqlUnitOfWork  # noqa: PLC0415  (heavy)

        engine = self.engine
        return lambda: SqlUnitOfWork(engine)

    @cached_property
    def outbox(self) -> SqlOutbox:
        """Every outgoing message: listed, retried, claimed by workers."""
        from opsdesk.adapters.db.outbox import SqlOutbox  # noqa: PLC0415  (heavy)

        return SqlOutbox(self.engine)

    @cached_property
    def job_store(self) -> SqlJobs:
        from opsdesk.adapters.db.jobs import SqlJobs  # noqa: PLC0415  (heavy)

        return SqlJobs(self.engine)

    @cached_property
    def tokens(self) -> SqlTokens:
        from opsdesk.adapters.db.tokens import SqlTokens  # noqa: PLC0415  (heavy)

        return SqlTokens(self.engine)

    # -- the use cases and what they say ---------------------------------------------------------

    @cached_property
    def receipts(self) -> RequestReceipts:
        """Signed requests taken in once (a replayed Slack request is refused)."""
        from opsdesk.services.receipts import RequestReceipts  # noqa: PLC0415

        return RequestReceipts(self.unit_of_work, self.clock)

    @cached_property
    def channel_names(self) -> frozenset[str]:
        from opsdesk.bootstrap.channels import channel_names  # noqa: PLC0415

        return channel_names(self.deployment)

    @cached_property
    def notifier(self) -> Notifier:
        from opsdesk.bootstrap.channels import renderers  # noqa: PLC0415
        from opsdesk.services.notifier import Notifier  # noqa: PLC0415

        return Notifier(self.channel_names, renderers(self.deployment), self.people)

    @cached_property
    def incidents(self) -> IncidentService:
        from opsdesk.services.incidents.service import IncidentService  # noqa: PLC0415

        return IncidentService(
            self.unit_of_work,
            self.rota,
            self.policy.services,
            self.clock,
            self.notifier,
            self.policy.email,
            self.deployment.ack_links(),
        )

    @cached_property
    def changes(self) -> ChangeWorkflow:
        from opsdesk.adapters.github.form import read_request  # noqa: PLC0415
        from opsdesk.services.changes.workflow import ChangeWorkflow  # noqa: PLC0415

        return ChangeWorkflow(
            self.unit_of_work, self.rota, self.policy.changes, self.clock, self.notifier, read=read_request
        )

    @cached_property
    def support(self) -> SupportService:
        """The support board: requests from GitHub, the API and the CLI, triaged and timed in support hours."""
        from opsdesk.adapters.github.form import read_request  # noqa: PLC0415
        from opsdesk.services.support.service import SupportService  # noqa: PLC0415

        return SupportService(
            self.unit_of_work, self.rota, self.policy.support, self.clock, self.notifier, read=read_request
        )

    @cached_property
    def handovers(self) -> HandoverService:
        """The daily rhythm: handovers, hand-backs, turn changes and digests, kept, sent and chased."""
        from opsdesk.services.handover.service import HandoverService  # noqa: PLC0415

        return HandoverService(
            self.unit_of_work,
            self.rota,
            self.policy.handover,
            self.clock,
            self.notifier,
            self.people,
            self._github_digest,
            self.policy.support,
        )

    @cached_property
    def announcements(self) -> AnnouncementService:
        """Scheduled work, maintenance and incident updates, as linked pairs held to the mention budget."""
        from opsdesk.services.announcements.service import AnnouncementService  # noqa: PLC0415

        return AnnouncementService(
            self.unit_of_work,
            self.policy.announcements,
            self.clock,
            self.notifier,
            self.people,
            self.cover.timezone,
        )

    @cached_property
    def asks(self) -> AskService:
        """The ask channel: questions followed up in support hours, answered out of hours, in their thread."""
        from opsdesk.services.asks.service import AskService  # noqa: PLC0415

        return AskService(self.unit_of_work, self.rota, self.policy.ask, self.clock, self.notifier)

    def _github_digest(self) -> GitHubDigest:
        """The digest's reader of GitHub (Dependabot pull requests, failed runs), built when a digest is made."""
        from opsdesk.adapters.github.digest import GitHubDigestReader  # noqa: PLC0415  (heavy: githubkit)
        from opsdesk.adapters.https_fetch import tls_context  # noqa: PLC0415

        config = self.deployment
        token = config.github_token.get_secret_value() if config.github_token else None
        return GitHubDigestReader(token, config.github_api_url, tls_context(config.ca_file))

    def change_check(self, booked: bool = True) -> ChangeService:
        """Checking a request as written; against approved changes in the database when `booked`."""
        from opsdesk.adapters.github.form import read_request  # noqa: PLC0415
        from opsdesk.services.changes.workflow import ChangeService  # noqa: PLC0415

        def held() -> list[Any]:
            with self.unit_of_work() as uow:
                return uow.changes.booked()

        return ChangeService(self.rota, self.policy.changes, held if booked else tuple, read=read_request)
