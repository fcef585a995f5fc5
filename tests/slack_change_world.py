"""Change requests in the Slack app's world (tests/slack_world.py): a policy with an ask channel, requests
submitted through the change workflow as the API does, and presses and form submissions on a request's
message as Slack sends them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from opsdesk.domain.timeline import Actor, Source
from tests.change_world import request_body
from tests.fake_slack import FakeSlack
from tests.slack_requests import block_action, form_payload, signed, view_submission
from tests.slack_world import World, blocks_of, slack_world

ASK = "#ask-platform"
REQUESTER = Actor("payments-team", Source.API)
THIS_WEEK = "Thursday 3rd December 2026 19:00-21:00"  # the world's clock: Monday 30 November 2026, 17:30 UTC
CHANGES = {"ask-channel": ASK, "channel": "#platform-changes"}


@contextmanager
def change_world(
    db: Engine, tmp_path: Path, cache_dir: Path, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    with slack_world(db, tmp_path, cache_dir, fake, monkeypatch, changes=CHANGES) as made:
        yield made


def submit(world: World, title: str = "Upgrade the payments database", when: str = THIS_WEEK) -> int:
    """A request filed through the workflow (as the API files one), its announcement delivered."""
    change = world.context.changes.submit(title, request_body(when), REQUESTER)
    world.deliver()
    return change.id


def announcement(world: World, change: int) -> dict[str, object]:
    """The request's announcement as delivered to the ask channel."""
    (post,) = [
        b
        for b in world.fake.delivered
        if b.get("channel") == ASK
        and str(b.get("text", "")).startswith(f"New out-of-hours change request CR-{change}")
    ]
    return post


def buttons(message: dict[str, object]) -> list[tuple[str, str]]:
    """The buttons on a delivered message: (action id, value)."""
    return [
        (str(e["action_id"]), str(e["value"]))
        for b in blocks_of(message)
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def press(
    world: World, action: str, change: int, user: str, message: dict[str, object], trigger: str = "T1.1"
) -> httpx.Response:
    payload = block_action(
        action,
        str(change),
        user=user,
        channel=str(message["_conversation"]),
        ts=str(message["ts"]),
        response_url=world.fake.response_url(),
        trigger_id=trigger,
    )
    return world.send(form_payload(payload))


def submit_form(
    world: World,
    view: dict[str, Any],
    user: str,
    values: dict[str, str],
    *,
    view_id: str = "VFAKE000001",
    at: int | None = None,
    metadata: str | None = None,
) -> httpx.Response:
    """The opened `view` submitted by `user` with `values` (the engineer a select), signed at `at`."""
    payload = view_submission(
        str(view["callback_id"]),
        values,
        user=user,
        private_metadata=view["private_metadata"] if metadata is None else metadata,
        view_id=view_id,
        selects=frozenset({"engineer"}),
    )
    body = form_payload(payload)
    return world.send(body, signed(body, at=at))


def ack_of(response: httpx.Response) -> dict[str, Any]:
    """A view submission's acknowledgement: {} when the form closed, else its response_action and errors."""
    assert response.status_code == 200, response.text
    return json.loads(response.text) if response.text else {}


def history(world: World, change: int) -> list[tuple[str, str, str]]:
    return [(e.actor, str(e.source), e.kind) for e in world.context.changes.history(change)]
