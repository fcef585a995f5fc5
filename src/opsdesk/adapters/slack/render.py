"""How notices read in Slack: plain `text` with Slack's control characters escaped, so outside text (alarm
summaries, titles, notes) cannot ping @channel or hide a link, and with a real mention where opsdesk
names an engineer who has a Slack id. The log channel keeps posts in this form too."""

from __future__ import annotations

from typing import Any

from opsdesk.domain.notices import ChannelPost, Notice
from opsdesk.domain.people import People
from opsdesk.services.text import without_bidi


def slack_escape(text: str) -> str:
    """Slack's three control characters escaped, and bidirectional controls replaced."""
    return without_bidi(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


class SlackRenderer:
    def render(self, notice: Notice, people: People) -> dict[str, Any]:
        if isinstance(notice, ChannelPost):
            person = people.mention(notice.mention)
            mention = f" <@{person.slack}>" if person is not None and person.slack else ""
            return {"text": slack_escape(notice.text) + mention}
        text = getattr(notice, "text", "")
        return {"text": slack_escape(str(text))}
