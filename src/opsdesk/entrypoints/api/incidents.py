"""Incident routes: alarm intake (Events API v2, Alertmanager, CloudWatch over SNS) and incidents for people.

Intake is authenticated by the service's integration key (in the body for Events API v2, in the path for
the others), never by a bearer token: monitors cannot send one. Nothing is stored for an unknown key, an
invalid event or a forged signature. What monitors send is read as they send it, with each NUL character
replaced (`without_nul`, here, where their JSON is read), so an alarm is never lost over one.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from opsdesk.adapters.alertmanager import webhook as alertmanager
from opsdesk.adapters.aws import sns
from opsdesk.adapters.pagerduty import events_v2
from opsdesk.config.rota_model import ID_PATTERN
from opsdesk.domain.access import TokenInfo
from opsdesk.domain.errors import VendorUnavailableError
from opsdesk.domain.incidents.model import Action, Incident, IncidentState, MonitoredService, Priority
from opsdesk.domain.incidents.timeline import PAGE_LIMIT
from opsdesk.domain.timeline import Actor, Source
from opsdesk.entrypoints.api import safe_json
from opsdesk.entrypoints.api.batching import JoinBatcher
from opsdesk.entrypoints.api.bodies import RequestBody
from opsdesk.entrypoints.api.context import ApiContext
from opsdesk.entrypoints.api.incident_models import IncidentOut, IncidentView, TimelinePageOut
from opsdesk.services.incidents.views import incident_dict, incident_view, page_dict
from opsdesk.services.text import without_nul

logger = logging.getLogger("opsdesk.intake")
INTAKE_LIMIT = 512 * 1024  # bytes, as PagerDuty's Events API
IncidentId = Annotated[int, Path(ge=1, le=2**62, description="the incident's number")]
EVENT_ACTOR = Actor("events-api-v2", Source.ALARM)
ALERTMANAGER_ACTOR = Actor("alertmanager", Source.ALARM)
CLOUDWATCH_ACTOR = Actor("cloudwatch", Source.ALARM)


class EventAccepted(BaseModel):
    status: str = Field(examples=["success"])
    message: str = Field(examples=["Event processed"])
    dedup_key: str


class EventRefused(BaseModel):
    status: str = Field(examples=["invalid event"])
    message: str = Field(examples=["Event object is invalid"])
    errors: list[str]


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


async def _json_body(request: Request) -> object:
    """The body's JSON; UnsafeJsonError (400 with the reason) for anything but plain, modest JSON."""
    return safe_json.load(await request.body())


async def _unsafe_is_400(request: Request) -> object:
    try:
        return await _json_body(request)
    except safe_json.UnsafeJsonError as exc:
        raise HTTPException(400, str(exc)) from None


