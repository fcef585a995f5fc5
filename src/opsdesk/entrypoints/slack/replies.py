"""Telling the person who pressed a button, to them alone: an ephemeral message posted to the
interaction's `response_url`. Bolt sends the acknowledgement only once the listener returns, so this post
is bounded (a short time-out, no retry): Slack's three seconds are kept even when its hook is slow, and an
answer that cannot be sent is logged, never raised (the action itself is done and kept either way)."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.webhook import WebhookClient

logger = logging.getLogger("opsdesk.slack")
REPLY_TIMEOUT = 1  # second(s): with the action's own work, well within Slack's three
URL_LIMIT = 2000


def tell(body: dict[str, Any], text: str) -> bool:
    """Post `text` ephemerally to the request's response_url; whether Slack took it."""
    url = body.get("response_url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")) or len(url) > URL_LIMIT:
        logger.info("a Slack interaction without a usable response_url: its answer was not sent")
        return False
    client = WebhookClient(url, timeout=REPLY_TIMEOUT, retry_handlers=[])
    try:
        answer = client.send(text=text, response_type="ephemeral", replace_original=False)
    except (OSError, ValueError) as exc:  # a time-out, a refused or cut connection, a malformed URL
        logger.warning("an answer to a Slack user could not be sent", extra={"error": type(exc).__name__})
        return False
    if answer.status_code != 200:
        logger.warning("Slack refused an answer to a user", extra={"status": answer.status_code})
        return False
    return True
