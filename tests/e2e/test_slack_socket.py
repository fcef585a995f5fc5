"""The Slack app over Socket Mode (`opsdesk slack socket`): the handler `opsdesk slack socket` builds, given
requests as Slack sends them over the WebSocket (an envelope, its payload unsigned), answers them with the
same listeners as the HTTP route, and its answers go back as Socket Mode responses.

A real WebSocket to Slack cannot be opened here, and no WebSocket server library is installed to stand in
for Slack's, so the envelopes are handed to the handler the way slack_sdk's client hands them over; the
answers are taken by a recorder standing in for that client's send. (tests/e2e/test_cli_slack.py runs the
command itself against a fake Web API that refuses the app token.)"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from sqlalchemy import Engine

from opsdesk.entrypoints.cli.slack import socket_handler
from tests.fake_slack import FakeSlack
from tests.slack_requests import block_action, slash_command, view_submission
from tests.slack_world import NOT_ON_ROTA, World, blocks_of, slack_world

UPDATES, ASK = "#platform-updates", "#ask-platform"


@dataclass
class Responses:
    """What the handler sends back over the WebSocket (slack_sdk's client's `send_socket_mode_response`)."""

    logger: Any = None
    sent: list[SocketModeResponse] = field(default_factory=list)

    def send_socket_mode_response(self, response: SocketModeResponse) -> None:
        self.sent.append(response)


@pytest.fixture
def world(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    # Socket Mode needs no signing secret: the app token's WebSocket is what vouches for Slack.
    monkeypatch.setenv("OPSDESK_SLACK_APP_TOKEN", "xapp-1-A1-2-test")
    section = {"update-channel": UPDATES, "ask-channel": ASK}
    with slack_world(
        db, tmp_path, cache_dir, fake_slack, monkeypatch, app=False, announcements=section
    ) as made:
        yield made


def over_socket(world: World, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    """`payload` sent as Slack sends it over Socket Mode; the answer's payload (None: an empty one)."""
    handler = socket_handler(lambda: world.context.app, "xapp-1-A1-2-test", world.fake.url)
    try:
        responses = Responses(logger=handler.client.logger)
        envelope = SocketModeRequest(type=kind, envelope_id=f"env-{len(payload)}", payload=payload)
        handler.handle(responses, envelope)  # type: ignore[arg-type]  (the recorder stands in for the client)
    finally:
        handler.client.close()
    (response,) = responses.sent
    assert response.envelope_id == envelope.envelope_id
    return response.payload


def command(text: str, user: str = "UALICE") -> dict[str, Any]:
    return dict(parse_qsl(slash_command(text, user=user)))


def test_the_oncall_command_is_answered_over_socket_mode_unsigned(world: World) -> None:
    answer = over_socket(world, "slash_commands", command("oncall"))
    assert answer is not None
    assert answer["response_type"] == "ephemeral"
    text = answer["text"]
    assert text.startswith("```\n") and "alice" in text and "bilal" in text


def test_the_help_and_the_refusals_are_the_http_routes(world: World) -> None:
    answer = over_socket(world, "slash_commands", command(""))
    assert answer is not None and answer["text"].startswith("*/opsdesk* subcommands:")
    refused = over_socket(world, "slash_commands", command("announce", user="UNOBODY"))
    assert refused == {"text": NOT_ON_ROTA, "response_type": "ephemeral"}


def test_the_announce_form_opens_and_its_submission_announces_over_socket_mode(world: World) -> None:
    assert over_socket(world, "slash_commands", command("announce")) is None  # the form is the answer
    (view,) = world.fake.opened()
    assert view["callback_id"] == "announce:new"
    given = {"kind": "maintenance", "title": "Database upgrade", "body": "Writes pause for a minute."}
    payload = view_submission("announce:new", given, user="UALICE", selects=frozenset({"kind", "mention"}))
    answer = over_socket(world, "interactive", payload)
    assert answer is not None and answer["response_action"] == "update"
    again = over_socket(world, "interactive", payload)  # Slack's retry of the envelope: announced once
    assert again is None
    (record,) = world.context.app.announcements.records()
    assert record.author == "alice"
    world.deliver()
    assert [b["channel"] for b in world.fake.delivered] == [UPDATES, ASK]


def test_with_only_the_app_token_pages_carry_buttons_and_a_press_acts(world: World) -> None:
    number = world.alarm()
    world.deliver()
    page = world.page_to("UALICE")
    assert [e["action_id"] for e in blocks_of(page)[-1]["elements"]] == [
        "incident:acknowledge",
        "incident:resolve",
        "incident:defer",
    ]
    press = block_action(
        "incident:acknowledge",
        str(number),
        user="UALICE",
        channel=str(page["_conversation"]),
        ts=str(page["ts"]),
        response_url=world.fake.response_url(),
    )
    assert over_socket(world, "interactive", press) is None
    assert ("alice", "slack", "acknowledged") in world.timeline(number)
    assert [r["text"] for r in world.fake.responses] == [
        f"Incident #{number} acknowledged by you: escalation has stopped."
    ]
