"""A small world for Twilio's webhooks end to end: the served FastAPI app on a real database, pages by SMS
and voice call delivered to the local fake of Twilio, its webhooks (signed as Twilio signs) posted back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from opsdesk.config.settings import Settings
from opsdesk.domain.incidents.model import Incident
from opsdesk.domain.jobs import JobState
from opsdesk.domain.timeline import TimelineEntry
from opsdesk.entrypoints.api.app import create_app
from opsdesk.entrypoints.api.context import ApiContext, api_context
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, SENDER, FakeTwilio, Webhook
from tests.fakes import SteppingClock
from tests.incident_world import ENGINEERS, policy_document

PUBLIC = "https://opsdesk.example.org"
ALICE = "+447911123456"  # the primary this week
BILAL = "+447911123457"  # the secondary
STRANGER = "+447700123456"  # on nobody's record
EVENING = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)  # Monday, on-call hours: alice primary, bilal secondary
PHONES = {"alice": ALICE, "bilal": BILAL}


@dataclass
class World:
    client: TestClient
    context: ApiContext
    clock: SteppingClock
    fake: FakeTwilio

    def alarm(self, summary: str = "Disk full on db-1") -> int:
        event = {
            "routing_key": "k" * 32,
            "event_action": "trigger",
            "dedup_key": summary,
            "payload": {"summary": summary, "source": "db-1", "severity": "critical"},
        }
        assert self.client.post("/api/v1/events/v2/enqueue", json=event).status_code == 202
        return max(i.id for i in self.context.incidents.incidents())

    def deliver(self) -> None:
        worker = self.context.app.deliverer("test-worker")
        while worker.run_once():
            pass

    def run_jobs_until(self, when: datetime) -> None:
        runner = self.context.app.job_runner(
            "test-runner", handlers=self.context.incidents.jobs(), planner=lambda now: None
        )
        while True:
            pending = self.context.jobs.jobs(JobState.PENDING, limit=1000)
            due = [j.due_at for j in pending if j.due_at <= when]
            if not due:
                break
            self.clock.instant = max(self.clock.instant, min(due))
            runner.run_once()
        self.clock.instant = when

    def sms_to(self, phone: str) -> dict[str, Any]:
        (message,) = [m for m in self.fake.messages if m["to"] == phone]
        return message

    def call_to(self, phone: str) -> dict[str, Any]:
        (call,) = [c for c in self.fake.calls if c["to"] == phone]
        return call

    def text(self, sender: str, body: str) -> Webhook:
        return self.fake.incoming_sms(PUBLIC, sender, body)

    def send(self, hook: Webhook, **extra: Any) -> httpx.Response:
        return hook.post(self.client, **extra)

    def incident(self, number: int) -> Incident:
        return self.context.incidents.incident(number)

    def timeline(self, number: int) -> list[TimelineEntry]:
        return list(self.context.incidents.walk_timeline(number))

    def said(self, number: int, kind: str) -> list[str]:
        return [e.message for e in self.timeline(number) if e.kind == kind]


def twilio_env(monkeypatch: pytest.MonkeyPatch, fake: FakeTwilio, public: str | None = PUBLIC) -> None:
    monkeypatch.setenv("OPSDESK_TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("OPSDESK_TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("OPSDESK_TWILIO_FROM", SENDER)
    monkeypatch.setenv("OPSDESK_TWILIO_API_URL", fake.url)
    if public is None:
        monkeypatch.delenv("OPSDESK_PUBLIC_URL", raising=False)
    else:
        monkeypatch.setenv("OPSDESK_PUBLIC_URL", public)


@contextmanager
def twilio_world(
    db: Engine,
    tmp_path: Path,
    cache_dir: Path,
    fake: FakeTwilio,
    monkeypatch: pytest.MonkeyPatch,
    *,
    public: str | None = PUBLIC,
    notify: dict[str, list[dict[str, Any]]] | None = None,
) -> Iterator[World]:
    """The incident stories' team with phones (alice and bilal), a service paging by SMS and voice call,
    Twilio set up against the fake and opsdesk's public address `public`; `notify` gives engineers their
    notification rules (by id)."""
    twilio_env(monkeypatch, fake, public)
    engineers = [{**e, "phone": PHONES[e["id"]]} if e["id"] in PHONES else e for e in ENGINEERS]
    rules = notify or {}
    engineers = [{**e, "notify": rules[e["id"]]} if e["id"] in rules else e for e in engineers]
    services = [
        {"id": "platform", "name": "Platform", "paging": ["sms", "voice"], "integration-keys": ["k" * 32]}
    ]
    document = policy_document(date(2026, 11, 30), services=services, engineers=engineers)
    policy = tmp_path / "opsdesk.yaml"
    policy.write_text(json.dumps(document), encoding="utf-8")
    url = db.url.render_as_string(hide_password=False)
    settings = Settings(policy, policy_path_explicit=True, cache_dir=cache_dir, database_url=url)
    clock = SteppingClock(EVENING)
    context = api_context(settings, clock=clock)
    try:
        with TestClient(create_app(context)) as client:
            yield World(client, context, clock, fake)
    finally:
        context.engine.dispose()
