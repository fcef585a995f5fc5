"""How notices read in Slack: plain `text` with Slack's control characters escaped, so outside text (alarm
summaries, titles, notes) cannot ping @channel or hide a link, and with a real mention where opsdesk
names an engineer who has a Slack id; a briefing as Block Kit blocks (slack/briefing.py); an announcement
and its forward (slack/announcement.py). The log channel keeps posts in this form too."""

from __future__ import annotations

from typing import Any

from opsdesk.adapters.slack.announcement import forward_message, post_message
from opsdesk.adapters.slack.briefing import briefing_message
from opsdesk.adapters.slack.mrkdwn import slack_escape
from opsdesk.domain.notices import AnnouncementNotice, ChannelPost, Forward, HandoverNotice, Notice
from opsdesk.domain.people import People

__all__ = ["SlackRenderer", "slack_escape"]


class SlackRenderer:
    def render(self, notice: Notice, people: People) -> dict[str, Any]:
        if isinstance(notice, ChannelPost):
            person = people.mention(notice.mention)
            mention = f" <@{person.slack}>" if person is not None and person.slack else ""
            return {"text": slack_escape(notice.text) + mention}
        if isinstance(notice, HandoverNotice):
            return briefing_message(notice, people)
        if isinstance(notice, AnnouncementNotice):
            return post_message(notice)
        if isinstance(notice, Forward):
            return forward_message(notice.of)
        text = getattr(notice, "text", "")
        return {"text": slack_escape(str(text))}
