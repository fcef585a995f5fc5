"""Modals (Slack's forms): opened with `views.open` while the trigger that asked for one is fresh (Slack
gives three seconds), built from a few block shapes, and read back from a `view_submission`. Opening is
the one Slack call the app makes itself instead of through the outbox: a trigger cannot wait.

A submission is taken in once, by its view's id (`slack:view:<id>`), so a double submit does nothing twice;
what it carries between opening and submitting (the record it acts on, the message to rewrite) rides in the
view's `private_metadata` as JSON, and is read back as untrusted input."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from opsdesk.domain.notices import ChatMessage
from opsdesk.domain.rota import Engineer
from opsdesk.services.text import labelled

if TYPE_CHECKING:
    from opsdesk.bootstrap.application import Application

logger = logging.getLogger("opsdesk.slack")
CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{1,39}")  # a channel C0123ABCD, a private group G..., a DM D...
TS = re.compile(r"[0-9]{1,12}\.[0-9]{1,8}")  # 1733360000.000200
OPEN_TIMEOUT = 2  # seconds: Slack's trigger lasts three, and the acknowledgement must still go back
METADATA_LIMIT = 3000  # Slack's limit on private_metadata
TITLE_LIMIT = 24  # Slack's limit on a modal's title
NOT_SET_UP_TO_OPEN = (
    "opsdesk cannot open a form here: set OPSDESK_SLACK_TOKEN (the app's bot token) as well as the signing "
    "secret (see docs/slack.md)"
)


@dataclass(frozen=True)
class Asked:
    """Who asked and from where: a slash command's or an interaction's user, trigger and channel."""

    user: str  # the Slack user id
    trigger_id: str = ""
    channel: str = ""
    response_url: str = ""

    @classmethod
    def of_command(cls, command: dict[str, Any]) -> Asked:
        return cls(
            str(command.get("user_id") or ""),
            str(command.get("trigger_id") or ""),
            str(command.get("channel_id") or ""),
            str(command.get("response_url") or ""),
        )


def open_view(app: Application, trigger_id: str, view: dict[str, Any]) -> str | None:
    """Open `view` for the trigger; None when Slack opened it, else what to tell the person (plain)."""
    token = app.deployment.slack_token
    if token is None:
        return NOT_SET_UP_TO_OPEN
    if not trigger_id:
        return "Slack sent no trigger with this request, so no form can be opened: nothing was done."
    client = WebClient(
        token=token.get_secret_value(),
        base_url=app.deployment.slack_api_url or WebClient.BASE_URL,
        timeout=OPEN_TIMEOUT,
        retry_handlers=[],  # no second try: the trigger would have run out by then
    )
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        error = str(exc.response.get("error") or exc.response.status_code)
        logger.warning("Slack would not open a form", extra={"error": error})
        if error == "expired_trigger_id":
            return "Slack's three seconds to open the form ran out: try again."
        return f"Slack would not open the form ({error}): try again, or use the CLI."
    except OSError as exc:  # a time-out, a refused or cut connection
        logger.warning("Slack could not be reached to open a form", extra={"error": type(exc).__name__})
        return "Slack could not be reached in time to open the form: try again."
    return None


def modal(
    callback_id: str, title: str, blocks: list[dict[str, Any]], metadata: dict[str, Any], submit: str
) -> dict[str, Any]:
    """A modal view: its title and submit label, its input blocks, and what it carries (JSON)."""
    carried = json.dumps(metadata, separators=(",", ":"))
    if len(carried) > METADATA_LIMIT:
        raise ValueError("a modal's private_metadata is over Slack's 3,000 characters")
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title[:TITLE_LIMIT]),
        "submit": plain(submit[:TITLE_LIMIT]),
        "close": plain("Cancel"),
        "private_metadata": carried,
        "blocks": blocks,
    }


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def text_input(
    block_id: str,
    label: str,
    *,
    multiline: bool = False,
    max_length: int = 3000,
    optional: bool = False,
    hint: str = "",
    initial: str = "",
) -> dict[str, Any]:
    """A text field; its value is read back by `block_id`."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text[:75]), "value": value[:150]}


def select(
    block_id: str,
    label: str,
    options: list[dict[str, Any]],
    initial: str | None = None,
    *,
    optional: bool = False,
) -> dict[str, Any]:
    """A static select (at most Slack's 100 options); `initial` the value preselected."""
    element: dict[str, Any] = {"type": "static_select", "action_id": "value", "options": options[:100]}
    chosen = [o for o in options if o["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": element,
        "optional": optional,
    }


def engineer_select(
    block_id: str, label: str, engineers: list[Engineer], initial: str | None = None
) -> dict[str, Any]:
    """A choice of the team's engineers (by id; their name shown), `initial` preselected."""
    options = [option(labelled(e.name, e.id), e.id) for e in engineers]
    return select(block_id, label, options, initial)


def values(view: dict[str, Any]) -> dict[str, str]:
    """A submitted view's values by block id: a text field's text, a select's chosen value ("" when none)."""
    found: dict[str, str] = {}
    outer = view.get("state")
    state = outer.get("values") if isinstance(outer, dict) else None
    if not isinstance(state, dict):
        return found
    for block_id, actions in state.items():
        if not isinstance(actions, dict):
            continue
        for element in actions.values():
            if not isinstance(element, dict):
                continue
            chosen = element.get("selected_option")
            if isinstance(chosen, dict):
                found[str(block_id)] = str(chosen.get("value") or "")
            else:
                found[str(block_id)] = str(element.get("value") or "")
    return found


def carried(view: dict[str, Any]) -> dict[str, Any]:
    """What the view carries (its private_metadata), {} when it is not a JSON object."""
    try:
        loaded = json.loads(str(view.get("private_metadata") or "{}"))
    except (json.JSONDecodeError, RecursionError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def message_of(metadata: dict[str, Any]) -> ChatMessage | None:
    """The message a modal was opened from (carried as `channel` and `ts`), to rewrite once it is submitted."""
    return chat_message(metadata.get("channel"), metadata.get("ts"))


def chat_message(channel: object, ts: object) -> ChatMessage | None:
    """A Slack message by its channel id and ts, when both are shaped as Slack's are (else None)."""
    if (
        isinstance(channel, str)
        and isinstance(ts, str)
        and CHANNEL_ID.fullmatch(channel)
        and TS.fullmatch(ts)
    ):
        return ChatMessage(channel, ts)
    return None


def view_receipt(view: dict[str, Any]) -> str:
    """The receipt a submission is taken in once by: its view's id."""
    return f"slack:view:{receipt_part(view.get('id'))}"


def press_receipt(body: dict[str, Any], action: dict[str, Any]) -> str:
    """The receipt a button press is taken in once by: its trigger id and the action's time."""
    return f"slack:action:{receipt_part(body.get('trigger_id'))}:{receipt_part(action.get('action_ts'))}"


def receipt_part(value: object) -> str:
    """A Slack id as a receipt's part: its letters, digits and '.', '_', '-' only (a NUL or an odd type in a
    signed but strange payload never reaches the database), at most 80 characters."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return ""
    return "".join(c for c in str(value)[:80] if c.isascii() and (c.isalnum() or c in "._-"))


def errors(**by_block: str) -> dict[str, Any]:
    """The acknowledgement that keeps the modal open with a message under each named field."""
    return {"response_action": "errors", "errors": {k: v[:300] for k, v in by_block.items()}}
