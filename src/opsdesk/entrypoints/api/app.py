"""The HTTP API (FastAPI): cover, who is on duty, the rota, calendars, the outbox, tokens, health, metrics."""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

from opsdesk.adapters.db.engine import migrations_current
from opsdesk.domain.access import (
    AccessRole,
    TokenInfo,
)
from opsdesk.domain.errors import InvalidInstantError
from opsdesk.domain.instants import parse_instant, parse_period_bound
from opsdesk.domain.outbox import OutboxState
from opsdesk.domain.rota import EngineerId
from opsdesk.entrypoints.api.changes import change_routes, github_routes
from opsdesk.entrypoints.api.context import ApiContext
from opsdesk.entrypoints.api.errors import error_answers
from opsdesk.entrypoints.api.incidents import INTAKE_LIMIT, incident_routes, intake_routes
from opsdesk.entrypoints.api.limits import BodySizeLimit
from opsdesk.entrypoints.api.metrics import Metrics
from opsdesk.entrypoints.api.tokens import token_routes
from opsdesk.services.hours import cover_at_dict
from opsdesk.services.rota import on_duty_dict

ANONYMOUS = TokenInfo(0, "anonymous", AccessRole.VIEWER, datetime.min.replace(tzinfo=UTC))


class Problem(BaseModel):
    detail: str


class OpsdeskApi:
    """The served ASGI app: request counting and the fast path for "now" outside FastAPI, then FastAPI.

    They sit outside FastAPI's own middleware, so a cached answer costs almost nothing more than the
    server's floor; `fastapi` is the FastAPI app itself (routes, OpenAPI).
    """

    def __init__(self, context: ApiContext) -> None:
        self.metrics = Metrics(context)
        tz = context.rota.engine.timezone
        self.now_answers = NowAnswers(
            context,
            {
                "cover": lambda when: cover_at_dict(context.rota.engine.cover_at(when), tz),
                "oncall": lambda when: on_duty_dict(context.rota, context.rota.who(when)),
            },
        )
        self.fastapi = _fastapi(context, self.metrics, self.now_answers)
        self._asgi = self.metrics.middleware(self.now_answers.hot_path(self.fastapi))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._asgi(scope, receive, send)


def create_app(context: ApiContext) -> OpsdeskApi:
    return OpsdeskApi(context)


