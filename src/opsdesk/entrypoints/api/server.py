"""The ASGI application factory for `opsdesk serve --workers N` (each worker process builds its own)."""

from __future__ import annotations

from opsdesk.config.settings import Settings
from opsdesk.entrypoints.api.app import OpsdeskApi, create_app
from opsdesk.entrypoints.api.context import api_context


def app_from_environment() -> OpsdeskApi:
    """Settings from OPSDESK_* variables (serve passes --config on as OPSDESK_CONFIG); migrations already ran."""
    return create_app(api_context(Settings.from_environment(), migrate=False, watch=True))
