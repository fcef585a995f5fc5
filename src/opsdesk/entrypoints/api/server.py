"""The ASGI application factory for `opsdesk serve --workers N` (each worker process builds its own)."""

from __future__ import annotations

from opsdesk.bootstrap.api import api_context
from opsdesk.config.settings import Settings
from opsdesk.entrypoints.api.app import OpsdeskApi, create_app


def app_from_environment() -> OpsdeskApi:
    """Settings from OPSDESK_* variables (serve passes --config on as OPSDESK_CONFIG); migrations already ran."""
    return create_app(api_context(Settings.from_environment(), migrate=False))
