"""Running due jobs: claim, run the handler for the job's kind, record the outcome (retries as the outbox)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from opsdesk.domain.jobs import Job
from opsdesk.domain.outbox import RetryPolicy
from opsdesk.services.clock import Clock

logger = logging.getLogger("opsdesk.jobs")
Handler = Callable[[Job], None]
PLAN_POSTPONED = timedelta(seconds=10)  # the longest planning waits for a pass that runs no job
# Runs due jobs of one kind in one unit of work that also marks them done for the owner it is given.
Together = Callable[[list[Job], str], None]


class JobStore(Protocol):
    def claim(self, owner: str, now: datetime, limit: int, lease: timedelta) -> list[Job]: ...
    def done(self, job_id: int, owner: str, now: datetime) -> bool: ...
    def failed(self, job_id: int, owner: str, error: str, next_attempt: datetime | None) -> None: ...
    def release(self, owner: str) -> None: ...
    def next_due(self, now: datetime) -> datetime | None: ...


@dataclass
class JobRunner:
    store: JobStore
    handlers: Mapping[str, Handler]
    clock: Clock
    owner: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    lease: timedelta = timedelta(minutes=5)
    batch: int = 25
    # Kinds whose due jobs may run together (a storm's pages): one unit of work and one commit for all of
    # them; if that fails, each runs on its own by its handler, so one bad job never holds back the rest.
    together: Mapping[str, Together] = field(default_factory=dict)
    # Timed work that comes from the policy rather than from an event (the handover's moments): planned
    # into jobs every `plan_every`, by every runner (their keys keep a job to one row).
    planner: Callable[[datetime], object] | None = None
    plan_every: timedelta = timedelta(minutes=1)
    _planned_at: datetime | None = field(default=None, init=False, repr=False)
    _busy: bool = field(default=False, init=False, repr=False)  # the last pass ran jobs

    def run_once(self) -> int:
        self._plan()
        jobs = self.store.claim(self.owner, self.clock.now(), self.batch, self.lease)
        self._busy = bool(jobs)
        for job in self._together(jobs):
            handler = self.handlers.get(job.kind)
            if handler is None:
                self.store.failed(job.id, self.owner, f"no handler for jobs of kind {job.kind!r}", None)
                continue
            try:
                handler(job)
            except Exception as exc:
                logger.warning("job failed", extra={"job": job.key, "error": str(exc)})
                retry_at = self.policy.next_attempt(job.attempts + 1, self.clock.now())
                self.store.failed(job.id, self.owner, f"{type(exc).__name__}: {exc}", retry_at)
                continue
            self.store.done(job.id, self.owner, self.clock.now())
        return len(jobs)

    def _together(self, jobs: list[Job]) -> list[Job]:
        """Run the jobs that may run together; the rest, to run one by one."""
        kinds: dict[str, list[Job]] = {}
        for job in jobs:
            if job.kind in self.together:
                kinds.setdefault(job.kind, []).append(job)
        ran: set[int] = set()
        for kind, group in kinds.items():
            if len(group) < 2:
                continue
            try:
                self.together[kind](group, self.owner)
            except Exception as exc:
                logger.warning(
                    "jobs run together failed; running them one by one",
                    extra={"kind": kind, "jobs": len(group), "error": f"{type(exc).__name__}: {exc}"},
                )
                continue
            ran.update(job.id for job in group)
        return [job for job in jobs if job.id not in ran]

    def pause(self, idle: float) -> float:
        """Seconds to wait after a pass that found nothing: `idle`, or less when a job comes due sooner
        (the 07:00 pages held for cover go out at 07:00, not up to a pause later)."""
        now = self.clock.now()
        try:
            due = self.store.next_due(now)
        except Exception as exc:  # the next pass meets the same trouble, and says so
            logger.warning(
                "looking for the next due job failed", extra={"error": f"{type(exc).__name__}: {exc}"}
            )
            return idle
        if due is None:
            return idle
        return min(idle, max(0.0, (due - now).total_seconds()))

    def _plan(self) -> None:
        now = self.clock.now()
        if self.planner is None:
            return
        if self._planned_at is not None:
            since = now - self._planned_at
            # Planned days ahead: while a storm's jobs run (the last pass ran some), it waits a little.
            if since < self.plan_every or (self._busy and since < self.plan_every + PLAN_POSTPONED):
                return
        try:
            self.planner(now)
        except Exception as exc:  # planning again next pass: a database blip must not stop the jobs
            logger.warning("planning timed jobs failed", extra={"error": f"{type(exc).__name__}: {exc}"})
            return
        self._planned_at = now

    def stop(self) -> None:
        self.store.release(self.owner)
