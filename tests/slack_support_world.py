"""The support board in the Slack test world: a request filed and announced in the support channel, its
buttons pressed and its forms submitted as Slack sends them, and the board read back."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from opsdesk.domain.support.model import SupportRequest
from opsdesk.domain.timeline import Actor, Source
from tests.slack_requests import block_action, form_payload, message_action, signed, view_submission
from tests.slack_world import World, blocks_of

SUPPORT_CHANNEL = "#ask-platform"
REQUESTER = Actor("pay-dev", Source.API)


def file_request(
    world: World, title: str = "Cannot reach the staging database"
) -> tuple[int, dict[str, Any]]:
    """A request filed through the board and its announcement delivered: its id and the posted message."""
    request = world.context.app.support.new(title, "Since 10:00, from pay-api.", REQUESTER)
    world.deliver()
    (posted,) = [
        b for b in world.fake.delivered if f"New support request {request.reference}" in str(b["text"])
    ]
    return request.id, posted


def buttons(message: dict[str, Any]) -> list[str]:
    return [e["action_id"] for b in blocks_of(message) if b["type"] == "actions" for e in b["elements"]]


def press(
    world: World, action: str, number: int, user: str, message: dict[str, Any], *, trigger: str | None = None
) -> httpx.Response:
    """A press of `action` on the request's message (`trigger`: Slack's trigger id, new for each press)."""
    more = {"trigger_id": trigger} if trigger else {}
    payload = block_action(
        action,
        str(number),
        user=user,
        channel=str(message["_conversation"]),
        ts=str(message["ts"]),
        response_url=world.fake.response_url(),
        **more,
    )
    return world.send(form_payload(payload))


def submit(
    world: World,
    view: dict[str, Any],
    chosen: dict[str, str],
    user: str = "UALICE",
    *,
    selects: frozenset[str] = frozenset({"decision", "assignee"}),
    again: bool = False,
) -> httpx.Response:
    """The opened `view` submitted with `chosen` values (`again`: the same submission sent a second time)."""
    payload = view_submission(
        str(view["callback_id"]),
        chosen,
        user=user,
        private_metadata=str(view["private_metadata"]),
        view_id=str(view.get("id") or "VFAKE000001"),
        selects=selects & set(chosen),
    )
    body = form_payload(payload)
    return world.send(body, signed(body, at=int(time.time()) + 1) if again else None)


def shortcut(
    world: World,
    text: str,
    *,
    ts: str,
    thread_ts: str | None = None,
    user: str = "UASKER",
    again: bool = False,
) -> httpx.Response:
    payload = message_action(
        "support:from_message",
        user=user,
        channel="C0ASKPLAT",
        ts=ts,
        text=text,
        thread_ts=thread_ts,
        response_url=world.fake.response_url("shortcut"),
    )
    body = form_payload(payload)
    return world.send(body, signed(body, at=int(time.time()) + 1) if again else None)


def answered(response: httpx.Response) -> dict[str, Any]:
    """The JSON Bolt answered with (a slash command's text, a form's errors); {} when empty."""
    return json.loads(response.text) if response.text else {}


def request(world: World, number: int) -> SupportRequest:
    return world.context.app.support.request(number)


def history(world: World, number: int) -> list[tuple[str, str, str]]:
    return [(e.actor, str(e.source), e.kind) for e in world.context.app.support.history(number)]
