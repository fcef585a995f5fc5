"""Announcement routes: post one (kept, then posted to the update channel and forwarded to the ask channel
as a linked pair), list them (or those whose promised update is overdue), and read one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path, Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from opsdesk.domain.access import TokenInfo
from opsdesk.domain.announcements.model import AnnouncementKind, Mention, Request
from opsdesk.domain.announcements.schedule import next_update as read_next_update
from opsdesk.domain.errors import InvalidInstantError
from opsdesk.domain.instants import parse_instant
from opsdesk.entrypoints.api.auth import Access, api_actor
from opsdesk.entrypoints.api.bodies import RequestBody
from opsdesk.entrypoints.api.context import ApiContext
from opsdesk.services.announcements.views import announcement_view

AnnouncementId = Annotated[int, Path(ge=1, le=2**62, description="the announcement's number")]
ONE = "/api/v1/announcements/{announcement_id}"
WHEN = "ISO 8601, in the policy's time zone"
T = TypeVar("T")


class Announce(RequestBody):
    kind: AnnouncementKind
    title: str = Field(min_length=1, max_length=10_000, description="one line, at most 200 characters")
    body: str = Field(min_length=1, max_length=100_000, description="at most 4000 characters")
    incident: int | None = Field(default=None, ge=1, le=2**62, description="the incident it is about")
    change: int | None = Field(default=None, ge=1, le=2**62, description="the change request it is about")
    mention: Mention | None = Field(default=None, description="here or channel, within the policy's budget")
    starts_at: str | None = Field(
        default=None, max_length=64, description="when the work starts: an ISO 8601 instant"
    )
    next_update: str | None = Field(
        default=None, max_length=64, description="the next update, promised: 30m, 2h, or an ISO 8601 instant"
    )


class PromiseOut(BaseModel):
    due: str = Field(description=WHEN)
    state: str = Field(description="pending, due, overdue, kept or kept-late", examples=["pending"])
    overdue_from: str = Field(description=WHEN)
    reminded_at: str | None = Field(description="when the author and the incident's lead were reminded")
    kept_by: int | None = Field(description="the later announcement that kept it")
    kept_at: str | None


class ReminderOut(BaseModel):
    before: str = Field(examples=["24 hours"])
    before_seconds: int
    at: str = Field(description=WHEN)
    sent_at: str | None


class AnnouncementOut(BaseModel):
    id: int
    kind: AnnouncementKind
    title: str
    body: str
    author: str = Field(description="the engineer's id, or the token's name")
    at: str = Field(description=WHEN)
    incident: int | None
    change: int | None
    priority: str | None = Field(description="the incident's priority when announced")
    mention: Mention | None
    starts_at: str | None
    update_channel: str | None = Field(description="where it was posted (null: opsdesk's log)")
    ask_channel: str | None = Field(description="where it was forwarded (null: opsdesk's log)")
    next_update: PromiseOut | None
    reminders: list[ReminderOut] = Field(description="before the work starts, earliest first")


def announcement_routes(context: ApiContext, access: Access) -> APIRouter:
    router = APIRouter(tags=["announcements"])

    @router.post("/api/v1/announcements", status_code=201, response_model=AnnouncementOut)
    def announce(body: Announce, token: TokenInfo = access.engineer) -> dict[str, Any]:
        """Post an announcement: kept, then posted to the update channel and forwarded to the ask channel
        (the forward links to the post), once each. A mention outside the policy's budget, a title or body
        over its limit, or an incident or change request that does not exist: 400, nothing kept or sent."""
        app = context.app
        tz, now = context.tz, app.clock.now()
        start = _read("starts_at", body.starts_at, lambda text: parse_instant(text, tz))
        due = _read("next_update", body.next_update, lambda text: read_next_update(text, tz))
        request = Request(
            body.kind, body.title, body.body, body.incident, body.change, body.mention, start, due
        )
        record = app.announcements.announce(request, api_actor(token))
        return announcement_view(record, now, tz)

    @router.get("/api/v1/announcements", response_model=list[AnnouncementOut])
    def list_announcements(
        kind: AnnouncementKind | None = None,
        incident: Annotated[int | None, Query(ge=1, le=2**62)] = None,
        change: Annotated[int | None, Query(ge=1, le=2**62)] = None,
        overdue: Annotated[
            bool, Query(description="only those whose promised update is overdue, longest first")
        ] = False,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        _: TokenInfo = access.viewer,
    ) -> list[dict[str, Any]]:
        """The announcements made, the newest first, each with the state of its promised update."""
        app = context.app
        service, now = app.announcements, app.clock.now()
        found = (
            service.overdue(limit)
            if overdue
            else service.records(limit, kind=kind, incident=incident, change=change)
        )
        return [announcement_view(r, now, context.tz) for r in found]

    @router.get(ONE, response_model=AnnouncementOut)
    def show(announcement_id: AnnouncementId, _: TokenInfo = access.viewer) -> dict[str, Any]:
        """One announcement: what it said, where it went, its promised update and its reminders."""
        app = context.app
        return announcement_view(app.announcements.get(announcement_id), app.clock.now(), context.tz)

    return router


def _read(field: str, text: str | None, read: Callable[[str], T]) -> T | None:
    """A time from the body, read; a 422 naming the field when it cannot be."""
    if text is None:
        return None
    try:
        return read(text)
    except InvalidInstantError as exc:
        raise RequestValidationError(
            [{"loc": ["body", field], "msg": str(exc), "type": "value_error", "input": text}]
        ) from None
