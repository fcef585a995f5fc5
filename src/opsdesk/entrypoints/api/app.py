"""The HTTP API assembled: the served ASGI app (request counting, then the hot path, then FastAPI), the
body-size limits, the error answers, and each noun's routes (one module each)."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from opsdesk.entrypoints.api.ack import ack_routes
from opsdesk.entrypoints.api.announcements import announcement_routes
from opsdesk.entrypoints.api.auth import Access
from opsdesk.entrypoints.api.changes import change_routes
from opsdesk.entrypoints.api.context import ApiContext
from opsdesk.entrypoints.api.cover import cover_routes, now_builders
from opsdesk.entrypoints.api.errors import ERROR_TABLE, error_answers
from opsdesk.entrypoints.api.github import github_routes
from opsdesk.entrypoints.api.handover import handover_routes
from opsdesk.entrypoints.api.health import health_routes
from opsdesk.entrypoints.api.hot_path import NowAnswers
from opsdesk.entrypoints.api.incidents import incident_routes
from opsdesk.entrypoints.api.intake import INTAKE_LIMIT, intake_routes
from opsdesk.entrypoints.api.limits import BodySizeLimit
from opsdesk.entrypoints.api.metrics import Metrics
from opsdesk.entrypoints.api.outbox import outbox_routes
from opsdesk.entrypoints.api.rota import rota_routes
from opsdesk.entrypoints.api.rota_changes import rota_change_routes
from opsdesk.entrypoints.api.slack import slack_routes
from opsdesk.entrypoints.api.support import support_routes
from opsdesk.entrypoints.api.tokens import token_routes
from opsdesk.entrypoints.api.twilio import TWILIO_LIMIT, twilio_routes


class OpsdeskApi:
    """The served ASGI app: request counting and the fast path for "now" outside FastAPI, then FastAPI.

    They sit outside FastAPI's own middleware, so a cached answer costs almost nothing more than the
    server's floor; `fastapi` is the FastAPI app itself (routes, OpenAPI).
    """

    def __init__(self, context: ApiContext) -> None:
        access = Access(context)
        self.metrics = Metrics(context)
        self.now_answers = NowAnswers(context, access, now_builders(context))
        self.fastapi = _fastapi(context, access, self.metrics, self.now_answers)
        self._asgi = self.metrics.middleware(self.now_answers.hot_path(self.fastapi))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._asgi(scope, receive, send)


def create_app(context: ApiContext) -> OpsdeskApi:
    return OpsdeskApi(context)


def _fastapi(context: ApiContext, access: Access, metrics: Metrics, now_answers: NowAnswers) -> FastAPI:
    app = FastAPI(
        title="opsdesk", version="1", docs_url="/docs", openapi_url="/openapi.json", responses=ERROR_TABLE
    )
    app.add_middleware(
        BodySizeLimit,
        limit=1 << 20,
        tighter={
            "/api/v1/integrations/github": 1 << 20,  # GitHub's payloads carry whole issues
            "/api/v1/events/": INTAKE_LIMIT,
            "/api/v1/integrations/": INTAKE_LIMIT,
            "/api/v1/twilio/": TWILIO_LIMIT,
        },
    )
    error_answers(app)
    # In this order: it is the order of the routes in OpenAPI.
    for router in (
        intake_routes(context),
        incident_routes(context, access),
        change_routes(context, access),
        github_routes(context),
        slack_routes(context),
        twilio_routes(context),
        handover_routes(context, access),
        support_routes(context, access),
        announcement_routes(context, access),
        token_routes(context, access),
        health_routes(context, access, metrics),
        cover_routes(context, access, now_answers),
        rota_routes(context, access),
        rota_change_routes(context, access),
        outbox_routes(context, access),
        ack_routes(context),
    ):
        app.include_router(router)
    return app
