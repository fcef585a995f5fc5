"""The ASGI application factory for `opsdesk serve --workers N` (each worker process builds its own)."""

from __future__ import annotations

import os

from opsdesk.config.settings import Settings
from opsdesk.entrypoints.api.app import OpsdeskApi, create_app
from opsdesk.entrypoints.api.context import api_context
from opsdesk.entrypoints.api.delivering import API_THREADS as API_THREADS_DEFAULT
from opsdesk.entrypoints.api.delivering import Delivering
from opsdesk.entrypoints.logs import configure

DELIVERY_THREADS = "OPSDESK_DELIVERY_THREADS"  # set by serve: each API process delivers as serve does
API_THREADS = "OPSDESK_API_THREADS"  # set by serve: requests run side by side, at most


def app_from_environment() -> OpsdeskApi | Delivering:
    """Settings from OPSDESK_* variables (serve passes --config on as OPSDESK_CONFIG, --log-format as
    OPSDESK_LOG_FORMAT, --delivery-threads as OPSDESK_DELIVERY_THREADS, --api-threads as
    OPSDESK_API_THREADS); migrations already ran."""
    configure(os.environ.get("OPSDESK_LOG_FORMAT", "text"))
    context = api_context(Settings.from_environment(), migrate=False, watch=True)
    app = create_app(context)
    threads = int(os.environ.get(DELIVERY_THREADS) or 0)
    api_threads = os.environ.get(API_THREADS)
    if threads > 0 or api_threads:
        return Delivering(app, context.live, threads, int(api_threads or API_THREADS_DEFAULT))
    return app
