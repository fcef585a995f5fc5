"""Announcements from Slack (to be built): `/opsdesk announce` opens a form."""

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
    """What `/opsdesk announce <text>` answers ("": nothing, a form was opened)."""
    return "`/opsdesk announce` is not here yet."
