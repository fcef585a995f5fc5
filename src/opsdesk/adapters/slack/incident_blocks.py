"""An incident's message in Slack as Block Kit: its text, and the buttons that act on it (acknowledge,
resolve, defer: the last opens a form asking who was told and the plan), each carrying the incident's number. The Slack app (entrypoints/slack/incidents.py) answers them
by these action ids; the text stays as the message's `text` too (notifications and the outbox read it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from opsdesk.adapters.slack.mrkdwn import slack_escape

ACKNOWLEDGE = "incident:acknowledge"
RESOLVE = "incident:resolve"
DEFER = "incident:defer"
BUTTONS = {  # an incident action (domain Action's value) -> its action id, label and style
    "acknowledge": (ACKNOWLEDGE, "Acknowledge", "primary"),
    "resolve": (RESOLVE, "Resolve", None),
    "defer": (DEFER, "Defer", None),
}
UPDATE_TS = "update_ts"  # in a payload: the ts of the message it rewrites (chat.update, not a new post)
SECTION_LIMIT = 3000  # the longest text a section block takes


def text_section(text: str, mention: str = "") -> tuple[str, dict[str, Any]]:
    """The message's `text` (plain text escaped, then `mention`, Slack's own markup) and its section block,
    cut within a section's limit with the mention kept."""
    plain = slack_escape(text)
    escaped = plain + mention
    shown = (
        escaped
        if len(escaped) <= SECTION_LIMIT
        else plain[: SECTION_LIMIT - len(mention) - 1] + "…" + mention
    )
    return escaped, {"type": "section", "text": {"type": "mrkdwn", "text": shown}}


def incident_message(text: str, incident: int, actions: Iterable[str], mention: str = "") -> dict[str, Any]:
    """`text` (plain: escaped here), then `mention` (Slack's own markup, made by the renderer), with the
    buttons for `actions` on incident `incident`; no buttons, no actions block (a resolved incident's
    message offers nothing more)."""
    escaped, section = text_section(text, mention)
    blocks: list[dict[str, Any]] = [section]
    elements = [_button(action, incident) for action in actions if action in BUTTONS]
    if elements:
        blocks.append({"type": "actions", "block_id": f"incident:{incident}", "elements": elements})
    return {"text": escaped, "blocks": blocks}


def _button(action: str, incident: int) -> dict[str, Any]:
    action_id, label, style = BUTTONS[action]
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label},
        "value": str(incident),
    }
    if style:
        button["style"] = style
    return button
