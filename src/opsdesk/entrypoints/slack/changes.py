"""Out-of-hours change requests in Slack (to be built): `/opsdesk ooh`, and Approve / Reject on a change
request's message."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from slack_bolt import App

from opsdesk.entrypoints.slack.modals import Asked

if TYPE_CHECKING:
    from opsdesk.bootstrap.application import Application


def register(bolt: App, application: Callable[[], Application]) -> None:
    """The change request's buttons and forms."""


def command(app: Application, text: str, asked: Asked) -> str:
    """What `/opsdesk ooh <text>` answers ("": nothing, a form was opened)."""
    return "`/opsdesk ooh` is not here yet."
