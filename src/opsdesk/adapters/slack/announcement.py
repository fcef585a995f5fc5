"""An announcement in Slack: the post to the update channel, and the forward to the ask channel that names
it by its permalink.

The post's mention (`<!here>`, `<!channel>`) is the only mention opsdesk writes, and only from the
announcement's checked `mention` field: every text a person wrote is escaped, so no title or body can
mention anyone or hide a link. The forward is written twice: as plain text naming the post in words (what
the log keeps, and what goes when no permalink can be had), and in parts (`linked`) that the Slack channel
joins around the permalink it asks for as it delivers the forward, once the post is out.
"""

from __future__ import annotations

from typing import Any

from opsdesk.adapters.slack.mrkdwn import slack_escape
from opsdesk.domain.notices import AnnouncementNotice

MENTIONS = {"here": "<!here>", "channel": "<!channel>"}
FORWARDED = "\u21aa Forwarded from "  # ↪


def post_message(notice: AnnouncementNotice) -> dict[str, Any]:
    """{"text"} for chat.postMessage: the mention (if any), the heading and title, the body, the details."""
    mention = MENTIONS.get(notice.mention or "")
    text = _content(notice)
    return {"text": f"{mention} {text}" if mention else text}


def forward_message(notice: AnnouncementNotice) -> dict[str, Any]:
    """{"text", "linked"}: the forward naming the post in words, and its parts around the post's link."""
    label = _where(notice.update_channel)
    after = f": {_content(notice)}"
    plain = f"{FORWARDED}{label} (opsdesk announcement #{notice.number}){after}"
    return {"text": plain, "linked": {"before": FORWARDED, "label": label, "after": after}}


def linked_text(linked: object, url: str) -> str | None:
    """The forward's text with the post's permalink as its link; None when `linked` is not a forward's
    parts or the URL cannot be shown as a link as it is."""
    if not isinstance(linked, dict) or not _linkable(url):
        return None
    parts = [linked.get(name) for name in ("before", "label", "after")]
    if not all(isinstance(part, str) for part in parts):
        return None
    before, label, after = parts
    return f"{before}<{url}|{label}>{after}"


def _content(notice: AnnouncementNotice) -> str:
    head = f"*{slack_escape(notice.heading)}: {slack_escape(notice.title)}*"
    details = [slack_escape(line) for line in notice.lines]
    footer = f"opsdesk announcement #{notice.number}"
    return "\n".join([head, slack_escape(notice.body), *details, footer])


def _where(channel: str | None) -> str:
    """How the forward names the update channel: by its name, or in words for an id or none."""
    if channel and channel.startswith("#"):
        return slack_escape(channel)
    return "the update channel"


def _linkable(url: str) -> bool:
    """A link Slack shows as written: https, with nothing that ends or splits `<url|label>`."""
    return url.startswith("https://") and not any(c in url for c in "|<> \t\r\n") and len(url) < 2000
