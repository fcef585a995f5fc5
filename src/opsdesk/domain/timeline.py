"""The timeline shared by incidents, change requests and what comes next: who did what, when, from where."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Source(StrEnum):
    """Where a change came from, for the timeline."""

    API = "api"
    CLI = "cli"
    ALARM = "alarm"
    EMAIL = "email"
    GITHUB = "github"
    SLACK = "slack"  # a button or command in the team's Slack
    PHONE = "phone"  # an SMS reply to a page, or a key pressed in a page's call (Twilio)
    LINK = "link"  # a signed acknowledge link from a page
    SYSTEM = "system"  # opsdesk itself: routing, escalation


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor: str  # who: an engineer, a token's name, an integration, or opsdesk
    source: Source  # from where
    kind: str  # what: triggered, alert, routed, paged, skipped, acknowledged, ...
    message: str
    data: dict[str, Any] = field(default_factory=dict)
    id: int | None = None  # its place in the store, once stored: the cursor of a timeline page


@dataclass(frozen=True)
class Actor:
    """Who made a change and from where: an engineer at the CLI, a token over the API, an integration."""

    name: str
    source: Source
    admin: bool = False  # an admin token (API) or `--admin` (CLI): may act on anyone's change


OPSDESK = Actor("opsdesk", Source.SYSTEM)


def system_entry(now: datetime, kind: str, message: str, data: dict[str, Any] | None = None) -> TimelineEntry:
    """A timeline entry by opsdesk itself (routing, escalation, checks, the hand-back)."""
    return TimelineEntry(now, OPSDESK.name, Source.SYSTEM, kind, message, data or {})
