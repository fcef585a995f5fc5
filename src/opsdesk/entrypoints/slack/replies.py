"""Telling the person who pressed a button, to them alone: an ephemeral message posted to the
interaction's `response_url`. Bolt sends the acknowledgement only once the listener returns, so this post
is bounded: it runs in its own thread, waited for at most `WAIT` seconds (whatever the name look-up, the
connection or the answer does), with no retry, so Slack's three seconds are kept even when its hook is
slow; an answer that cannot be sent is logged, never raised (the action itself is done and kept either
way)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from slack_sdk.webhook import WebhookClient

logger = logging.getLogger("opsdesk.slack")
REPLY_TIMEOUT = 1  # second: each socket step of the post
WAIT = 1.2  # seconds the listener waits for the post as a whole: with the action's work, within Slack's 3
URL_LIMIT = 2000


def tell(body: dict[str, Any], text: str) -> bool:
    """Post `text` ephemerally to the request's response_url; whether Slack took it within `WAIT`."""
    url = body.get("response_url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")) or len(url) > URL_LIMIT:
        logger.info("a Slack interaction without a usable response_url: its answer was not sent")
        return False
    taken = threading.Event()
    post = threading.Thread(target=_post, args=(url, text, taken), name="slack-answer", daemon=True)
    post.start()
    post.join(WAIT)
    if post.is_alive():
        logger.warning("an answer to a Slack user took too long: left to finish in the background")
    return taken.is_set()


def _post(url: str, text: str, taken: threading.Event) -> None:
    client = WebhookClient(url, timeout=REPLY_TIMEOUT, retry_handlers=[])
    try:
        answer = client.send(text=text, response_type="ephemeral", replace_original=False)
    except Exception as exc:
        logger.warning("an answer to a Slack user could not be sent", extra={"error": type(exc).__name__})
        return
    if answer.status_code != 200:
        logger.warning("Slack refused an answer to a user", extra={"status": answer.status_code})
        return
    taken.set()
