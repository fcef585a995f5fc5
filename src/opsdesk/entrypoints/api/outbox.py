"""The outbox: `GET /api/v1/outbox`, the newest rows (every outgoing message), for engineers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from opsdesk.domain.access import TokenInfo
from opsdesk.domain.outbox import OutboxState
from opsdesk.entrypoints.api.auth import Access
from opsdesk.entrypoints.api.context import ApiContext
from opsdesk.entrypoints.outbox_rows import outbox_row_dict


def outbox_routes(context: ApiContext, access: Access) -> APIRouter:
    router = APIRouter(tags=["outbox"])

    @router.get("/api/v1/outbox")
    def outbox(
        state: OutboxState | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        _: TokenInfo = access.engineer,
    ) -> list[dict[str, Any]]:
        """The newest outbox rows (every outgoing message), optionally in one state."""
        return [outbox_row_dict(r) for r in context.outbox.rows(state, limit)]

    return router
