"""The support board in Slack (to be built): `/opsdesk support`, Triage / Assign on a request's message, and
the "Make a support request" message shortcut."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from slack_bolt import App

from opsdesk.entrypoints.slack.modals import Asked

if TYPE_CHECKING:
    from opsdesk.bootstrap.application import Application


def register(bolt: App, application: Callable[[], Application]) -> None:
    """Its buttons, forms and events."""


def command(app: Application, text: str, asked: Asked) -> str:
    """What `/opsdesk support <text>` answers ("": nothing, a form was opened)."""
    return "`/opsdesk support` is not here yet."