def _fastapi(  # noqa: PLR0915  (the route table, in one place)
    context: ApiContext, metrics: Metrics, now_answers: NowAnswers
) -> FastAPI:
    errors: dict[int | str, dict[str, Any]] = {
        code: {"model": Problem, "description": text}
        for code, text in (
            (400, "refused by a rule"),
            (401, "no token, or an unknown or revoked one"),
            (403, "the token's role is not enough"),
            (404, "no such thing"),
            (413, "the body is over 1 MiB (512 KB for alarm intake)"),
        )
    }
    app = FastAPI(
        title="opsdesk", version="1", docs_url="/docs", openapi_url="/openapi.json", responses=errors
    )
    app.add_middleware(
        BodySizeLimit,
        limit=1 << 20,
        tighter={
            "/api/v1/integrations/github": 1 << 20,  # GitHub's payloads carry whole issues
            "/api/v1/events/": INTAKE_LIMIT,
            "/api/v1/integrations/": INTAKE_LIMIT,
        },
    )
    tz = context.rota.engine.timezone

    async def caller(request: Request) -> TokenInfo | None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if not header:
            return None
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPException(
                401, "expected `Authorization: Bearer <token>`", {"WWW-Authenticate": "Bearer"}
            )
        known, info = context.token_cache.cached(token.strip())
        if not known:  # not cached: ask the database, off the event loop
            info = await run_in_threadpool(context.token_cache.verify, token.strip())
        if info is None:
            raise HTTPException(401, "this token is unknown or revoked", {"WWW-Authenticate": "Bearer"})
        return info

    def require(role: AccessRole, *, open_read: bool = False) -> Callable[[Request], Awaitable[TokenInfo]]:
        async def check(request: Request) -> TokenInfo:
            info = await caller(request)
            if info is None:
                if open_read and context.open_reads:
                    return ANONYMOUS
                raise HTTPException(
                    401, "a token is needed: `Authorization: Bearer <token>`", {"WWW-Authenticate": "Bearer"}
                )
            if not info.role.allows(role):
                raise HTTPException(403, f"this needs the {role} role; the token has {info.role}")
            return info

        return check

    viewer = Depends(require(AccessRole.VIEWER, open_read=True))  # OPSDESK_OPEN_READS may open these
    any_token = Depends(require(AccessRole.VIEWER))
    requester = Depends(require(AccessRole.REQUESTER))
    engineer = Depends(require(AccessRole.ENGINEER))
    admin = Depends(require(AccessRole.ADMIN))

    def instant(at: str | None) -> datetime:
        if at is None:
            return context.clock.now()
        try:
            return parse_instant(at, tz)
        except InvalidInstantError as exc:
            raise invalid("at", str(exc)) from None

    error_answers(app)
    app.include_router(intake_routes(context))
    app.include_router(incident_routes(context, viewer, engineer))
    app.include_router(change_routes(context, viewer, requester, engineer))
    app.include_router(github_routes(context))
    app.include_router(token_routes(context, admin))

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], responses={503: {"model": Problem, "description": "not ready"}})
    def readyz() -> JSONResponse:
        try:
            current = migrations_current(context.engine)
        except Exception as exc:
            return JSONResponse(
                {"status": "unavailable", "detail": f"database unreachable ({type(exc).__name__})"},
                status_code=503,
            )
        if not current:
            return JSONResponse(
                {"status": "unavailable", "detail": "migrations pending: run `opsdesk db upgrade`"},
                status_code=503,
            )
        return JSONResponse({"status": "ready"})

    @app.get("/metrics", tags=["health"], response_class=PlainTextResponse)
    def metrics_route(_: TokenInfo = any_token) -> PlainTextResponse:
        return PlainTextResponse(metrics.render(), media_type="text/plain; version=0.0.4")

    def answer(kind: str, at: str | None) -> Response:
        """JSON for `at`; for "now", the shared answer of this second (who is on duty rarely changes)."""
        if at is not None:
            return Response(_json(now_answers.build[kind](instant(at))), media_type="application/json")
        return Response(now_answers.body(kind), media_type="application/json")

    @app.get(
        "/api/v1/cover",
        tags=["cover"],
        response_class=Response,
        responses={200: {"content": {"application/json": {}}, "description": "the cover"}},
    )
    async def cover(
        at: Annotated[str | None, Query(max_length=64)] = None, _: TokenInfo = viewer
    ) -> Response:
        """The cover at `at` (ISO 8601; default now, to the second): the same object as `opsdesk hours --json`."""
        return answer("cover", at)

    @app.get(
        "/api/v1/oncall",
        tags=["rota"],
        response_class=Response,
        responses={200: {"content": {"application/json": {}}, "description": "who is on duty"}},
    )
    async def oncall(
        at: Annotated[str | None, Query(max_length=64)] = None, _: TokenInfo = viewer
    ) -> Response:
        """Who is on duty at `at` (default now, to the second): the same object as `opsdesk who --json`."""
        return answer("oncall", at)

    @app.get("/api/v1/rota", tags=["rota"])
    def rota(
        start: Annotated[str, Query(alias="from", max_length=64)],
        end: Annotated[str, Query(alias="to", max_length=64)],
        _: TokenInfo = viewer,
    ) -> dict[str, Any]:
        """Shifts as held (overrides and leave applied) between two dates (the second included)."""
        try:
            lo, hi = parse_period_bound(start, tz, end=False), parse_period_bound(end, tz, end=True)
        except InvalidInstantError as exc:
            raise invalid("from" if exc.value == start else "to", str(exc)) from None
        if hi <= lo:
            raise invalid("to", "`to` must not be before `from`")
        if (hi - lo).days > 400:
            raise invalid("to", "ask for at most 400 days at a time")
        return {
            "from": lo.astimezone(tz).isoformat(),
            "to": hi.astimezone(tz).isoformat(),
            "shifts": [
                {
                    "engineer": s.engineer,
                    "role": str(s.role),
                    "start": s.start.astimezone(tz).isoformat(),
                    "end": s.end.astimezone(tz).isoformat(),
                    "day": str(s.day),
                }
                for s in context.rota.shifts(lo, hi)
            ],
        }

    async def feed(name: str, key: str | None, request: Request) -> Response:
        if not (key is not None and _same(key, context.feed_secret(name))):
            await require(AccessRole.VIEWER, open_read=True)(request)
        who = None if name == "team" else EngineerId(name)
        if who is not None and context.rota.rota.engineer(who) is None:
            raise HTTPException(404, f"no engineer {name!r}")
        found = context.rota.shifts(engineer=who)
        body = context.app.calendar(found, f"opsdesk rota: {name}")
        return Response(body, media_type="text/calendar; charset=utf-8")

    @app.get("/api/v1/calendar/team.ics", tags=["rota"], response_class=Response)
    async def team_calendar(
        request: Request, key: Annotated[str | None, Query(max_length=64)] = None
    ) -> Response:
        """The whole rota as iCalendar; `?key=` (from `opsdesk token feed-url`) or a token."""
        return await feed("team", key, request)

    @app.get("/api/v1/calendar/{engineer}.ics", tags=["rota"], response_class=Response)
    async def engineer_calendar(
        engineer: str, request: Request, key: Annotated[str | None, Query(max_length=64)] = None
    ) -> Response:
        """One engineer's duty as iCalendar."""
        return await feed(engineer, key, request)

    @app.get("/api/v1/outbox", tags=["outbox"])
    def outbox(
        state: OutboxState | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        _: TokenInfo = engineer,
    ) -> list[dict[str, Any]]:
        """The newest outbox rows (every outgoing message), optionally in one state."""
        return [
            {
                "id": r.id,
                "channel": r.message.channel,
                "destination": r.message.destination,
                "state": str(r.state),
                "attempts": r.attempts,
                "idempotency_key": r.message.idempotency_key,
                "payload": r.message.payload,
                "created_at": r.created_at.isoformat(),
                "next_attempt_at": r.next_attempt_at.isoformat(),
                "delivered_at": r.delivered_at.isoformat() if r.delivered_at else None,
                "last_error": r.last_error,
                "in_doubt": r.in_doubt,
            }
            for r in context.outbox.rows(state, limit)
        ]

    return app