def intake_routes(context: ApiContext) -> APIRouter:
    router = APIRouter(tags=["intake"])
    incidents = context.incidents
    batcher = JoinBatcher(incidents)

    def service_for(key: str) -> MonitoredService:
        found = incidents.service_for_key(key)
        if found is None:
            raise HTTPException(404, "no service has this integration key")
        return found

    @router.post(
        "/api/v1/events/v2/enqueue",
        status_code=202,
        response_model=EventAccepted,
        responses={
            400: {"model": EventRefused, "description": "an invalid event: every error, naming its field"},
            404: {"model": EventRefused, "description": "no service has this routing key"},
        },
    )
    async def enqueue(request: Request) -> JSONResponse:
        """PagerDuty Events API v2: point any PagerDuty integration here, unchanged."""
        try:
            body = await _json_body(request)
        except safe_json.UnsafeJsonError as exc:
            return JSONResponse(events_v2.invalid([str(exc)]), status_code=400)
        event = events_v2.read_event(without_nul(body))
        if isinstance(event, list):
            return JSONResponse(events_v2.invalid(event), status_code=400)
        service = incidents.service_for_key(event.routing_key)
        if service is None:
            return JSONResponse(
                {
                    "status": "invalid event",
                    "message": "Unknown routing key",
                    "errors": ["'routing_key' is not an integration key of any service"],
                },
                status_code=404,
            )
        follow_up = event.follow_up
        if follow_up is None:
            await batcher.trigger(event.alarm(service.id), EVENT_ACTOR)
        else:
            await run_in_threadpool(incidents.act_on_key, service.id, event.dedup_key, follow_up, EVENT_ACTOR)
        return JSONResponse(events_v2.success(event.dedup_key), status_code=202)

    @router.post("/api/v1/integrations/alertmanager/{key}")
    async def alertmanager_webhook(key: str, request: Request) -> dict[str, Any]:
        """Alertmanager's webhook (version 4): one incident per alert group."""
        service = service_for(key)
        notification = alertmanager.read_notification(without_nul(await _unsafe_is_400(request)))
        if isinstance(notification, list):
            raise HTTPException(400, "; ".join(notification))
        if notification.firing:
            incident: Incident | None = (
                await batcher.trigger(notification.alarm(service.id), ALERTMANAGER_ACTOR)
            ).incident
        else:
            incident = await run_in_threadpool(
                incidents.act_on_key, service.id, notification.dedup_key, Action.RESOLVE, ALERTMANAGER_ACTOR
            )
        return {"status": "success", "incident": incident.id if incident else None}

    @router.post(
        "/api/v1/integrations/cloudwatch/{key}",
        responses={
            403: {"description": "a bad signature"},
            503: {"description": "the signature could not be checked now (SNS retries)"},
        },
    )
    async def cloudwatch(key: str, request: Request) -> dict[str, Any]:
        """CloudWatch alarms through an SNS HTTPS subscription; every message's signature is verified."""
        service = service_for(key)
        return await _sns_message(context, service, await _unsafe_is_400(request))

    return router


async def _sns_message(context: ApiContext, service: MonitoredService, message: object) -> dict[str, Any]:
    incidents = context.incidents
    if not isinstance(message, dict):
        raise HTTPException(400, "the body is not an SNS message (a JSON object)")
    try:
        await run_in_threadpool(context.sns.verify, message)
    except sns.SignatureError as exc:
        logger.warning("refused an SNS message", extra={"service": service.id, "reason": str(exc)})
        raise HTTPException(403, f"not a verified SNS message: {exc}") from None
    except VendorUnavailableError as exc:  # 503, so SNS delivers it again: it does not retry a 4xx
        logger.warning(
            "could not verify an SNS message now", extra={"service": service.id, "reason": str(exc)}
        )
        raise VendorUnavailableError(
            f"the SNS message could not be verified now ({exc}); nothing was stored, and SNS will deliver "
            "it again",
            exc.retry_after,
        ) from None
    message = without_nul(message)  # only now: the signature covers the text as sent
    receipt = f"sns:{message.get('MessageId', '')}"
    kind = message["Type"]
    if kind == "SubscriptionConfirmation":
        try:
            url = context.sns.check_url(message.get("SubscribeURL"), "SubscribeURL")
        except sns.SignatureError as exc:
            raise HTTPException(403, f"not a verified SNS message: {exc}") from None
        await run_in_threadpool(incidents.confirm_subscription, service.id, url, receipt)
        return {"status": "confirming"}
    if kind == "UnsubscribeConfirmation":
        logger.warning("SNS unsubscribed", extra={"service": service.id, "topic": message.get("TopicArn")})
        return {"status": "noted"}
    try:
        alarm = safe_json.load(str(message.get("Message", "")).encode(), what="the SNS Message")
    except safe_json.UnsafeJsonError as exc:
        raise HTTPException(400, f"not a CloudWatch alarm: {exc}") from None
    change = sns.read_alarm(without_nul(alarm))
    if isinstance(change, str):
        raise HTTPException(400, change)
    if change.state == "ALARM":
        outcome = await run_in_threadpool(
            incidents.trigger, change.alarm(service.id), CLOUDWATCH_ACTOR, receipt
        )
        return {"status": "success", "incident": outcome.incident.id if outcome else None}
    if change.state == "OK":
        found = await run_in_threadpool(
            incidents.act_on_key, service.id, change.dedup_key, Action.RESOLVE, CLOUDWATCH_ACTOR, receipt
        )
        return {"status": "success", "incident": found.id if found else None}
    return {"status": "ignored", "incident": None}  # INSUFFICIENT_DATA: no change to act on


