"""Rota changes through the API (the engineer role): propose, accept or decline a swap as the token's
engineer, add an override or leave, list the changes. Each is checked against every rule first."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from opsdesk.bootstrap.rota_changes import Outcome
from opsdesk.domain.access import TokenInfo
from opsdesk.domain.errors import InvalidInstantError
from opsdesk.domain.instants import parse_instant
from opsdesk.domain.rota import Role
from opsdesk.entrypoints.api.auth import Access
from opsdesk.entrypoints.api.bodies import RequestBody
from opsdesk.entrypoints.api.context import ApiContext
from opsdesk.entrypoints.api.errors import invalid
from opsdesk.services.rota import on_duty_dict
from opsdesk.services.rota_changes import change_dict, entry_text, first_duty

ChangeId = Annotated[int, Path(ge=1, le=2**62, description="the rota change's number")]
Text = Annotated[str, Field(default="", max_length=1 << 20, description="200 characters at most")]


class SwapBody(RequestBody):
    with_: str = Field(alias="with", min_length=1, max_length=254, description="the other engineer")
    role: Role
    on: date = Field(description="a day of your on-call turn (or your support day) to give")
    back: date | None = Field(default=None, description="a day of their turn (or day) to take in return")
    reason: Text = ""


class OverrideBody(RequestBody):
    role: Role
    engineer: str = Field(min_length=1, max_length=254, description="who takes the role")
    start: str = Field(alias="from", max_length=64, description="ISO 8601; wall-clock in the policy's zone")
    end: str = Field(alias="to", max_length=64)
    reason: Text = ""


class LeaveBody(RequestBody):
    engineer: str = Field(min_length=1, max_length=254)
    first: date = Field(alias="from")
    last: date = Field(alias="to", description="the last day away, included")
    note: Text = ""


def rota_change_routes(context: ApiContext, access: Access) -> APIRouter:
    router = APIRouter(tags=["rota"])

    def done(outcome: Outcome) -> dict[str, Any]:
        context.policy_changed()
        change, service = outcome.change, outcome.rota
        duty = first_duty(change, service)
        return {
            "change": change_dict(change, context.tz),
            "on_duty": on_duty_dict(service, duty) if duty else None,
        }

    @router.get("/api/v1/rota/changes")
    def changes(_: TokenInfo = access.viewer) -> dict[str, Any]:
        """Rota changes made as commands, newest first: who proposed, who consented, where each is kept."""
        return {"changes": [change_dict(c, context.tz) for c in context.app.rota_changes.listed()]}

    @router.post("/api/v1/rota/swaps", status_code=201)
    async def propose(body: SwapBody, token: TokenInfo = access.engineer) -> dict[str, Any]:
        """Propose a swap as the token's engineer (a token named by the engineer's id, login or email);
        in force once the other engineer accepts it."""
        reason = entry_text(body.reason, "reason")
        outcome = await run_in_threadpool(
            context.app.rota_changes.propose_swap,
            token.name,
            body.with_,
            body.role,
            day=body.on,
            back=body.back,
            reason=reason,
        )
        return done(outcome)

    @router.post("/api/v1/rota/swaps/{change_id}/accept")
    async def accept(change_id: ChangeId, token: TokenInfo = access.engineer) -> dict[str, Any]:
        """Consent to a swap proposed to the token's engineer: checked again, then made."""
        outcome = await run_in_threadpool(context.app.rota_changes.accept_swap, change_id, token.name)
        return done(outcome)

    @router.post("/api/v1/rota/swaps/{change_id}/decline")
    async def decline(change_id: ChangeId, token: TokenInfo = access.engineer) -> dict[str, Any]:
        """Decline a swap proposed to the token's engineer, or withdraw their own proposal."""
        declined = await run_in_threadpool(context.app.rota_changes.decline_swap, change_id, token.name)
        return {"change": change_dict(declined, context.tz)}

    @router.post("/api/v1/rota/overrides", status_code=201)
    async def override(body: OverrideBody, token: TokenInfo = access.engineer) -> dict[str, Any]:
        """An engineer takes a role for a period; refused (400, naming the rule) if it breaks one."""
        try:
            start, end = parse_instant(body.start, context.tz), parse_instant(body.end, context.tz)
        except InvalidInstantError as exc:
            raise invalid("from" if exc.value == body.start else "to", str(exc)) from None
        reason = entry_text(body.reason, "reason")
        outcome = await run_in_threadpool(
            context.app.rota_changes.override,
            token.name,
            body.role,
            body.engineer,
            start=start,
            end=end,
            reason=reason,
        )
        return done(outcome)

    @router.post("/api/v1/rota/leave", status_code=201)
    async def leave(body: LeaveBody, token: TokenInfo = access.engineer) -> dict[str, Any]:
        """Leave for whole days; refused if the engineer is down for duty then (override it first)."""
        note = entry_text(body.note, "note")
        outcome = await run_in_threadpool(
            context.app.rota_changes.leave, token.name, body.engineer, body.first, body.last, note
        )
        return done(outcome)

    return router
