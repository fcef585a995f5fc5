"""A small world for incident stories: a real database, the real services, a clock that moves on demand."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from opsdesk.adapters.db.jobs import SqlJobs
from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.adapters.db.unit_of_work import SqlUnitOfWork
from opsdesk.domain.incidents.model import Alarm, Incident
from opsdesk.domain.incidents.timeline import ALERT, ALERT_JOINED
from opsdesk.domain.jobs import JobState
from opsdesk.domain.outbox import OutboxRow
from opsdesk.domain.timeline import Actor, Source, TimelineEntry
from opsdesk.services.incidents.service import IncidentService
from opsdesk.services.jobs import JobRunner, JobStore
from opsdesk.services.rota import RotaService
from tests.builders import engine_for, notifier_for, policy_from_yaml, sql_units
from tests.fake_units import FakeDatabase
from tests.fakes import SteppingClock

PAIRS = [("alice", "bilal"), ("chen", "dana"), ("bilal", "alice"), ("dana", "chen")]
ENGINEERS = [
    {"id": "alice", "name": "Alice", "email": "alice@example.org", "slack": "UALICE"},
    {"id": "bilal", "name": "Bilal", "email": "bilal@example.org", "slack": "UBILAL"},
    {"id": "chen", "name": "Chen", "email": "chen@example.org"},
    {"id": "dana", "name": "Dana", "email": "dana@example.org", "slack": "UDANA"},
]
ALARM = Actor("events-v2", Source.ALARM)
ENGINEER = Actor("alice", Source.CLI)


def policy_document(
    first_monday: date, weeks: int = 3, services: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    """Four engineers taking turns from `first_monday`, a support engineer every working day, services."""
    on_call = [
        {"week": str(first_monday + timedelta(weeks=i)), "primary": p, "secondary": s}
        for i, (p, s) in enumerate(PAIRS[i % len(PAIRS)] for i in range(weeks))
    ]
    support = [
        {"date": str(first_monday + timedelta(days=d)), "engineer": ENGINEERS[d % 4]["id"]}
        for d in range(weeks * 7)
        if (first_monday + timedelta(days=d)).weekday() < 5
    ]
    document = {
        "engineers": ENGINEERS,
        "rota": {"on-call": on_call, "support": support},
        "services": services
        or [
            {
                "id": "platform",
                "name": "Platform",
                "channel": "#platform-alerts",
                "integration-keys": ["k" * 32],
            },
            {"id": "alerts", "name": "High-priority alerts", "mode": "notify", "channel": "#alerts"},
        ],
    }
    document.update(extra)
    return document


def storm(
    db: Engine, key: str, count: int, at: datetime, *, batch: int = 1000, service: str = "platform"
) -> None:
    """`count` alerts joining the open incident with `key` through the store's batch join (as the
    intake does under load), `batch` to a transaction, each batch a minute after the one before."""
    for first in range(0, count, batch):
        when = at + timedelta(minutes=first // batch)
        with SqlUnitOfWork(db) as uow:
            uow.incidents.join_open(
                [
                    (
                        Alarm(service, key, f"Disk full on db-1 ({n})"),
                        TimelineEntry(
                            when, ALARM.name, ALARM.source, ALERT, f"{ALERT_JOINED}Disk full on db-1 ({n})"
                        ),
                    )
                    for n in range(first, min(count, first + batch))
                ]
            )
            uow.commit()


@dataclass
class World:
    """Incidents over the in-memory unit of work (fast), or over a real database when `db` is given
    (for what the store itself decides: a storm's timeline, joins across transactions)."""

    db: Engine | None
    cache_dir: Path
    start: datetime
    document: dict[str, Any]
    channels: frozenset[str] = frozenset({"log", "slack", "email"})
    clock: SteppingClock = field(init=False)
    incidents: IncidentService = field(init=False)
    runner: JobRunner = field(init=False)
    memory: FakeDatabase = field(init=False, default_factory=FakeDatabase)
    jobs: JobStore = field(init=False)

    def __post_init__(self) -> None:
        self.clock = SteppingClock(self.start)
        policy = policy_from_yaml(json.dumps(self.document))
        rota = RotaService(engine_for(policy, self.cache_dir), policy.rota, self.clock)
        notifier = notifier_for(policy, self.channels)
        units = self.memory.units() if self.db is None else sql_units(self.db)
        self.jobs = self.memory.job_store() if self.db is None else SqlJobs(self.db)
        self.incidents = IncidentService(units, rota, policy.services, self.clock, notifier)
        self.runner = JobRunner(self.jobs, self.incidents.jobs(), self.clock, "story")

    def alarm(
        self, key: str = "disk-full", summary: str = "Disk full on db-1", service: str = "platform"
    ) -> Incident:
        outcome = self.incidents.trigger(Alarm(service, key, summary, source="db-1"), ALARM)
        assert outcome is not None
        return outcome.incident

    def run_until(self, when: datetime) -> None:
        """Move the clock to each job as it falls due and run it, up to `when`: as a worker would."""
        while True:
            due = [j.due_at for j in self.jobs.jobs(JobState.PENDING, limit=1000) if j.due_at <= when]
            if not due:
                break
            self.clock.instant = max(self.clock.instant, min(due))
            self.runner.run_once()
        self.clock.instant = when

    def advance(self, delta: timedelta) -> None:
        self.run_until(self.clock.instant + delta)

    def outbox(self) -> list[OutboxRow]:
        rows = self.memory.rows() if self.db is None else SqlOutbox(self.db).rows(limit=10_000)
        return sorted(rows, key=lambda r: r.id)

    def pages(self) -> list[tuple[str, str, datetime]]:
        """(channel, destination, when stored) of every page, in order."""
        return [
            (r.message.channel, r.message.destination, r.created_at)
            for r in self.outbox()
            if r.message.idempotency_key.startswith("page:")
        ]

    def posts(self) -> list[tuple[str, str]]:
        return [
            (r.message.destination, str(r.message.payload["text"]))
            for r in self.outbox()
            if r.message.idempotency_key.startswith("post:")
        ]

    def paged(self, incident_id: int) -> list[tuple[str, str, datetime]]:
        """(engineer, role, when) of every page of the incident, from its timeline."""
        return [
            (e.data["engineer"], e.data["role"], e.at)
            for e in self.timeline(incident_id)
            if e.kind == "paged"
        ]

    def kinds(self, incident_id: int) -> list[str]:
        return [e.kind for e in self.timeline(incident_id)]

    def timeline(self, incident_id: int) -> list[TimelineEntry]:
        """The whole timeline, oldest first (read page by page, as `incident show --all` does)."""
        return list(self.incidents.walk_timeline(incident_id))
