"""A message with buttons that act on one of opsdesk's records (a change request, a support request): its
text, then a button per action, `<subject>:<action>` carrying the record's number. The Slack app
(entrypoints/slack/) answers them by these action ids; the text stays as the message's `text` too."""

from __future__ import annotations

from typing import Any

from opsdesk.adapters.slack.incident_blocks import text_section
from opsdesk.domain.notices import Offer


def action_id(subject: str, action: str) -> str:
    """The button's action id: `change:approve`, `support:triage`."""
    return f"{subject}:{action}"


def offer_message(text: str, offer: Offer | None, mention: str = "") -> dict[str, Any]:
    """`text` (plain: escaped here), then `mention` (Slack's markup, made by the renderer), and a button
    for each of the offer's actions (none: no actions block, the message offers nothing more)."""
    escaped, section = text_section(text, mention)
    blocks: list[dict[str, Any]] = [section]
    if offer is not None and offer.actions:
        elements = [_button(offer, action, first=i == 0) for i, action in enumerate(offer.actions)]
        blocks.append(
            {"type": "actions", "block_id": f"{offer.subject}:{offer.number}", "elements": elements}
        )
    return {"text": escaped, "blocks": blocks}


def _button(offer: Offer, action: str, *, first: bool) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id(offer.subject, action),
        "text": {"type": "plain_text", "text": action.replace("_", " ").capitalize()},
        "value": str(offer.number),
    }
    if first:
        button["style"] = "primary"
    return button
