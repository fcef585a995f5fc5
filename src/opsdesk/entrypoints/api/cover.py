"""Cover and who is on duty: `GET /api/v1/cover` and `/api/v1/oncall`, for `at` or for now (the hot
path's shared answer of this second)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from opsdesk.domain.access import TokenInfo
from opsdesk.domain.errors import InvalidInstantError
from opsdesk.domain.instants import parse_instant
from opsdesk.entrypoints.api.auth import Access
from opsdesk.entrypoints.api.context import ApiContext
from opsdesk.entrypoints.api.errors import invalid
from opsdesk.entrypoints.api.hot_path import Builders, NowAnswers, json_bytes
from opsdesk.services.hours import cover_at_dict
from opsdesk.services.rota import on_duty_dict


def now_builders(context: ApiContext) -> Builders:
    """The answers at an instant, by kind: the same objects as `opsdesk hours --json` and `opsdesk who --json`."""
    return {
        "cover": lambda when: cover_at_dict(context.rota.engine.cover_at(when), context.tz),
        "oncall": lambda when: on_duty_dict(context.rota, context.rota.who(when)),
    }


def cover_routes(context: ApiContext, access: Access, now_answers: NowAnswers) -> APIRouter:
    router = APIRouter()

    def instant(at: str | None) -> datetime:
        if at is None:
            return context.clock.now()
        try:
            return parse_instant(at, context.tz)
        except InvalidInstantError as exc:
            raise invalid("at", str(exc)) from None

    def answer(kind: str, at: str | None) -> Response:
        """JSON for `at`; for "now", the shared answer of this second (who is on duty rarely changes)."""
        if at is not None:
            return Response(json_bytes(now_answers.build[kind](instant(at))), media_type="application/json")
        return Response(now_answers.body(kind), media_type="application/json")

    def at_or_now(kind: str, tag: str, what: str, description: str) -> None:
        """`GET /api/v1/{kind}?at=`, named `kind` (its operationId), answered by `answer`."""

        @router.get(
            f"/api/v1/{kind}",
            name=kind,
            description=description,
            tags=[tag],
            response_class=Response,
            responses={200: {"content": {"application/json": {}}, "description": what}},
        )
        async def route(
            at: Annotated[str | None, Query(max_length=64)] = None, _: TokenInfo = access.viewer
        ) -> Response:
            return answer(kind, at)

    at_or_now(
        "cover",
        "cover",
        "the cover",
        "The cover at `at` (ISO 8601; default now, to the second): the same object as `opsdesk hours --json`.",
    )
    at_or_now(
        "oncall",
        "rota",
        "who is on duty",
        "Who is on duty at `at` (default now, to the second): the same object as `opsdesk who --json`.",
    )
    return router
