"""The Slack app's route refuses what Slack did not send: a forged or old signature, a missing header, a
replay, a body that is not JSON, and everything while the app is not set up; nothing runs for any of them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from opsdesk.domain.incidents.model import IncidentState
from tests.fake_slack import FakeSlack
from tests.slack_requests import signed, slash_command
from tests.slack_world import ROUTE, World, slack_world


@pytest.fixture
def world(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    with slack_world(db, tmp_path, cache_dir, fake_slack, monkeypatch) as made:
        yield made


def _refused(world: World, number: int, answer: httpx.Response, status: int, detail: str) -> None:
    assert (answer.status_code, answer.json()) == (status, {"detail": detail})
    assert world.context.incidents.incident(number).state is IncidentState.TRIGGERED
    assert world.fake.responses == []


def _ack_body(world: World, number: int) -> str:
    return world.press_body("incident:acknowledge", number, "UALICE", world.page_to("UALICE"))


def test_a_forged_signature_is_refused_and_nothing_runs(world: World) -> None:
    number = world.alarm()
    world.deliver()
    body = _ack_body(world, number)
    forged = world.send(body, signed(body, secret="not-the-app-secret"))
    _refused(
        world, number, forged, 401, "X-Slack-Signature does not match this body and the app's signing secret"
    )
    # Signed for one body, sent with another (a button pressed on another incident).
    other = world.send(body.replace("incident%3Aacknowledge", "incident%3Aresolve"), signed(body))
    _refused(
        world, number, other, 401, "X-Slack-Signature does not match this body and the app's signing secret"
    )


def test_an_old_timestamp_or_a_missing_header_is_refused(world: World) -> None:
    number = world.alarm()
    world.deliver()
    body = _ack_body(world, number)
    old = int(datetime.now(UTC).timestamp()) - 5 * 60 - 1
    _refused(
        world,
        number,
        world.send(body, signed(body, at=old)),
        401,
        "X-Slack-Request-Timestamp is more than 5 minutes from now: an old request is refused",
    )
    headers = signed(body)
    del headers["X-Slack-Signature"]
    _refused(
        world,
        number,
        world.send(body, headers),
        401,
        "X-Slack-Request-Timestamp and X-Slack-Signature are required: requests come from Slack",
    )
    bad = signed(body) | {"X-Slack-Request-Timestamp": "yesterday"}
    _refused(world, number, world.send(body, bad), 401, "X-Slack-Request-Timestamp is not a Unix time")


def test_a_replayed_request_is_refused(world: World) -> None:
    number = world.alarm()
    world.deliver()
    body = world.press_body("incident:resolve", number, "UALICE", world.page_to("UALICE"))
    headers = signed(body)
    assert world.send(body, headers).status_code == 200
    replay = world.send(body, headers)
    assert (replay.status_code, replay.json()) == (
        401,
        {"detail": "this signed request was taken in before (a replay): nothing was done"},
    )
    assert [e[2] for e in world.timeline(number)].count("resolved") == 1
    assert len(world.fake.responses) == 1


def test_a_form_body_sent_again_with_a_retry_header_is_still_a_replay(world: World) -> None:
    number = world.alarm()
    world.deliver()
    body = world.press_body("incident:acknowledge", number, "UALICE", world.page_to("UALICE"))
    headers = signed(body)
    assert world.send(body, headers).status_code == 200
    # Slack retries only Events API callbacks: on a press or a command the header is no excuse
    again = world.send(body, headers | {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert again.status_code == 401
    assert [e[2] for e in world.timeline(number)].count("acknowledged") == 1
    assert len(world.fake.responses) == 1


def test_a_payload_that_is_not_json_is_a_clear_400(world: World) -> None:
    number = world.alarm()
    world.deliver()
    for body, detail in [
        (
            "payload=%7Bnot+json",
            "the body is not JSON where Slack sends JSON (a JSON body, or the form's payload field)",
        ),
        ("payload=%5B1%5D", "the payload field is not a JSON object"),
    ]:
        _refused(world, number, world.send(body), 400, detail)
    body = "{not json"
    answer = world.send(body, signed(body, content_type="application/json"))
    _refused(
        world,
        number,
        answer,
        400,
        "the body is not JSON where Slack sends JSON (a JSON body, or the form's payload field)",
    )


def test_the_url_verification_challenge_is_answered(world: World) -> None:
    body = json.dumps(
        {
            "token": "Jhj5dZrVaK7ZwHHjRyZWjbDl",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    answer = world.send(body, signed(body, content_type="application/json"))
    assert answer.status_code == 200
    assert answer.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
    unsigned = world.client.post(ROUTE, content=body, headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 401


def test_without_a_signing_secret_the_route_says_so_and_runs_nothing(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    with slack_world(db, tmp_path, cache_dir, fake_slack, monkeypatch, app=False) as made:
        answer = made.send(slash_command("oncall"))
        made.alarm()
        made.deliver()
    assert (answer.status_code, answer.json()) == (
        404,
        {"detail": "the Slack app is not set up: set OPSDESK_SLACK_SIGNING_SECRET (see docs/slack.md)"},
    )
    assert fake_slack.delivered != []
    # No buttons nothing would answer (a page still reads as blocks: its facts, links and how to ack).
    assert [m for m in fake_slack.delivered for b in m.get("blocks", []) if b["type"] == "actions"] == []
