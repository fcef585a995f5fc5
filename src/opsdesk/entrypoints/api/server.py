"""The ASGI application factory for `opsdesk serve --workers N` (each worker process builds its own)."""

from __future__ import annotations

import os

from opsdesk.config.settings import Settings
from opsdesk.entrypoints.api.app import OpsdeskApi, create_app
from opsdesk.entrypoints.api.context import api_context
from opsdesk.entrypoints.logs import configure


def app_from_environment() -> OpsdeskApi:
    """Settings from OPSDESK_* variables (serve passes --config on as OPSDESK_CONFIG, --log-format as
    OPSDESK_LOG_FORMAT); migrations already ran."""
    configure(os.environ.get("OPSDESK_LOG_FORMAT", "text"))
    return create_app(api_context(Settings.from_environment(), migrate=False, watch=True))
