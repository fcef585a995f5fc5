"""The notifier: turns notices (what should reach whom) into outbox messages, choosing each route and its
fallback from the channels this deployment has set up, and each format from that vendor's renderer.

The routes, in one place:
- a channel post goes to Slack when Slack is set up and there is a channel, else to the log;
- a page goes by every way it lists (the service's paging ways, or the engineer's notification rule) that
  is set up and reaches the engineer (Slack needs their Slack id; PagerDuty goes to their PagerDuty user,
  else the service; SMS and voice need their phone; the webhook their webhook name); by none, to the log;
- a direct message goes to Slack when set up and the engineer has a Slack id, else email when set up,
  else the log;
- an issue reply or status goes to GitHub when set up, else the log;
- a briefing (a handover notice) is a channel post (Slack when set up and the team has a channel, else the
  log under "handover") and a direct message to each recipient, routed as above;
- an email reply goes by email when it is set up, else to the log;
- a message update rewrites a Slack message in place when Slack is set up, else it goes to the log;
- an announcement is a linked pair: the post to the update channel, then the forward to the ask channel,
  which follows the post (each to Slack when set up and the policy names the channel, else the log).
A message that falls back to the log keeps the payload the vendor would have had, so the outbox shows it
as it would have gone out; nothing goes dead for want of a channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from opsdesk.domain.notices import (
    AnnouncementNotice,
    ChannelPost,
    DirectMessage,
    EmailReply,
    Forward,
    HandoverNotice,
    IssueStatus,
    MessageUpdate,
    Notice,
    Page,
    TopicChange,
)
from opsdesk.domain.outbox import OutgoingMessage
from opsdesk.domain.people import People
from opsdesk.services.unit_of_work import OutboxWriter

LOG = "log"
HANDOVER_LOG = "handover"  # where the log files a briefing's channel post when the team has no channel
ANNOUNCEMENT_LOG = "announcements"  # where the log files an announcement without an update channel
ASK_LOG = "ask"  # and its forward without an ask channel
KEY_LIMIT = 255


class Renderer(Protocol):
    """How one vendor writes a notice (Slack text, an email, a PagerDuty event, GitHub Markdown)."""

    def render(self, notice: Notice, people: People) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Notifier:
    channels: frozenset[str]  # the channels this deployment has set up, by name
    renderers: Mapping[str, Renderer]  # slack, email, pagerduty, github, sms, voice, webhook
    people: People

    def send(self, outbox: OutboxWriter, notice: Notice, now: datetime) -> None:
        """Write the notice's messages to the outbox, in the caller's unit of work."""
        for message in self.messages(notice):
            outbox.add(message, now)

    def messages(self, notice: Notice) -> list[OutgoingMessage]:  # noqa: PLR0911  (one route per kind)
        if isinstance(notice, ChannelPost):
            way = "slack" if "slack" in self.channels and notice.channel else LOG
            return [self._message(way, "slack", notice.channel or notice.fallback, notice, notice.key)]
        if isinstance(notice, Page):
            return self._page(notice)
        if isinstance(notice, DirectMessage):
            return self._direct(notice.engineer, notice, notice.key)
        if isinstance(notice, HandoverNotice):
            return self._handover(notice)
        if isinstance(notice, AnnouncementNotice):
            return self._announcement(notice)
        if isinstance(notice, EmailReply):
            way = "email" if "email" in self.channels else LOG
            return [self._message(way, "email", notice.to, notice, notice.key)]
        if isinstance(notice, MessageUpdate | TopicChange):
            way = "slack" if "slack" in self.channels else LOG
            return [self._message(way, "slack", notice.channel, notice, notice.key)]
        if isinstance(notice, Forward):
            raise TypeError("a forward is sent with its announcement, as the second of the pair")
        if isinstance(notice, IssueStatus):
            destination = f"{notice.change.repository}#{notice.change.issue}"
        else:
            destination = f"{notice.repository}#{notice.issue}"
        way = "github" if "github" in self.channels else LOG
        return [self._message(way, "github", destination, notice, notice.key)]

    def _page(self, page: Page) -> list[OutgoingMessage]:
        person = self.people.by_id(page.engineer)
        found = []
        for way in page.ways:
            if way not in self.channels:
                continue
            if way == "slack" and person is not None and person.slack:
                found.append(self._message("slack", "slack", person.slack, page, f"{page.key}:slack"))
            elif way == "email" and person is not None:
                found.append(self._message("email", "email", person.email, page, f"{page.key}:email"))
            elif way == "pagerduty":
                to = person.pagerduty if person and person.pagerduty else page.service
                found.append(self._message("pagerduty", "pagerduty", to, page, f"{page.key}:pagerduty"))
            elif way in ("sms", "voice") and person is not None and person.phone:
                found.append(self._message(way, way, person.phone, page, f"{page.key}:{way}"))
            elif way == "webhook" and person is not None and person.webhook and way in self.renderers:
                found.append(self._message(way, way, person.webhook, page, f"{page.key}:{way}"))
        if not found:  # nothing set up reaches this engineer: the outbox (log) still shows the page
            found.append(self._message(LOG, "slack", page.engineer, page, f"{page.key}:log"))
        return found

    def _handover(self, notice: HandoverNotice) -> list[OutgoingMessage]:
        """The post to the team's channel, then each recipient's own copy (keyed by engineer)."""
        way = "slack" if "slack" in self.channels and notice.channel else LOG
        found = [self._message(way, "slack", notice.channel or HANDOVER_LOG, notice, f"{notice.key}:channel")]
        for engineer in notice.recipients:
            found += self._direct(engineer, notice, f"{notice.key}:{engineer}")
        return found

    def _announcement(self, notice: AnnouncementNotice) -> list[OutgoingMessage]:
        """The post, then the forward that follows it: stored together, the forward sent only after the post
        is delivered, so the two are one pair however the workers fare."""
        to_update = notice.update_channel or ANNOUNCEMENT_LOG
        post = self._message(
            self._way(notice.update_channel), "slack", to_update, notice, f"{notice.key}:post"
        )
        to_ask = notice.ask_channel or ASK_LOG
        forward = self._message(
            self._way(notice.ask_channel), "slack", to_ask, Forward(notice), f"{notice.key}:forward"
        )
        return [post, replace(forward, after=post.idempotency_key)]

    def _way(self, channel: str | None) -> str:
        return "slack" if "slack" in self.channels and channel else LOG

    def _direct(self, engineer: str, notice: Notice, stem: str) -> list[OutgoingMessage]:
        """Slack when set up and the engineer has a Slack id, else email when set up, else the log."""
        person = self.people.by_id(engineer)
        if person is None:
            return []
        if "slack" in self.channels and person.slack:
            return [self._message("slack", "slack", person.slack, notice, f"{stem}:slack")]
        if "email" in self.channels:
            return [self._message("email", "email", person.email, notice, f"{stem}:email")]
        return [self._message(LOG, "slack", person.id, notice, f"{stem}:log")]

    def _message(self, way: str, vendor: str, destination: str, notice: Notice, key: str) -> OutgoingMessage:
        """A message for `way` in `vendor`'s format (the log keeps the format of the vendor it stands in for)."""
        payload = self.renderers[vendor].render(notice, self.people)
        return OutgoingMessage(way, destination, payload, key[:KEY_LIMIT])
