"""The ask channel (to be built): questions followed up in support hours, answered out of hours."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from slack_bolt import App

if TYPE_CHECKING:
    from opsdesk.bootstrap.application import Application


def register(bolt: App, application: Callable[[], Application]) -> None:
    """Its buttons, forms and events."""
