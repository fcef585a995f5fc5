"""A briefing's message in Slack with its Acknowledge button (a handover, hand-back or turn change, for
its receivers), and the same message rewritten once acknowledged: who acknowledged it and when, in place
of the button. The Slack app (entrypoints/slack/handover.py) answers the button by its action id; the
value is the kept record's number."""

from __future__ import annotations

from typing import Any

from opsdesk.adapters.slack.briefing import Block, briefing_message
from opsdesk.adapters.slack.incident_blocks import UPDATE_TS
from opsdesk.adapters.slack.mrkdwn import slack_escape
from opsdesk.domain.handover.model import Timeliness
from opsdesk.domain.notices import HandoverNotice, MessageUpdate
from opsdesk.domain.people import People

ACKNOWLEDGE = "handover:acknowledge"


def handover_message(notice: HandoverNotice, people: People, buttons: bool) -> dict[str, Any]:
    """The briefing, with the Acknowledge button when `buttons` (the Slack app answers it) and the
    briefing is one its receivers acknowledge."""
    extra = [acknowledge_button(notice.handover)] if buttons and acknowledged(notice) else []
    return briefing_message(notice, people, extra)


def acknowledged(notice: HandoverNotice) -> bool:
    """Whether the briefing waits for its receivers' acknowledgement (a digest, a missed one or one with
    nobody to receive it does not)."""
    briefing = notice.briefing
    return (
        briefing.kind.acknowledged
        and bool(briefing.receivers)
        and briefing.timeliness is not Timeliness.MISSED
    )


def acknowledged_message(update: MessageUpdate, people: People) -> dict[str, Any]:
    """The briefing's message rewritten in place: the briefing again, and `update.text` (who acknowledged
    it, when, from where) where the button was."""
    assert update.briefing is not None  # only a briefing's rewrite comes here
    said: Block = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": f"*{slack_escape(update.text)}*", "verbatim": True},
    }
    message = briefing_message(update.briefing, people, [said])
    return message | {"text": slack_escape(update.text), UPDATE_TS: update.ts}


def acknowledge_button(handover: int) -> Block:
    return {
        "type": "actions",
        "block_id": f"handover:{handover}",
        "elements": [
            {
                "type": "button",
                "action_id": ACKNOWLEDGE,
                "text": {"type": "plain_text", "text": "Acknowledge"},
                "value": str(handover),
                "style": "primary",
            }
        ],
    }
