"""Handover routes: the briefings kept (list, one, one by date), notes for the next handover, an
acknowledgement by the token's engineer, and the preview of the handover at any instant."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from opsdesk.domain.access import TokenInfo
from opsdesk.domain.errors import InvalidInstantError
from opsdesk.domain.handover.documents import document
from opsdesk.domain.handover.model import HandoverKind
from opsdesk.entrypoints.api.auth import Access, api_actor
from opsdesk.entrypoints.api.bodies import RequestBody
from opsdesk.entrypoints.api.context import ApiContext
from opsdesk.entrypoints.api.errors import invalid
from opsdesk.services.handover.views import record_view

HandoverId = Annotated[int, Path(ge=1, le=2**62, description="the briefing's number")]
ONE = "/api/v1/handovers/{handover_id}"


class Engineer(BaseModel):
    id: str
    name: str


class Receivers(BaseModel):
    primary: Engineer | None
    secondary: Engineer | None


class Stretch(BaseModel):
    start: str
    end: str


class BriefingOut(BaseModel):
    """A briefing: who hands over to whom, the stretch it covers, and its sections (see the docs)."""

    model_config = ConfigDict(extra="allow")
    kind: HandoverKind
    at: str
    timeliness: str
    from_: Engineer | None = Field(alias="from")
    to: Receivers
    stretch: Stretch
    incidents: list[dict[str, Any]]
    changes: list[dict[str, Any]]
    notes: list[dict[str, Any]]


class Acknowledged(BaseModel):
    by: str
    at: str
    via: str


class HandoverOut(BriefingOut):
    id: int
    made_at: str
    acknowledged: Acknowledged | None


class NoteBody(RequestBody):
    text: str = Field(min_length=1, max_length=20_000, description="what the on-call engineers should know")


class NoteOut(BaseModel):
    id: int
    at: str
    author: str
    text: str


def handover_routes(context: ApiContext, access: Access) -> APIRouter:
    router = APIRouter(tags=["handover"])

    @router.get("/api/v1/handovers", response_model=list[HandoverOut], response_model_by_alias=True)
    def list_handovers(
        kind: HandoverKind | None = None,
        on: Annotated[
            date | None, Query(alias="date", description="made on this day (the team's date)")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        _: TokenInfo = access.viewer,
    ) -> list[dict[str, Any]]:
        """The briefings kept, the latest first (with `date`: the one of `kind`, default handover, made
        that day; 404 saying which handover covers it when none was made)."""
        service = context.app.handovers
        if on is not None:
            return [record_view(service.on(on, kind or HandoverKind.HANDOVER), context.tz)]
        return [record_view(r, context.tz) for r in service.records(kind, limit)]

    @router.get("/api/v1/handovers/preview", response_model=BriefingOut, response_model_by_alias=True)
    def preview(
        at: Annotated[str, Query(max_length=64, description="an ISO 8601 instant, or `now`")] = "now",
        _: TokenInfo = access.viewer,
    ) -> dict[str, Any]:
        """The handover that would be made at the end of the support window at or before `at` (outside a
        working day: the one covering `at`), made from what is stored now; nothing is kept or sent."""
        app = context.app
        try:
            instant = app.hours.instant(at, app.clock.now())
        except InvalidInstantError as exc:
            raise invalid("at", str(exc)) from None
        return document(app.handovers.preview(instant), context.tz)

    @router.post("/api/v1/handovers/notes", status_code=201, response_model=NoteOut)
    def add_note(body: NoteBody, token: TokenInfo = access.engineer) -> dict[str, Any]:
        """A note for the next handover, by the token's name."""
        note = context.app.handovers.note(body.text, api_actor(token))
        return {
            "id": note.id,
            "at": note.at.astimezone(context.tz).isoformat(),
            "author": note.author,
            "text": note.text,
        }

    @router.get(ONE, response_model=HandoverOut, response_model_by_alias=True)
    def show(handover_id: HandoverId, _: TokenInfo = access.viewer) -> dict[str, Any]:
        """One briefing, with who acknowledged it, when and from where."""
        return record_view(context.app.handovers.get(handover_id), context.tz)

    @router.post(f"{ONE}/ack", response_model=HandoverOut, response_model_by_alias=True)
    def acknowledge(handover_id: HandoverId, token: TokenInfo = access.engineer) -> dict[str, Any]:
        """Acknowledge as the token's engineer (a token named by the engineer's id, login or email), who
        must be one of its receivers: 403 otherwise, 400 when it was acknowledged already."""
        actor = api_actor(token)
        return record_view(context.app.handovers.acknowledge(handover_id, actor.name, actor), context.tz)

    return router
