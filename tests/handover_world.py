"""A world for handover stories: a real database, the real services (incidents, changes, the handover), a
job runner with the handover's planner, and a clock that moves on demand."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from opsdesk.adapters.db.jobs import SqlJobs
from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.adapters.github.digest import GitHubDigestReader
from opsdesk.adapters.github.form import read_request
from opsdesk.domain.handover.model import HandoverKind, HandoverRecord
from opsdesk.domain.incidents.model import Alarm, Incident
from opsdesk.domain.jobs import JobState
from opsdesk.domain.outbox import OutboxRow
from opsdesk.domain.timeline import Actor, Source
from opsdesk.services.announcements.service import AnnouncementService
from opsdesk.services.changes.workflow import ChangeWorkflow
from opsdesk.services.handover.service import HandoverService
from opsdesk.services.incidents.service import IncidentService
from opsdesk.services.jobs import JobRunner
from opsdesk.services.rota import RotaService
from opsdesk.services.support.service import SupportService
from tests.builders import engine_for, notifier_for, policy_from_yaml, sql_units
from tests.fakes import SteppingClock

ALARM = Actor("events-v2", Source.ALARM)


def cli(name: str) -> Actor:
    return Actor(name, Source.CLI)


@dataclass
class RhythmWorld:
    db: Engine
    cache_dir: Path
    start: datetime
    document: dict[str, Any]
    channels: frozenset[str] = frozenset({"log", "slack", "email"})
    owner: str = "story"
    github: tuple[str | None, str | None] = (None, None)  # the digest's GitHub: (token, API URL)
    clock: SteppingClock = field(init=False)
    incidents: IncidentService = field(init=False)
    changes: ChangeWorkflow = field(init=False)
    handovers: HandoverService = field(init=False)
    runner: JobRunner = field(init=False)
    jobs: SqlJobs = field(init=False)

    def __post_init__(self) -> None:
        self.clock = SteppingClock(self.start)
        policy = policy_from_yaml(json.dumps(self.document))
        self.tz = policy.hours.timezone
        rota = RotaService(engine_for(policy, self.cache_dir), policy.rota, self.clock)
        notifier = notifier_for(policy, self.channels)
        units = sql_units(self.db)
        self.jobs = SqlJobs(self.db)
        self.incidents = IncidentService(units, rota, policy.services, self.clock, notifier)
        self.changes = ChangeWorkflow(units, rota, policy.changes, self.clock, notifier, read=read_request)
        self.handovers = HandoverService(
            units,
            rota,
            policy.handover,
            self.clock,
            notifier,
            notifier.people,
            lambda: GitHubDigestReader(*self.github, timeout=3),
            policy.support,
        )
        self.announcements = AnnouncementService(
            units, policy.announcements, self.clock, notifier, notifier.people, self.tz
        )
        self.support = SupportService(units, rota, policy.support, self.clock, notifier, read=read_request)
        handlers = {
            **self.incidents.jobs(),
            **self.changes.jobs(),
            **self.handovers.jobs(),
            **self.announcements.jobs(),
        }
        self.runner = JobRunner(self.jobs, handlers, self.clock, self.owner, planner=self.handovers.plan)

    def local(self, text: str) -> datetime:
        """An instant written in the team's wall-clock time, e.g. local("2026-12-02 16:00")."""
        return datetime.fromisoformat(text).replace(tzinfo=self.tz)

    def run_until(self, when: datetime) -> None:
        """Move the clock to each job as it falls due and run it (planning as a worker does), up to `when`."""
        self.runner.run_once()
        while True:
            due = [j.due_at for j in self.jobs.jobs(JobState.PENDING, limit=1000) if j.due_at <= when]
            if not due:
                break
            self.clock.instant = max(self.clock.instant, min(due))
            self.runner.run_once()
        self.clock.instant = when
        self.runner.run_once()

    def down_until(self, when: datetime) -> None:
        """opsdesk is down: nothing runs until `when`."""
        self.clock.instant = when

    def alarm(self, key: str, summary: str, service: str = "platform") -> Incident:
        outcome = self.incidents.trigger(Alarm(service, key, summary, source="db-1"), ALARM)
        assert outcome is not None
        return outcome.incident

    def records(self, kind: HandoverKind | None = None) -> list[HandoverRecord]:
        """Every record kept, oldest first."""
        return list(reversed(self.handovers.records(kind, 500)))

    def outbox(self) -> list[OutboxRow]:
        return sorted(SqlOutbox(self.db).rows(limit=10_000), key=lambda r: r.id)

    def sent(self, key_part: str) -> list[OutboxRow]:
        return [r for r in self.outbox() if key_part in r.message.idempotency_key]
