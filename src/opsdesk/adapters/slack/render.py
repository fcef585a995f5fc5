"""How notices read in Slack: plain `text` with Slack's control characters escaped, so outside text (alarm
summaries, titles, notes) cannot ping @channel or hide a link, and with a real mention where opsdesk
names an engineer who has a Slack id; a briefing as Block Kit blocks (slack/briefing.py); an announcement
and its forward (slack/announcement.py); a page and an incident's opening post with the incident's
buttons (slack/page_blocks.py), and a message rewritten in place (`update_ts`: the channel sends it as `chat.update`) with the
buttons still offered (slack/incident_blocks.py); a briefing with its Acknowledge button, and rewritten
once acknowledged (slack/handover_blocks.py); a channel's topic (`topic`: the channel sets it). The log channel keeps posts in this form too."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opsdesk.adapters.slack.announcement import forward_message, post_message
from opsdesk.adapters.slack.handover_blocks import acknowledged_message, handover_message
from opsdesk.adapters.slack.incident_blocks import UPDATE_TS, incident_message
from opsdesk.adapters.slack.mrkdwn import slack_escape
from opsdesk.adapters.slack.offer_blocks import offer_message
from opsdesk.adapters.slack.page_blocks import page_message
from opsdesk.domain.notices import (
    AnnouncementNotice,
    ChannelPost,
    Forward,
    HandoverNotice,
    MessageUpdate,
    Notice,
    Page,
    TopicChange,
)
from opsdesk.domain.people import People

__all__ = ["SlackRenderer", "slack_escape"]

TOPIC = "topic"  # in a payload: the channel's topic to set (conversations.setTopic), not a post
TOPIC_LIMIT = 250  # Slack's longest topic
INCIDENT_ACTIONS = ("acknowledge", "resolve", "defer")  # offered on a page and an incident's opening post


@dataclass(frozen=True)
class SlackRenderer:
    buttons: bool = (
        True  # the incident and briefing buttons: only where the Slack app is set up to answer them
    )

    def render(self, notice: Notice, people: People) -> dict[str, Any]:  # noqa: PLR0911  (one per kind)
        if isinstance(notice, ChannelPost):
            post = self._post(notice, people)
            return post | {"thread_ts": notice.thread} if notice.thread else post
        if isinstance(notice, Page):
            return page_message(notice, INCIDENT_ACTIONS if self.buttons else ())
        if isinstance(notice, MessageUpdate):
            if notice.briefing is not None:
                return acknowledged_message(notice, people)
            if notice.offer is not None:
                return offer_message(notice.text, notice.offer) | {UPDATE_TS: notice.ts}
            if notice.incident is None:
                return {"text": slack_escape(notice.text), UPDATE_TS: notice.ts}
            return incident_message(notice.text, notice.incident, notice.actions) | {UPDATE_TS: notice.ts}
        if isinstance(notice, HandoverNotice):
            return handover_message(notice, people, self.buttons)
        if isinstance(notice, AnnouncementNotice):
            return post_message(notice)
        if isinstance(notice, Forward):
            return forward_message(notice.of)
        if isinstance(notice, TopicChange):  # a topic is plain text: nothing in it is markup
            return {"text": notice.text, TOPIC: notice.text[:TOPIC_LIMIT]}
        text = getattr(notice, "text", "")
        return {"text": slack_escape(str(text))}

    def _post(self, notice: ChannelPost, people: People) -> dict[str, Any]:
        person = people.mention(notice.mention)
        mention = f" <@{person.slack}>" if person is not None and person.slack else ""
        if notice.mention_first and mention and notice.offer is None and notice.incident is None:
            return {"text": f"{mention.strip()} {slack_escape(notice.text)}"}
        if notice.offer is not None and self.buttons:
            return offer_message(notice.text, notice.offer, mention)
        if notice.incident is None or not self.buttons:
            return {"text": slack_escape(notice.text) + mention}
        return incident_message(notice.text, notice.incident, INCIDENT_ACTIONS, mention)
