"""Incident routes for people: list, open, show, the timeline a page at a time, and each step (acknowledge,
resolve, defer, set fields, add a note). Alarms come in through intake.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import Field

from opsdesk.config.rota_model import ID_PATTERN
from opsdesk.domain.access import TokenInfo
from opsdesk.domain.incidents.model import IncidentState, Priority
from opsdesk.domain.incidents.timeline import PAGE_LIMIT
from opsdesk.entrypoints.api.auth import Access, api_actor
from opsdesk.entrypoints.api.bodies import RequestBody
from opsdesk.entrypoints.api.context import ApiContext
from opsdesk.entrypoints.api.incident_models import IncidentOut, IncidentView, TimelinePageOut
from opsdesk.services.incidents.views import incident_dict, incident_view, page_dict

IncidentId = Annotated[int, Path(ge=1, le=2**62, description="the incident's number")]
ONE = "/api/v1/incidents/{incident_id}"


class OpenIncident(RequestBody):
    service: str = Field(min_length=1, max_length=64)
    summary: str = Field(min_length=1, max_length=1024)
    priority: Priority | None = None


class Resolve(RequestBody):
    note: str | None = Field(default=None, max_length=4000)


class Defer(RequestBody):
    informed: str = Field(min_length=1, max_length=4000, description="who in the affected team was told")
    plan: str = Field(min_length=1, max_length=4000, description="the plan for working hours")


class Change(RequestBody):
    priority: Priority | None = None
    lead: str | None = Field(default=None, min_length=1, max_length=100)
    scribe: str | None = Field(default=None, min_length=1, max_length=100)


class Note(RequestBody):
    text: str = Field(min_length=1, max_length=4000)


def incident_routes(context: ApiContext, access: Access) -> APIRouter:
    router = APIRouter(tags=["incidents"])

    def view(incident_id: int) -> dict[str, Any]:
        """The incident and its newest entries: bounded however many alerts a storm joined to it."""
        found = context.incidents.incident(incident_id)
        timeline = context.incidents.timeline(incident_id)
        return incident_view(found, timeline, context.tz, context.incidents.held_page(found))

    @router.get("/api/v1/incidents", response_model=list[IncidentOut])
    def list_incidents(
        state: IncidentState | None = None,
        service: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        _: TokenInfo = access.viewer,
    ) -> list[dict[str, Any]]:
        """The newest incidents, optionally in one state or of one service."""
        return [incident_dict(i, context.tz) for i in context.incidents.incidents(state, service, limit)]

    @router.post("/api/v1/incidents", status_code=201, response_model=IncidentView)
    def open_incident(body: OpenIncident, token: TokenInfo = access.engineer) -> dict[str, Any]:
        """Open an incident by hand: routed by the cover now, like an alarm."""
        return view(context.incidents.open(body.service, body.summary, api_actor(token), body.priority).id)

    @router.get(ONE, response_model=IncidentView)
    def show_incident(incident_id: IncidentId, _: TokenInfo = access.viewer) -> dict[str, Any]:
        """An incident with its newest timeline entries (who did what, when, from where) and its joined
        alerts summed up; `timeline_next` leads to the older entries."""
        return view(incident_id)

    @router.get(f"{ONE}/timeline", response_model=TimelinePageOut)
    def timeline(
        incident_id: IncidentId,
        limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT, description="entries in the page")] = 100,
        before: Annotated[
            int | None, Query(ge=1, le=2**62, description="only entries older than this one (`next`)")
        ] = None,
        alerts: Annotated[
            bool, Query(description="list each joined alert too (they are summed up either way)")
        ] = False,
        _: TokenInfo = access.viewer,
    ) -> dict[str, Any]:
        """An incident's timeline a page at a time, newest first; `next` is the cursor to the older entries."""
        page = context.incidents.timeline(incident_id, limit=limit, before=before, alerts=alerts)
        return page_dict(incident_id, page, context.tz)

    # Each step answers the incident as it now stands (read again, with its newest entries).

    @router.post(f"{ONE}/acknowledge", response_model=IncidentView)
    def acknowledge(incident_id: IncidentId, token: TokenInfo = access.engineer) -> dict[str, Any]:
        return view(context.incidents.acknowledge(incident_id, api_actor(token)).id)

    @router.post(f"{ONE}/resolve", response_model=IncidentView)
    def resolve(
        incident_id: IncidentId, body: Resolve | None = None, token: TokenInfo = access.engineer
    ) -> dict[str, Any]:
        return view(context.incidents.resolve(incident_id, api_actor(token), body.note if body else None).id)

    @router.post(f"{ONE}/defer", response_model=IncidentView)
    def defer(incident_id: IncidentId, body: Defer, token: TokenInfo = access.engineer) -> dict[str, Any]:
        """Cannot be resolved out of hours: who was told and the plan; it goes into the morning hand-back."""
        return view(context.incidents.defer(incident_id, api_actor(token), body.informed, body.plan).id)

    @router.patch(ONE, response_model=IncidentView)
    def change(incident_id: IncidentId, body: Change, token: TokenInfo = access.engineer) -> dict[str, Any]:
        """Set the priority (P1-P3), the incident lead or the scribe; P1 and P2 list what is `missing`."""
        found = context.incidents.update(
            incident_id, api_actor(token), priority=body.priority, lead=body.lead, scribe=body.scribe
        )
        return view(found.id)

    @router.post(f"{ONE}/notes", status_code=201, response_model=IncidentView)
    def note(incident_id: IncidentId, body: Note, token: TokenInfo = access.engineer) -> dict[str, Any]:
        return view(context.incidents.note(incident_id, api_actor(token), body.text).id)

    return router
