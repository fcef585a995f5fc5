"""The buttons on incident messages: Acknowledge and Resolve, pressed by an engineer of the team (known by
their Slack id), act through the incident service as the CLI does, so escalation stops the same way, and
the timeline says `slack`. The message is rewritten in place through the outbox. A press is taken in once
(by its trigger id and action time), so Slack's retry or a double click does nothing twice; everything else
(not on the team, already done by someone, a button opsdesk does not know) is answered to the presser
alone. Defer opens a form (slack/incident_forms.py). `/opsdesk incident` lists the open incidents to
anyone who asks; `/opsdesk incident new` opens the form that opens one."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App

from opsdesk.adapters.slack.incident_blocks import ACKNOWLEDGE, RESOLVE
from opsdesk.adapters.slack.mrkdwn import slack_escape
from opsdesk.domain.errors import DomainError
from opsdesk.domain.incidents.model import OPEN_STATES, Action, Incident
from opsdesk.domain.timeline import Actor, Source
from opsdesk.entrypoints.slack import incident_forms
from opsdesk.entrypoints.slack.incident_forms import pressed_message
from opsdesk.entrypoints.slack.modals import Asked, press_receipt
from opsdesk.entrypoints.slack.people import NOT_ON_ROTA, engineer_of
from opsdesk.entrypoints.slack.replies import tell

if TYPE_CHECKING:
    from opsdesk.bootstrap.application import Application

logger = logging.getLogger("opsdesk.slack")
ACTIONS = {ACKNOWLEDGE: Action.ACKNOWLEDGE, RESOLVE: Action.RESOLVE}
LISTED = 20  # open incidents listed by `/opsdesk incident`, newest first
COUNTED = 1000  # of each open state read to count the rest
LISTED_SUMMARY = 150  # characters of each one's summary
USAGE = "`/opsdesk incident` lists the open incidents; `/opsdesk incident new` opens one in a form."
__all__ = ["command", "pressed_message", "register"]
DONE = {
    Action.ACKNOWLEDGE: "acknowledged by you: escalation has stopped",
    Action.RESOLVE: "resolved by you",
}


def register(bolt: App, application: Callable[[], Application]) -> None:
    """The incident buttons, and an answer for any other button pointed at this app."""

    @bolt.action(re.compile(r"^incident:(acknowledge|resolve)$"))
    def incident_button(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        said = press(application(), body, action)
        if said is not None:
            tell(body, said)

    incident_forms.register(bolt, application)

    @bolt.action(re.compile(r".*"))
    def unknown_button(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        name = slack_escape(str(action.get("action_id") or "")[:80])
        tell(body, f"opsdesk does not know the button `{name}`: nothing was done.")


def command(app: Application, text: str, asked: Asked) -> str:
    """What `/opsdesk incident <text>` answers ("": nothing, a form was opened)."""
    words = text.strip().split()
    if not words or words == ["list"]:
        return open_incidents(app)
    if [w.lower() for w in words] == ["new"]:
        return incident_forms.ask_to_open(app, asked)
    return f"`/opsdesk incident {slack_escape(' '.join(words)[:40])}` is not a subcommand. {USAGE}"


def open_incidents(app: Application) -> str:
    """The open (not resolved) incidents, newest first, the first LISTED of them, for anyone who asks."""
    found = sorted(
        (i for state in OPEN_STATES for i in app.incidents.incidents(state, limit=COUNTED)),
        key=lambda i: i.id,
        reverse=True,
    )
    if not found:
        return "No open incidents: none is triggered, acknowledged or deferred. `/opsdesk incident new` opens one."
    tz = app.cover.timezone
    lines = [f"*{len(found)} open incident{'' if len(found) == 1 else 's'}*, newest first:"]
    lines += [_line(incident, tz) for incident in found[:LISTED]]
    if len(found) > LISTED:
        lines.append(f"…and {len(found) - LISTED} more: `opsdesk incident list`")
    lines.append("Act on one from its post's buttons; `opsdesk incident show ID` shows its timeline.")
    return "\n".join(lines)


def _line(incident: Incident, tz: ZoneInfo) -> str:
    """`#id P? state summary (service, opened <when>)`, the words of `opsdesk incident list`."""
    priority = f" {incident.priority}" if incident.priority else ""
    summary = incident.summary
    if len(summary) > LISTED_SUMMARY:
        summary = summary[: LISTED_SUMMARY - 1] + "…"
    opened = incident.opened_at.astimezone(tz)
    return (
        f"• #{incident.id}{priority} {incident.state} {slack_escape(summary)} "
        f"({slack_escape(incident.service)}, opened {opened:%a %d %b %H:%M})"
    )


def press(app: Application, body: dict[str, Any], action: dict[str, Any]) -> str | None:
    """Act on the press; what to tell the presser, or None when it was taken in before (a retry)."""
    engineer = engineer_of(app.people, body)
    if engineer is None:
        return NOT_ON_ROTA
    value = str(action.get("value") or "")
    if not value.isdigit() or len(value) > 18:
        return f"This button names no incident ({slack_escape(value[:40])!r}): nothing was done."
    verb = ACTIONS[str(action.get("action_id"))]
    receipt = press_receipt(body, action)
    actor = Actor(engineer.id, Source.SLACK)
    try:
        done = app.incidents.act_from_message(int(value), verb, actor, receipt, pressed_message(body))
    except DomainError as exc:
        return slack_escape(str(exc))
    if done is None:
        logger.info("a Slack button press taken in before was ignored", extra={"receipt": receipt})
        return None
    return f"Incident #{done.id} {DONE[verb]}."
