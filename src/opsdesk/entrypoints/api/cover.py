"""Cover and who is on duty: `GET /api/v1/cover` and `/api/v1/oncall`, for `at` or for now (the hot
path's shared answer of this second); and the cover clock, `GET /api/v1/cover/elapsed`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from opsdesk.domain.access import TokenInfo
from opsdesk.domain.errors import InvalidInstantError
from opsdesk.domain.hours import Cover
from opsdesk.domain.instants import parse_instant
from opsdesk.entrypoints.api.auth import Access
from opsdesk.entrypoints.api.context import ApiContext
from opsdesk.entrypoints.api.errors import invalid
from opsdesk.entrypoints.api.hot_path import Builders, NowAnswers, json_bytes
from opsdesk.services.hours import cover_at_dict, elapsed_dict
from opsdesk.services.rota import on_duty_dict

# Ten years of days take about 60 ms to work out the first time; longer periods are a CLI job.
ELAPSED_LIMIT = timedelta(days=3660)


class ElapsedOut(BaseModel):
    """The time of one cover in [from, to): the object `opsdesk hours elapsed --json` prints."""

    from_: str = Field(alias="from", description="ISO 8601, with the team's offset")
    to: str = Field(description="ISO 8601, with the team's offset; not included")
    cover: Cover
    seconds: int | float = Field(description="a whole number when the time is whole seconds")


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
    elapsed_routes(router, context, access)
    return router


def elapsed_routes(router: APIRouter, context: ApiContext, access: Access) -> None:
    @router.get(
        "/api/v1/cover/elapsed", tags=["cover"], response_model=ElapsedOut, response_model_by_alias=True
    )
    def elapsed(
        start: Annotated[
            str, Query(alias="from", max_length=64, description="an ISO 8601 instant, or `now`")
        ],
        end: Annotated[str, Query(alias="to", max_length=64, description="an ISO 8601 instant, or `now`")],
        cover: Cover = Cover.SUPPORT,
        _: TokenInfo = access.viewer,
    ) -> dict[str, Any]:
        """How long the team offered `cover` (support hours by default) in [from, to): exact across clock
        changes and bank holidays. Instants without an offset are the team's wall-clock time."""
        hours = context.app.hours
        now = hours.clock.now()
        instants = []
        for name, text in (("from", start), ("to", end)):
            try:
                instants.append(hours.instant(text, now))
            except InvalidInstantError as exc:
                raise invalid(name, str(exc)) from None
        lo, hi = instants
        if hi < lo:
            raise invalid("to", "`to` must not be before `from`")
        if hi - lo > ELAPSED_LIMIT:
            raise invalid("to", f"ask for at most {ELAPSED_LIMIT.days} days (ten years) at a time")
        return elapsed_dict(hours.elapsed(lo, hi, cover), context.tz)