class NowAnswers:
    """Cover and who-is-on-duty for "now": computed once a second, served to every caller that second.

    `hot_path` answers `GET /api/v1/oncall` and `/api/v1/cover` without parameters straight from this
    cache when the token is already known to allow it, before FastAPI's routing; anything else (no token,
    an unknown or revoked one, parameters) goes through the normal route, which gives the same body.
    """

    HOT: ClassVar[dict[str, str]] = {"/api/v1/oncall": "oncall", "/api/v1/cover": "cover"}

    def __init__(self, context: ApiContext, build: dict[str, Callable[[datetime], dict[str, Any]]]) -> None:
        self.context = context
        self.build = build
        self._cache: dict[str, tuple[int, bytes]] = {}

    def body(self, kind: str) -> bytes:
        now = self.context.clock.now()
        second = int(now.timestamp())
        cached = self._cache.get(kind)
        if cached is None or cached[0] != second:
            cached = self._cache[kind] = (second, _json(self.build[kind](now.replace(microsecond=0))))
        return cached[1]

    def _allowed(self, scope: Scope) -> bool:
        header = next((value for name, value in scope["headers"] if name == b"authorization"), None)
        if header is None:
            return self.context.open_reads
        scheme, _, token = header.decode("latin-1").partition(" ")
        if scheme.lower() != "bearer":
            return False
        known, info = self.context.token_cache.cached(token.strip())
        return known and info is not None and info.role.allows(AccessRole.VIEWER)

    def hot_path(self, app: ASGIApp) -> ASGIApp:
        async def serve(scope: Scope, receive: Receive, send: Send) -> None:
            kind = self.HOT.get(scope.get("path", "")) if scope["type"] == "http" else None
            if (
                kind is not None
                and scope["method"] == "GET"
                and not scope["query_string"]
                and self._allowed(scope)
            ):
                scope["opsdesk.route"] = scope["path"]
                body = self.body(kind)
                headers = [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await app(scope, receive, send)

        return serve


def invalid(parameter: str, message: str) -> RequestValidationError:
    """A 422 in FastAPI's documented shape, naming the query parameter."""
    return RequestValidationError([{"loc": ["query", parameter], "msg": message, "type": "value_error"}])


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
