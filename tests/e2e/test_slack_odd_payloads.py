"""Requests signed by Slack but shaped oddly (a field of the wrong type, a NUL in an id, a channel id of
3,000 characters, no response_url), and a Slack whose response_url is slow: each is answered within
Slack's three seconds, never with a 500, and acts once or not at all."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from opsdesk.domain.incidents.model import IncidentState
from tests.fake_slack import FakeSlack
from tests.slack_requests import block_action, form_payload, view_submission
from tests.slack_world import World, slack_world

SLACK_LIMIT = 3.0  # seconds Slack waits for an acknowledgement


@pytest.fixture
def world(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    with slack_world(db, tmp_path, cache_dir, fake_slack, monkeypatch) as made:
        yield made


def _press(world: World, action: str, number: int, **changes: Any) -> dict[str, Any]:
    page = world.page_to("UALICE")
    payload = block_action(
        action,
        str(number),
        user="UALICE",
        channel=str(page["_conversation"]),
        ts=str(page["ts"]),
        response_url=world.fake.response_url(),
    )
    payload.update(changes)
    return payload


def _paged(world: World) -> int:
    number = world.alarm()
    world.deliver()
    return number


def test_a_slow_response_url_does_not_hold_the_acknowledgement_past_three_seconds(world: World) -> None:
    number = _paged(world)
    world.fake.response_delay = 6.0
    started = time.monotonic()
    answer = world.send(form_payload(_press(world, "incident:acknowledge", number)))
    took = time.monotonic() - started
    assert answer.status_code == 200
    assert took < SLACK_LIMIT, f"Slack would have given up after 3 s; the answer took {took:.1f} s"
    incident = world.context.incidents.incident(number)
    assert (incident.state, incident.acknowledged_by) == (IncidentState.ACKNOWLEDGED, "alice")


@pytest.mark.parametrize(
    "changes",
    [
        {"container": "message"},  # not an object
        {"container": {"channel_id": "C" * 3000, "message_ts": "1.2"}},  # a channel id no Slack has
        {"container": {"channel_id": ["C1"], "message_ts": {"ts": 1}}},  # lists and objects for ids
        {"channel": "C1", "message": "text"},  # strings where Slack sends objects
        {"trigger_id": "13345\x00224609", "response_url": None},  # a NUL in the trigger; no response_url
    ],
    ids=["container-string", "huge-channel", "ids-of-other-types", "strings-for-objects", "nul-trigger"],
)
def test_an_oddly_shaped_press_acts_once_without_a_500(world: World, changes: dict[str, Any]) -> None:
    number = _paged(world)
    answer = world.send(form_payload(_press(world, "incident:acknowledge", number, **changes)))
    assert answer.status_code == 200
    assert world.context.incidents.incident(number).acknowledged_by == "alice"
    world.deliver()  # a rewrite names a message only when the payload names one as Slack does
    assert all(len(str(u["channel"])) <= 40 for u in world.fake.updates)


def test_a_defer_press_with_an_odd_container_still_opens_the_form(world: World) -> None:
    number = _paged(world)
    answer = world.send(form_payload(_press(world, "incident:defer", number, container="x" * 5000)))
    assert answer.status_code == 200
    (view,) = world.fake.opened()
    assert json.loads(view["private_metadata"])["incident"] == number


@pytest.mark.parametrize(
    "view_changes",
    [{"state": ["values"]}, {"state": {"values": "none"}}, {"id": "V\x00FAKE"}, {"private_metadata": "[1]"}],
    ids=["state-list", "values-string", "nul-view-id", "metadata-not-object"],
)
def test_an_oddly_shaped_submission_is_refused_in_the_form_without_a_500(
    world: World, view_changes: dict[str, Any]
) -> None:
    number = _paged(world)
    payload = view_submission(
        "incident:defer",
        {"informed": "Payments team", "plan": "Fix it at 09:00"},
        user="UALICE",
        private_metadata=json.dumps({"incident": number}),
    )
    payload["view"].update(view_changes)
    answer = world.send(form_payload(payload))
    assert answer.status_code == 200
    incident = world.context.incidents.incident(number)
    if "id" in view_changes:  # a NUL in the view's id: the id is cleaned, the form acts once
        assert incident.state is IncidentState.DEFERRED
    else:
        assert answer.json()["response_action"] == "errors"
        assert incident.state is IncidentState.TRIGGERED
