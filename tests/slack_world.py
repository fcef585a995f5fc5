"""A small world for the Slack app's end-to-end tests: the served FastAPI app on a real database, the
outbox delivered to the local fake of Slack's Web API, escalation run on a clock that moves on demand."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
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
from opsdesk.domain.jobs import Job, JobState
from opsdesk.entrypoints.api.app import create_app
from opsdesk.entrypoints.api.context import ApiContext, api_context
from tests.fake_slack import TOKEN, FakeSlack
from tests.fakes import SteppingClock
from tests.incident_world import policy_document
from tests.slack_requests import SECRET, block_action, form_payload, signed

ROUTE = "/api/v1/integrations/slack/events"
EVENING = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)  # Monday, on-call hours: alice primary, bilal secondary
NOT_ON_ROTA = (
    "You are not on the team's rota in opsdesk: ask an admin to add your Slack id under engineers[].slack"
)


def blocks_of(body: dict[str, object]) -> list[dict[str, Any]]:
    """A message's blocks as sent (slack_sdk sends JSON; a form would carry them as a JSON string)."""
    blocks = body["blocks"]
    return json.loads(blocks) if isinstance(blocks, str) else blocks  # type: ignore[return-value]


@dataclass
class World:
    client: TestClient
    context: ApiContext
    clock: SteppingClock
    fake: FakeSlack

    def send(self, body: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return self.client.post(ROUTE, content=body.encode(), headers=headers or signed(body))

    def alarm(self, summary: str = "Disk full on db-1") -> int:
        event = {
            "routing_key": "k" * 32,
            "event_action": "trigger",
            "dedup_key": summary,
            "payload": {"summary": summary, "source": "db-1", "severity": "critical"},
        }
        assert self.client.post("/api/v1/events/v2/enqueue", json=event).status_code == 202
        return len(self.context.incidents.incidents())

    def deliver(self) -> None:
        worker = self.context.app.deliverer("test-worker")
        while worker.run_once():
            pass

    def run_jobs_until(
        self, when: datetime, handlers: Mapping[str, Callable[[Job], None]] | None = None
    ) -> None:
        """Each job run as it falls due, the clock moved to it, up to `when` (as a worker would), by
        `handlers` (the incidents' by default)."""
        runner = self.context.app.job_runner(
            "test-runner", handlers=handlers or self.context.incidents.jobs(), planner=lambda now: None
        )
        while True:
            pending = self.context.jobs.jobs(JobState.PENDING, limit=1000)
            due = [j.due_at for j in pending if j.due_at <= when]
            if not due:
                break
            self.clock.instant = max(self.clock.instant, min(due))
            runner.run_once()
        self.clock.instant = when

    def page_to(self, user: str) -> dict[str, object]:
        """The page delivered to `user`'s direct messages."""
        (page,) = [b for b in self.fake.delivered if b.get("channel") == user]
        return page

    def press_body(
        self, action: str, incident: int, user: str, message: dict[str, object], **extra: Any
    ) -> str:
        """The form body Slack sends for a press of `action` on `message` (to send, or send again)."""
        payload = block_action(
            action,
            str(incident),
            user=user,
            channel=str(message["_conversation"]),
            ts=str(message["ts"]),
            response_url=self.fake.response_url(),
            **extra,
        )
        return form_payload(payload)

    def press(
        self, action: str, incident: int, user: str, message: dict[str, object], **extra: Any
    ) -> httpx.Response:
        return self.send(self.press_body(action, incident, user, message, **extra))

    def timeline(self, incident: int) -> list[tuple[str, str, str]]:
        return [(e.actor, str(e.source), e.kind) for e in self.context.incidents.walk_timeline(incident)]

    def pages(self) -> list[str]:
        return [
            r.message.idempotency_key
            for r in self.context.outbox.rows(limit=1000)
            if r.message.idempotency_key.startswith("page:")
        ]


def make_world(
    db: Engine, tmp_path: Path, cache_dir: Path, fake: FakeSlack, **extra: Any
) -> tuple[World, ApiContext]:
    """The world over the incident stories' policy, with `extra` parts of the policy (e.g. `handover`)."""
    policy = tmp_path / "opsdesk.yaml"
    policy.write_text(json.dumps(policy_document(date(2026, 11, 30), **extra)), encoding="utf-8")
    url = db.url.render_as_string(hide_password=False)
    settings = Settings(policy, policy_path_explicit=True, cache_dir=cache_dir, database_url=url)
    clock = SteppingClock(EVENING)
    context = api_context(settings, clock=clock)
    return World(TestClient(create_app(context)), context, clock, fake), context


@contextmanager
def slack_world(
    db: Engine,
    tmp_path: Path,
    cache_dir: Path,
    fake: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
    *,
    app: bool = True,
    **extra: Any,
) -> Iterator[World]:
    """Slack set up for posting (the bot token, the fake's URL) and, with `app`, the Slack app (its signing
    secret); the client running while the block does."""
    monkeypatch.setenv("OPSDESK_SLACK_TOKEN", TOKEN)
    monkeypatch.setenv("OPSDESK_SLACK_API_URL", fake.url)
    if app:
        monkeypatch.setenv("OPSDESK_SLACK_SIGNING_SECRET", SECRET)
    else:
        monkeypatch.delenv("OPSDESK_SLACK_SIGNING_SECRET", raising=False)
    made, context = make_world(db, tmp_path, cache_dir, fake, **extra)
    try:
        with made.client:
            yield made
    finally:
        context.engine.dispose()
