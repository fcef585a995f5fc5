"""A world for support-board stories: the real SupportService over the in-memory unit of work or a real
database, the team's rota and hours, and a clock that moves on demand."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.adapters.github.form import read_request
from opsdesk.domain.outbox import OutboxRow
from opsdesk.domain.timeline import Actor, Source
from opsdesk.services.rota import RotaService
from opsdesk.services.support.service import SupportService
from tests.builders import engine_for, notifier_for, policy_from_yaml, sql_units
from tests.change_world import ENGINEERS
from tests.fake_units import FakeDatabase
from tests.fakes import SteppingClock
from tests.rota_builders import team

LONDON = ZoneInfo("Europe/London")
REQUESTER = Actor("pay-dev", Source.API)
# The support duty in TEAM's rota: eve on Monday 7 December 2026, alice on Tuesday 8th.
EVE, ALICE, BILAL = (Actor(name, Source.CLI) for name in ("eve", "alice", "bilal"))


def london(text: str) -> datetime:
    """An instant written in London time, e.g. london("2026-12-04 15:55")."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


@dataclass
class SupportWorld:
    db: Engine | None
    cache_dir: Path
    start: datetime
    support: dict[str, Any] = field(default_factory=lambda: {"channel": "#ask-platform"})
    channels: frozenset[str] = frozenset({"log", "slack", "email", "github"})
    clock: SteppingClock = field(init=False)
    service: SupportService = field(init=False)
    memory: FakeDatabase = field(init=False, default_factory=FakeDatabase)

    def __post_init__(self) -> None:
        self.clock = SteppingClock(self.start)
        engineers: list[dict[str, Any]] = [*ENGINEERS]
        engineers += [{"id": "eve", "name": "Eve", "email": "eve@example.org", "github": "eve-g"}]
        engineers += [
            {"id": "omar", "name": "Omar", "email": "omar@example.org", "on-call": False, "support": False}
        ]
        document = team(engineers=engineers, support=self.support)
        policy = policy_from_yaml(json.dumps(document))
        rota = RotaService(engine_for(policy, self.cache_dir), policy.rota, self.clock)
        units = self.memory.units() if self.db is None else sql_units(self.db)
        notifier = notifier_for(policy, self.channels)
        self.service = SupportService(units, rota, policy.support, self.clock, notifier, read=read_request)

    def at(self, text: str) -> None:
        self.clock.instant = london(text)

    def outbox(self) -> list[OutboxRow]:
        rows = self.memory.rows() if self.db is None else SqlOutbox(self.db).rows(limit=10_000)
        return sorted(rows, key=lambda r: r.id)

    def messages(self, channel: str) -> list[tuple[str, dict[str, Any]]]:
        return [
            (r.message.destination, r.message.payload) for r in self.outbox() if r.message.channel == channel
        ]

    def kinds(self, request_id: int) -> list[str]:
        return [e.kind for e in self.service.history(request_id)]