def incident_routes(context: ApiContext, viewer: Any, engineer: Any) -> APIRouter:
    router = APIRouter(tags=["incidents"])
    incidents = context.incidents
    tz = context.rota.engine.timezone

    def actor(token: TokenInfo) -> Actor:
        return Actor(token.name, Source.API)

    def view(incident_id: int) -> dict[str, Any]:
        """The incident and its newest entries: bounded however many alerts a storm joined to it."""
        found = incidents.incident(incident_id)
        return incident_view(found, incidents.timeline(incident_id), tz)

    @router.get("/api/v1/incidents", response_model=list[IncidentOut])
    def list_incidents(
        state: IncidentState | None = None,
        service: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        _: TokenInfo = viewer,
    ) -> list[dict[str, Any]]:
        """The newest incidents, optionally in one state or of one service."""
        return [incident_dict(i, tz) for i in incidents.incidents(state, service, limit)]

    @router.post("/api/v1/incidents", status_code=201, response_model=IncidentView)
    def open_incident(body: OpenIncident, token: TokenInfo = engineer) -> dict[str, Any]:
        """Open an incident by hand: routed by the cover now, like an alarm."""
        found = incidents.open(body.service, body.summary, actor(token), body.priority)
        return view(found.id)

    @router.get("/api/v1/incidents/{incident_id}", response_model=IncidentView)
    def show_incident(incident_id: IncidentId, _: TokenInfo = viewer) -> dict[str, Any]:
        """An incident with its newest timeline entries (who did what, when, from where) and its joined
        alerts summed up; `timeline_next` leads to the older entries."""
        return view(incident_id)

    @router.get("/api/v1/incidents/{incident_id}/timeline", response_model=TimelinePageOut)
    def timeline(
        incident_id: IncidentId,
        limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT, description="entries in the page")] = 100,
        before: Annotated[
            int | None, Query(ge=1, le=2**62, description="only entries older than this one (`next`)")
        ] = None,
        alerts: Annotated[
            bool, Query(description="list each joined alert too (they are summed up either way)")
        ] = False,
        _: TokenInfo = viewer,
    ) -> dict[str, Any]:
        """An incident's timeline a page at a time, newest first; `next` is the cursor to the older entries."""
        page = incidents.timeline(incident_id, limit=limit, before=before, alerts=alerts)
        return page_dict(incident_id, page, tz)

    @router.post("/api/v1/incidents/{incident_id}/acknowledge", response_model=IncidentView)
    def acknowledge(incident_id: IncidentId, token: TokenInfo = engineer) -> dict[str, Any]:
        incidents.acknowledge(incident_id, actor(token))
        return view(incident_id)

    @router.post("/api/v1/incidents/{incident_id}/resolve", response_model=IncidentView)
    def resolve(
        incident_id: IncidentId, body: Resolve | None = None, token: TokenInfo = engineer
    ) -> dict[str, Any]:
        incidents.resolve(incident_id, actor(token), body.note if body else None)
        return view(incident_id)

    @router.post("/api/v1/incidents/{incident_id}/defer", response_model=IncidentView)
    def defer(incident_id: IncidentId, body: Defer, token: TokenInfo = engineer) -> dict[str, Any]:
        """Cannot be resolved out of hours: who was told and the plan; it goes into the morning hand-back."""
        incidents.defer(incident_id, actor(token), body.informed, body.plan)
        return view(incident_id)

    @router.patch("/api/v1/incidents/{incident_id}", response_model=IncidentView)
    def change(incident_id: IncidentId, body: Change, token: TokenInfo = engineer) -> dict[str, Any]:
        """Set the priority (P1-P3), the incident lead or the scribe; P1 and P2 list what is `missing`."""
        incidents.update(
            incident_id, actor(token), priority=body.priority, lead=body.lead, scribe=body.scribe
        )
        return view(incident_id)

    @router.post("/api/v1/incidents/{incident_id}/notes", status_code=201, response_model=IncidentView)
    def note(incident_id: IncidentId, body: Note, token: TokenInfo = engineer) -> dict[str, Any]:
        incidents.note(incident_id, actor(token), body.text)
        return view(incident_id)

    return router
