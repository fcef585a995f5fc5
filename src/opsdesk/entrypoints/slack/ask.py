"""The ask channel: each `message` event Slack sends (Events API) taken in once by its event id, a retry
(`X-Slack-Retry-Num`) doing nothing twice; a question followed up in support hours, answered out of hours,
in its thread, through the ask service. Nothing is said back to Slack but the acknowledgement."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from opsdesk.entrypoints.slack.modals import receipt_part

if TYPE_CHECKING:
    from opsdesk.bootstrap.application import Application

logger = logging.getLogger("opsdesk.slack")


def register(bolt: App, application: Callable[[], Application]) -> None:
    """The `message` events (registered before app.py's catch-all for other events)."""

    @bolt.event("message")
    def message(ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        ack()
        take(application(), body, event)


def take(app: Application, body: dict[str, Any], event: dict[str, Any]) -> None:
    """One message event done (a DB write and a job or an outbox post: well within Slack's 3 s)."""
    event_id = receipt_part(body.get("event_id"))  # Ev0PV52K21: a NUL or an odd type never reaches the DB
    if not event_id:
        logger.info("a message event without an event id was ignored")
        return
    done = app.asks.take_message(event, event_id)
    if done is None:
        logger.info("a Slack event taken in before was ignored", extra={"event": event_id[:100]})
