"""The parts of the application a worker uses: the job handlers every capability declares, the outbox's
deliverer through the vendor clients, the job runner with the handover's planner, and the SNS verifier
(whose subscription confirmations are jobs too). Kept apart from the use cases they run."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from opsdesk.domain.jobs import Job
from opsdesk.services.clock import Clock

if TYPE_CHECKING:
    from opsdesk.adapters.aws.sns import SnsVerifier
    from opsdesk.adapters.db.jobs import SqlJobs
    from opsdesk.adapters.db.outbox import SqlOutbox
    from opsdesk.config.deployment import DeploymentSettings
    from opsdesk.services.announcements.service import AnnouncementService
    from opsdesk.services.asks.service import AskService
    from opsdesk.services.changes.workflow import ChangeWorkflow
    from opsdesk.services.delivery import Deliverer
    from opsdesk.services.handover.service import HandoverService
    from opsdesk.services.incidents.service import IncidentService
    from opsdesk.services.jobs import JobRunner


class WorkerParts:
    """Mixed into the Application, which provides the parts named below."""

    clock: Clock
    if TYPE_CHECKING:

        @property
        def deployment(self) -> DeploymentSettings: ...
        @property
        def outbox(self) -> SqlOutbox: ...
        @property
        def job_store(self) -> SqlJobs: ...
        @property
        def incidents(self) -> IncidentService: ...
        @property
        def changes(self) -> ChangeWorkflow: ...
        @property
        def handovers(self) -> HandoverService: ...
        @property
        def announcements(self) -> AnnouncementService: ...
        @property
        def asks(self) -> AskService: ...

    @cached_property
    def sns(self) -> SnsVerifier:
        """SNS signatures, with certificates fetched only from the allowed hosts over HTTPS."""
        import re  # noqa: PLC0415

        from opsdesk.adapters.aws.sns import SnsVerifier  # noqa: PLC0415  (heavy: cryptography, httpx)
        from opsdesk.adapters.https_fetch import https_get, tls_context  # noqa: PLC0415

        config = self.deployment
        fetch = https_get(tls_context(config.ca_file), config.sns_timeout_seconds)
        return SnsVerifier(re.compile(config.sns_cert_hosts), fetch, port=config.sns_port)

    def plan_timed(self, now: datetime) -> int:
        """Timed work the policy asks for, planned into jobs: the handover's moments, the ask channel's
        topics. Returns the jobs added."""
        return self.handovers.plan(now) + self.asks.plan(now)

    @cached_property
    def job_handlers(self) -> Mapping[str, Callable[[Job], None]]:
        """Every job kind and its handler: each capability declares its own."""
        from opsdesk.adapters.aws.sns import SubscriptionConfirmer  # noqa: PLC0415  (heavy)

        confirmer = SubscriptionConfirmer(self.sns, self.sns.fetch)
        return {
            **self.incidents.jobs(),
            **self.changes.jobs(),
            **self.handovers.jobs(),
            **self.announcements.jobs(),
            **self.asks.jobs(),
            **confirmer.jobs(),
        }

    @cached_property
    def job_batches(self) -> Mapping[str, Callable[[list[Job], str], None]]:
        """The job kinds whose due jobs run together in one unit of work (a storm's pages)."""
        return self.incidents.together()

    def deliverer(self, owner: str | None = None) -> Deliverer:
        """A worker's delivery of the outbox through the channels this deployment has set up."""
        from opsdesk.adapters.db.outbox import WRITTEN  # noqa: PLC0415
        from opsdesk.bootstrap.channels import channels  # noqa: PLC0415  (vendor clients: heavy)
        from opsdesk.domain.outbox import RetryPolicy  # noqa: PLC0415
        from opsdesk.services.delivery import Deliverer  # noqa: PLC0415

        config = self.deployment
        policy = RetryPolicy(max_retry_after=timedelta(seconds=config.outbox_max_retry_after_seconds))
        lease = timedelta(seconds=config.outbox_lease_seconds)
        return Deliverer(
            self.outbox,
            channels(config),
            self.clock,
            owner or worker_name(),
            policy=policy,
            lease=lease,
            on_dead=self.incidents.delivery_failed,  # a page's SMS or call failed: the next method now
            written=WRITTEN,  # a message stored by this process: its lanes look at once
        )

    def job_runner(
        self,
        owner: str | None = None,
        handlers: Mapping[str, Callable[[Job], None]] | None = None,
        planner: Callable[[datetime], object] | None = None,
        together: Mapping[str, Callable[[list[Job], str], None]] | None = None,
    ) -> JobRunner:
        """A worker's runner of due jobs: by this application's handlers and planner, or by `handlers` and
        `planner` (the live policy's, which follow the policy in force)."""
        from opsdesk.services.jobs import JobRunner  # noqa: PLC0415

        chosen = self.job_handlers if handlers is None else handlers
        plan = self.plan_timed if planner is None else planner
        batches = self.job_batches if together is None else together
        return JobRunner(
            self.job_store, chosen, self.clock, owner or worker_name(), planner=plan, together=batches
        )


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"
