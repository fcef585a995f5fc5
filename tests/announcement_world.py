"""A world for announcement stories: the real services (incidents, changes, announcements) over a real
database or the in-memory one, a job runner, a clock that moves on demand, and workers that deliver the
outbox through a (fake) Slack."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from opsdesk.adapters.db.jobs import SqlJobs
from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.adapters.github.form import read_request
from opsdesk.adapters.log_channel import LogChannel
from opsdesk.adapters.slack.channel import SlackChannel
from opsdesk.domain.announcements.model import Announcement, AnnouncementKind, Mention, Request
from opsdesk.domain.incidents.model import Alarm, Incident, Priority
from opsdesk.domain.jobs import JobState
from opsdesk.domain.outbox import OutboxRow
from opsdesk.domain.timeline import Actor, Source
from opsdesk.services.announcements.service import AnnouncementService
from opsdesk.services.changes.workflow import ChangeWorkflow
from opsdesk.services.delivery import Channel, Deliverer
from opsdesk.services.incidents.service import IncidentService
from opsdesk.services.jobs import JobRunner, JobStore
from opsdesk.services.rota import RotaService
from tests.builders import engine_for, notifier_for, policy_from_yaml, sql_units
from tests.fake_slack import TOKEN, FakeSlack
from tests.fake_units import FakeDatabase
from tests.fakes import SteppingClock
from tests.incident_world import ALARM, policy_document

LONDON = ZoneInfo("Europe/London")
UPDATES, ASK = "#platform-updates", "#ask-platform"


def cli(name: str) -> Actor:
    return Actor(name, Source.CLI)


def document(**announcements: Any) -> dict[str, Any]:
    """Four engineers (alice, bilal and dana with Slack ids), two services, and the announcements section."""
    section = {"update-channel": UPDATES, "ask-channel": ASK, **announcements}
    return policy_document(date(2026, 11, 30), weeks=4, announcements=section)


@dataclass
class AnnouncementWorld:
    db: Engine | None
    cache_dir: Path
    start: datetime  # in London time
    document: dict[str, Any] = field(default_factory=document)
    channels: frozenset[str] = frozenset({"log", "slack", "email"})
    clock: SteppingClock = field(init=False)
    memory: FakeDatabase = field(init=False, default_factory=FakeDatabase)

    def __post_init__(self) -> None:
        self.clock = SteppingClock(self.start)
        policy = policy_from_yaml(json.dumps(self.document))
        self.policy = policy
        rota = RotaService(engine_for(policy, self.cache_dir), policy.rota, self.clock)
        notifier = notifier_for(policy, self.channels)
        units = self.memory.units() if self.db is None else sql_units(self.db)
        self.jobs: JobStore = self.memory.job_store() if self.db is None else SqlJobs(self.db)
        self.incidents = IncidentService(units, rota, policy.services, self.clock, notifier)
        self.changes = ChangeWorkflow(units, rota, policy.changes, self.clock, notifier, read=read_request)
        self.announcements = AnnouncementService(
            units, policy.announcements, self.clock, notifier, notifier.people, LONDON
        )
        handlers = {**self.incidents.jobs(), **self.changes.jobs(), **self.announcements.jobs()}
        self.runner = JobRunner(self.jobs, handlers, self.clock, "story")

    def local(self, text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=LONDON)

    def incident(self, priority: Priority | None = Priority.P1, lead: str | None = "bilal") -> Incident:
        outcome = self.incidents.trigger(Alarm("platform", "db-down", "Database down", source="db-1"), ALARM)
        assert outcome is not None
        number = outcome.incident.id
        if priority is not None:
            scribe = "dana" if priority is Priority.P1 and lead is not None else None
            self.incidents.update(number, cli("alice"), priority=priority, lead=lead, scribe=scribe)
        return self.incidents.incident(number)

    def announce(
        self,
        kind: AnnouncementKind = AnnouncementKind.MAINTENANCE,
        title: str = "Database failover",
        body: str = "Writes pause for about a minute.",
        incident: int | None = None,
        change: int | None = None,
        mention: Mention | None = None,
        starts_at: datetime | None = None,
        next_update: datetime | None = None,
        who: str = "alice",
    ) -> Announcement:
        request = Request(kind, title, body, incident, change, mention, starts_at, next_update)
        return self.announcements.announce(request, cli(who))

    def run_until(self, when: datetime) -> None:
        """Move the clock to each job as it falls due and run it, up to `when`: as a worker would."""
        while True:
            due = [j.due_at for j in self.jobs.jobs(JobState.PENDING, limit=1000) if j.due_at <= when]
            if not due:
                break
            self.clock.instant = max(self.clock.instant, min(due))
            self.runner.run_once()
        self.clock.instant = when

    def outbox(self) -> list[OutboxRow]:
        rows = self.memory.rows() if self.db is None else SqlOutbox(self.db).rows(limit=10_000)
        return sorted(rows, key=lambda r: r.id)

    def sent(self, key_part: str) -> list[OutboxRow]:
        return [r for r in self.outbox() if key_part in r.message.idempotency_key]

    def worker(self, owner: str, slack: FakeSlack | None = None) -> Deliverer:
        """A worker delivering the outbox (real database only): to the fake Slack when given, else the log."""
        assert self.db is not None, "workers deliver from a real database"
        channels: dict[str, Channel] = {"log": LogChannel()}
        if slack is not None:
            channels["slack"] = SlackChannel(TOKEN, slack.url, timeout=2)
        return Deliverer(SqlOutbox(self.db), channels, self.clock, owner)
