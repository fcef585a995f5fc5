"""Health: `/healthz` (the process answers), `/readyz` (the database is reachable and migrated; and the
policy version in force, with a refused newer file if there is one) and `/metrics` (Prometheus, for any
token)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse

from opsdesk.domain.access import TokenInfo
from opsdesk.entrypoints.api.auth import Access
from opsdesk.entrypoints.api.context import ApiContext
from opsdesk.entrypoints.api.errors import Problem
from opsdesk.entrypoints.api.metrics import Metrics


def health_routes(context: ApiContext, access: Access, metrics: Metrics) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", responses={503: {"model": Problem, "description": "not ready"}})
    def readyz() -> JSONResponse:
        problem = context.app.database_ready()
        policy = context.live.status().as_dict()
        if problem is not None:
            return JSONResponse(
                {"status": "unavailable", "detail": problem, "policy": policy}, status_code=503
            )
        return JSONResponse({"status": "ready", "policy": policy})

    @router.get("/metrics", response_class=PlainTextResponse)
    def metrics_route(_: TokenInfo = access.any_token) -> PlainTextResponse:
        return PlainTextResponse(metrics.render(), media_type="text/plain; version=0.0.4")

    return router
