"""Notices: what should reach whom, said by the workflows without choosing a channel or a format.

The notifier (services/notifier.py) decides the route and the fallback from the deployment's settings
(Slack when it is set up, else the log; a page by every way the service lists), and each vendor's
renderer (adapters/<vendor>/render.py) writes the notice in that vendor's format. Texts here are plain:
escaping for a channel is the renderer's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from opsdesk.domain.changes.checklist import DEFAULT_CHECKLIST, Checklist
from opsdesk.domain.changes.model import ChangeRequest
from opsdesk.domain.handover.model import Briefing
from opsdesk.domain.rota import EngineerId


@dataclass(frozen=True)
class Offer:
    """What can be done from a posted message, by its buttons: `actions` on `subject` number `number` (a
    change request, a support request). Slack's buttons are `<subject>:<action>` carrying the number."""

    subject: str  # change, support
    number: int
    actions: tuple[str, ...]  # approve, reject; triage, assign: each a button, the first the primary one


@dataclass(frozen=True)
class ChannelPost:
    """A post to a team channel: a service's alarm channel, the ask channel, a change's designated channel."""

    channel: str | None  # the Slack channel; None: there is none (the log keeps the post under `fallback`)
    text: str
    key: str  # the outbox key: the same post is never made twice
    fallback: str = ""  # where the log files the post when there is no channel
    mention: EngineerId | None = None  # an engineer the post names (a Slack mention when they have one)
    incident: int | None = None  # an incident's opening post: it carries the incident's buttons
    offer: Offer | None = None  # what else can be done from the post (a change's review, a request's triage)
    thread: str | None = None  # a reply in the thread of this message (Slack: its ts) in the channel
    mention_first: bool = False  # the mention leads the text (the post is addressed to them), not after it


@dataclass(frozen=True)
class Page:
    """A page to one engineer for one step of an incident's escalation, by every way the service lists."""

    engineer: EngineerId
    role: str  # the step's role (primary, secondary), or the final tier's (manager, final)
    incident: int
    service: str  # the monitored service's id
    summary: str
    cycle: int
    step: int
    ways: tuple[str, ...]  # slack, email, pagerduty, sms, voice: tried in this order, each that is set up
    key: str  # the outbox key's stem: each way adds its own name
    subject: str  # a one-line heading (an email's subject)
    text: str  # what the engineer reads, and what to do next
    priority: str = ""  # P1, P2, P3 once the incident has one
    severity: str = ""  # the alarm's: critical, error, warning, info
    source: str = ""  # where the alarm came from (a host, alertmanager, cloudwatch)
    service_name: str = ""  # the monitored service's name, as people say it
    links: tuple[tuple[str, str], ...] = ()  # (title, http(s) URL): the alarm's first few links
    details: tuple[tuple[str, str], ...] = ()  # (key, value): the alarm's first few custom details
    others: tuple[str, ...] = ()  # who else is on call now, each "role name" ("secondary Bilal")
    ack_url: str = ""  # a signed, single-use acknowledge link; "" when the deployment has none set up
    # A test page's code (T4821): nothing is wrong, and every renderer says so first. Its `ack_url` is the
    # Slack message's link; its `text` (email, the log) carries the email's own link.
    test: str = ""


@dataclass(frozen=True)
class DirectMessage:
    """A message to one engineer (a reminder, a cancellation): Slack when both are set up, else email,
    else the log."""

    engineer: EngineerId
    subject: str
    text: str
    key: str


@dataclass(frozen=True)
class IssueReply:
    """A comment on a change request's issue; `signed` starts it with opsdesk's name."""

    repository: str
    issue: int
    text: str
    key: str
    signed: bool = True


@dataclass(frozen=True)
class IssueStatus:
    """The one status comment on a change request's issue, edited in place, and its state label."""

    change: ChangeRequest
    suggestion: str  # who is suggested to carry it out, and why
    timezone: ZoneInfo  # where the window is shown
    key: str
    checklist: Checklist = DEFAULT_CHECKLIST  # the policy's items, shown with the change's ticks


@dataclass(frozen=True)
class HandoverNotice:
    """A briefing (a handover, hand-back, turn change or digest) posted to the team's channel and sent to
    each recipient directly (Slack when both are set up, else email, else the log)."""

    handover: int  # the kept record's id (how to acknowledge it)
    briefing: Briefing
    channel: str | None  # the team's channel; None: the log keeps the post under "handover"
    recipients: tuple[EngineerId, ...]  # each gets it directly as well
    timezone: ZoneInfo  # where times are shown
    key: str  # the outbox key's stem


@dataclass(frozen=True)
class AnnouncementNotice:
    """An announcement (or a reminder of one before its work starts): posted to the update channel and
    forwarded to the ask channel as one linked pair. The forward follows the post in the outbox (sent only
    once the post is delivered) and names it: in Slack, by its permalink."""

    number: int  # the announcement's id
    heading: str  # what it is, before the title: "Maintenance", "Reminder: scheduled work in 1 hour"
    title: str
    body: str
    lines: tuple[str, ...]  # what else it says: the incident, when the work starts, the next update
    mention: str | None  # here or channel: a Slack mention comes from this field only, never from the text
    update_channel: str | None  # None: the log keeps the post under "announcements"
    ask_channel: str | None  # None: the log keeps the forward under "ask"
    key: str  # the outbox key's stem: the post and the forward add their own names


@dataclass(frozen=True)
class EmailReply:
    """An answer to someone who wrote to opsdesk, threaded under their message (email when it is set up,
    else the log). It carries its own Message-ID, so a reply to it finds the incident it answered."""

    to: str  # the address answered
    subject: str
    text: str
    in_reply_to: str  # their Message-ID
    references: tuple[str, ...]  # the thread so far, theirs last
    message_id: str  # this reply's own
    key: str
    reply_to: str | None = None  # where replies to it go (the intake address), when not the sender's address


@dataclass(frozen=True)
class ChatMessage:
    """The chat message an action was taken from (Slack: its channel id and ts), rewritten to show it."""

    channel: str
    ts: str


@dataclass(frozen=True)
class MessageUpdate:
    """A message already posted (Slack: by its channel and ts) rewritten in place: an incident's post or
    page, or a briefing, once someone acted on it from the message. `actions` are what can still be done from it (an
    acknowledged incident can still be resolved); to the log when Slack is not set up."""

    channel: str
    ts: str
    text: str
    key: str
    incident: int | None = None
    actions: tuple[str, ...] = ()  # the incident actions (acknowledge, resolve) still offered on it
    briefing: HandoverNotice | None = None  # a briefing's message: shown again, `text` in place of its button
    offer: Offer | None = None  # a change's or a request's message: what can still be done from it


@dataclass(frozen=True)
class TopicChange:
    """A channel's topic set (Slack: conversations.setTopic): the ask channel naming today's support
    engineer (by name: a mention in a topic would ping them each day). Setting the same topic twice leaves
    it as once; to the log when Slack is not set up."""

    channel: str
    text: str
    key: str


@dataclass(frozen=True)
class Forward:
    """The second of an announcement's pair, as its renderer writes it (the notifier makes it)."""

    of: AnnouncementNotice


Notice = (
    ChannelPost
    | Page
    | DirectMessage
    | IssueReply
    | IssueStatus
    | HandoverNotice
    | AnnouncementNotice
    | Forward
    | EmailReply
    | MessageUpdate
    | TopicChange
)
