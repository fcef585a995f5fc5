"""The buttons on incident messages: Acknowledge and Resolve, pressed by an engineer of the team (known by
their Slack id), act through the incident service as the CLI does, so escalation stops the same way, and
the timeline says `slack`. The message is rewritten in place through the outbox. A press is taken in once
(by its trigger id and action time), so Slack's retry or a double click does nothing twice; everything else
(not on the team, already done by someone, a button opsdesk does not know) is answered to the presser
alone."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond

from opsdesk.adapters.slack.incident_blocks import ACKNOWLEDGE, RESOLVE
from opsdesk.adapters.slack.mrkdwn import slack_escape
from opsdesk.domain.errors import DomainError
from opsdesk.domain.incidents.model import Action
from opsdesk.domain.notices import ChatMessage
from opsdesk.domain.timeline import Actor, Source
from opsdesk.entrypoints.slack.modals import Asked
from opsdesk.entrypoints.slack.people import NOT_ON_ROTA, engineer_of

if TYPE_CHECKING:
    from opsdesk.bootstrap.application import Application

logger = logging.getLogger("opsdesk.slack")
ACTIONS = {ACKNOWLEDGE: Action.ACKNOWLEDGE, RESOLVE: Action.RESOLVE}
DONE = {
    Action.ACKNOWLEDGE: "acknowledged by you: escalation has stopped",
    Action.RESOLVE: "resolved by you",
}


def register(bolt: App, application: Callable[[], Application]) -> None:
    """The incident buttons, and an answer for any other button pointed at this app."""

    @bolt.action(re.compile(r"^incident:(acknowledge|resolve)$"))
    def incident_button(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()
        said = press(application(), body, action)
        if said is not None:
            respond(text=said, response_type="ephemeral", replace_original=False)

    @bolt.action(re.compile(r".*"))
    def unknown_button(ack: Ack, action: dict[str, Any], respond: Respond) -> None:
        ack()
        name = slack_escape(str(action.get("action_id") or "")[:80])
        respond(
            text=f"opsdesk does not know the button `{name}`: nothing was done.",
            response_type="ephemeral",
            replace_original=False,
        )


def command(app: Application, text: str, asked: Asked) -> str:
    """What `/opsdesk incident <text>` answers ("": nothing, a form was opened)."""
    return "`/opsdesk incident` is not here yet."


def press(app: Application, body: dict[str, Any], action: dict[str, Any]) -> str | None:
    """Act on the press; what to tell the presser, or None when it was taken in before (a retry)."""
    engineer = engineer_of(app.people, body)
    if engineer is None:
        return NOT_ON_ROTA
    value = str(action.get("value") or "")
    if not value.isdigit() or len(value) > 18:
        return f"This button names no incident ({slack_escape(value[:40])!r}): nothing was done."
    verb = ACTIONS[str(action.get("action_id"))]
    receipt = f"slack:action:{body.get('trigger_id') or ''}:{action.get('action_ts') or ''}"
    actor = Actor(engineer.id, Source.SLACK)
    try:
        done = app.incidents.act_from_message(int(value), verb, actor, receipt, pressed_message(body))
    except DomainError as exc:
        return slack_escape(str(exc))
    if done is None:
        logger.info("a Slack button press taken in before was ignored", extra={"receipt": receipt})
        return None
    return f"Incident #{done.id} {DONE[verb]}."


def pressed_message(body: dict[str, Any]) -> ChatMessage | None:
    """The message the button is on (its channel id and ts), unless it is ephemeral (it cannot be updated)."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    if container.get("is_ephemeral") or not channel or not ts:
        return None
    return ChatMessage(str(channel), str(ts))
