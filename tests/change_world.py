"""A world for change-request stories: a real database, the real workflow, a clock that moves on demand."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from opsdesk.adapters.db.jobs import SqlJobs
from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.adapters.github.form import read_request
from opsdesk.domain.jobs import JobState
from opsdesk.domain.outbox import OutboxRow
from opsdesk.domain.timeline import Actor, Source
from opsdesk.services.changes.context import REMINDER_JOB
from opsdesk.services.changes.workflow import ChangeWorkflow
from opsdesk.services.jobs import JobRunner, JobStore
from opsdesk.services.rota import RotaService
from tests.builders import engine_for, notifier_for, policy_from_yaml, sql_units
from tests.fake_units import FakeDatabase
from tests.fakes import SteppingClock
from tests.rota_builders import team

REQUESTER = Actor("payments-team", Source.API)
REVIEWER = Actor("chen", Source.CLI)
ENGINEERS = [
    {"id": "alice", "name": "Alice", "email": "alice@example.org", "slack": "UALICE", "github": "alice-a"},
    {"id": "bilal", "name": "Bilal", "email": "bilal@example.org", "github": "bilal-k"},
    {"id": "chen", "name": "Chen", "email": "chen@example.org", "github": "chen-w"},
    {"id": "dana", "name": "Dana", "email": "dana@example.org"},
]


def request_body(time: str = "Tuesday 2nd March 2027 18:00-20:00", **fields: str) -> str:
    answers = {
        "Change Details": "Upgrade the payments database",
        "Scheduled Time": time,
        "Impact Assesment": "Payments read-only for 10 minutes",
        "Rollback Plan": "Restore the snapshot",
    } | fields
    return "\n\n".join(f"### {label}\n\n{answer}" for label, answer in answers.items()) + "\n"


@dataclass
class ChangeWorld:
    """Change requests over the in-memory unit of work, or over a real database when `db` is given."""

    db: Engine | None
    cache_dir: Path
    start: datetime
    extra: dict[str, Any] = field(default_factory=dict)
    channels: frozenset[str] = frozenset({"log", "slack", "email", "github"})
    clock: SteppingClock = field(init=False)
    changes: ChangeWorkflow = field(init=False)
    memory: FakeDatabase = field(init=False, default_factory=FakeDatabase)
    job_store: JobStore = field(init=False)

    def __post_init__(self) -> None:
        self.clock = SteppingClock(self.start)
        document = team(engineers=ENGINEERS, **self.extra)
        document["rota"]["on-call"].append({"week": "2027-03-01", "primary": "dana", "secondary": "bilal"})
        document.setdefault("changes", {"ask-channel": "#ask-platform", "channel": "#platform-changes"})
        policy = policy_from_yaml(json.dumps(document))
        rota = RotaService(engine_for(policy, self.cache_dir), policy.rota, self.clock)
        notifier = notifier_for(policy, self.channels)
        units = self.memory.units() if self.db is None else sql_units(self.db)
        self.job_store = self.memory.job_store() if self.db is None else SqlJobs(self.db)
        self.changes = ChangeWorkflow(units, rota, policy.changes, self.clock, notifier, read=read_request)

    def outbox(self) -> list[OutboxRow]:
        rows = self.memory.rows() if self.db is None else SqlOutbox(self.db).rows(limit=10_000)
        return sorted(rows, key=lambda r: r.id)

    def messages(self, channel: str) -> list[tuple[str, dict[str, Any]]]:
        return [
            (r.message.destination, r.message.payload) for r in self.outbox() if r.message.channel == channel
        ]

    def jobs(self) -> list[tuple[str, datetime]]:
        return sorted((j.key, j.due_at) for j in self.job_store.jobs(JobState.PENDING, limit=1000))

    def run_jobs(self, until: datetime) -> None:
        runner = JobRunner(self.job_store, {REMINDER_JOB: self.changes.remind}, self.clock, "story")
        for _, due in self.jobs():
            if due <= until:
                self.clock.instant = max(self.clock.instant, due)
                runner.run_once()
        self.clock.instant = until

    def kinds(self, change_id: int) -> list[str]:
        return [e.kind for e in self.changes.history(change_id)]
