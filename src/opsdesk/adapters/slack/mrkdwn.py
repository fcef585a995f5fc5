"""Slack's mrkdwn: its three control characters escaped, so outside text cannot mention or link."""

from __future__ import annotations

from opsdesk.services.text import without_bidi


def slack_escape(text: str) -> str:
    """Slack's three control characters escaped, and bidirectional controls replaced."""
    return without_bidi(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
