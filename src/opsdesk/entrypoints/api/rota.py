"""The rota: shifts as held (`GET /api/v1/rota`) and the calendar feeds, the team's and each engineer's."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from opsdesk.domain.access import AccessRole, TokenInfo
from opsdesk.domain.errors import InvalidInstantError
from opsdesk.domain.instants import parse_period_bound
from opsdesk.domain.rota import EngineerId
from opsdesk.entrypoints.api.auth import Access
from opsdesk.entrypoints.api.context import ApiContext
from opsdesk.entrypoints.api.errors import invalid

Key = Annotated[str | None, Query(max_length=64)]


def rota_routes(context: ApiContext, access: Access) -> APIRouter:
    router = APIRouter(tags=["rota"])
    viewer = access.require(AccessRole.VIEWER, open_read=True)

    @router.get("/api/v1/rota")
    def rota(
        start: Annotated[str, Query(alias="from", max_length=64)],
        end: Annotated[str, Query(alias="to", max_length=64)],
        _: TokenInfo = access.viewer,
    ) -> dict[str, Any]:
        """Shifts as held (overrides and leave applied) between two dates (the second included)."""
        try:
            lo, hi = (
                parse_period_bound(start, context.tz, end=False),
                parse_period_bound(end, context.tz, end=True),
            )
        except InvalidInstantError as exc:
            raise invalid("from" if exc.value == start else "to", str(exc)) from None
        if hi <= lo:
            raise invalid("to", "`to` must not be before `from`")
        if (hi - lo).days > 400:
            raise invalid("to", "ask for at most 400 days at a time")
        return {
            "from": lo.astimezone(context.tz).isoformat(),
            "to": hi.astimezone(context.tz).isoformat(),
            "shifts": [
                {
                    "engineer": s.engineer,
                    "role": str(s.role),
                    "start": s.start.astimezone(context.tz).isoformat(),
                    "end": s.end.astimezone(context.tz).isoformat(),
                    "day": str(s.day),
                }
                for s in context.rota.shifts(lo, hi)
            ],
        }

    async def feed(name: str, key: str | None, request: Request) -> Response:
        """A feed opens with its own secret in `?key=` (calendar apps cannot send headers) or a token."""
        if not (key is not None and _same(key, await run_in_threadpool(context.feed_secret, name))):
            if key is not None and "authorization" not in request.headers:  # a calendar app: no token
                which = "" if name == "team" else f" --engineer {name}"
                raise HTTPException(
                    401,
                    "this calendar feed's key is wrong or was revoked: get its current URL with "
                    f"`opsdesk token feed-url{which}` and give that to the calendar app",
                )
            await viewer(request)
        who = None if name == "team" else EngineerId(name)
        if who is not None and context.rota.rota.engineer(who) is None:
            raise HTTPException(404, f"no engineer {name!r}")
        found = context.rota.shifts(engineer=who)
        body = context.app.calendar(found, f"opsdesk rota: {name}")
        return Response(body, media_type="text/calendar; charset=utf-8")

    @router.get("/api/v1/calendar/team.ics", response_class=Response)
    async def team_calendar(request: Request, key: Key = None) -> Response:
        """The whole rota as iCalendar; `?key=` (from `opsdesk token feed-url`) or a token."""
        return await feed("team", key, request)

    @router.get("/api/v1/calendar/{engineer}.ics", response_class=Response)
    async def engineer_calendar(engineer: str, request: Request, key: Key = None) -> Response:
        """One engineer's duty as iCalendar."""
        return await feed(engineer, key, request)

    return router


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
