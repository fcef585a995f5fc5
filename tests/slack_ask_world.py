"""The ask channel's e2e world: the Slack world (tests/slack_world.py) with an ask channel by its Slack id,
message events sent as Slack's Events API sends them (JSON, signed), and the app's own job handlers run as
a worker would, each job as it falls due."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.fake_slack import FakeSlack
from tests.slack_requests import channel_message, event_callback, signed
from tests.slack_world import World, slack_world

ASK = "C0ASK00001"  # the ask channel's id, as Slack's events name it
JSON = "application/json"


@contextmanager
def ask_world(
    db: Engine,
    tmp_path: Path,
    cache_dir: Path,
    fake: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
    overrides: list[dict[str, str]] | None = None,
    **ask: Any,
) -> Iterator[World]:
    """The Slack world with the ask channel (`ask` more of its policy section) and rota `overrides`."""
    more: dict[str, Any] = {"overrides": overrides} if overrides else {}
    with slack_world(db, tmp_path, cache_dir, fake, monkeypatch, ask={"channel": ASK, **ask}, **more) as made:
        yield made


def message_body(
    text: str, *, user: str, ts: str, thread: str | None = None, channel: str = ASK, event_id: str = ""
) -> str:
    event = channel_message(text, user=user, channel=channel, ts=ts, thread_ts=thread)
    return event_callback(event, event_id=event_id or f"Ev{ts.replace('.', '')}")


def post_event(world: World, body: str, retry: int | None = None, at: int | None = None) -> httpx.Response:
    """An Events API callback as Slack posts it; a retry carries X-Slack-Retry-Num and a new signature."""
    headers = signed(body, content_type=JSON, at=at)
    if retry is not None:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    return world.send(body, headers)


def say(world: World, text: str, *, user: str, ts: str, thread: str | None = None, **more: Any) -> None:
    answer = post_event(world, message_body(text, user=user, ts=ts, thread=thread, **more))
    assert answer.status_code == 200, answer.text


def run_all_jobs_until(world: World, when: datetime) -> None:
    """Each job (of every kind the app runs) as it falls due, the clock moved to it, up to `when`."""
    world.run_jobs_until(when, world.context.app.job_handlers)


def in_thread(world: World, thread: str) -> list[dict[str, object]]:
    """What opsdesk posted in the thread of `thread` in the ask channel (delivered to the fake)."""
    world.deliver()
    return [b for b in world.fake.delivered if b.get("channel") == ASK and b.get("thread_ts") == thread]


def slack_ts(at: datetime) -> str:
    return f"{at.timestamp():.6f}"


def stamp() -> int:
    return int(time.time())
