"""Alarm intake: PagerDuty's Events API v2, Alertmanager's webhook and CloudWatch alarms over SNS.

Intake is authenticated by the service's integration key (in the body for Events API v2, in the path for
the others), never by a bearer token: monitors cannot send one. Nothing is stored for an unknown key, an
invalid event or a forged signature. What monitors send is read as they send it, with each NUL character
replaced (`without_nul`, here, where their JSON is read), so an alarm is never lost over one.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from opsdesk.adapters.alertmanager import webhook as alertmanager
from opsdesk.adapters.aws import sns
from opsdesk.adapters.pagerduty import events_v2
from opsdesk.domain.errors import VendorUnavailableError
from opsdesk.domain.incidents.model import Action, Incident, MonitoredService
from opsdesk.domain.timeline import Actor, Source
from opsdesk.entrypoints.api import safe_json
from opsdesk.entrypoints.api.batching import JoinBatcher
from opsdesk.entrypoints.api.bodies import json_or_400
from opsdesk.entrypoints.api.context import ApiContext
from opsdesk.services.text import without_nul

logger = logging.getLogger("opsdesk.intake")
INTAKE_LIMIT = 512 * 1024  # bytes, as PagerDuty's Events API
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


def intake_routes(context: ApiContext) -> APIRouter:
    router = APIRouter(tags=["intake"])
    batcher = JoinBatcher(lambda: context.incidents)

    def service_for(key: str) -> MonitoredService:
        found = context.incidents.service_for_key(key)
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
            body = safe_json.load(await request.body())
        except safe_json.UnsafeJsonError as exc:  # refused in PagerDuty's shape, as every invalid event
            return JSONResponse(events_v2.invalid([str(exc)]), status_code=400)
        event = events_v2.read_event(without_nul(body))
        if isinstance(event, list):
            return JSONResponse(events_v2.invalid(event), status_code=400)
        service = context.incidents.service_for_key(event.routing_key)
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
            await run_in_threadpool(
                context.incidents.act_on_key, service.id, event.dedup_key, follow_up, EVENT_ACTOR
            )
        return JSONResponse(events_v2.success(event.dedup_key), status_code=202)

    @router.post("/api/v1/integrations/alertmanager/{key}")
    async def alertmanager_webhook(key: str, request: Request) -> dict[str, Any]:
        """Alertmanager's webhook (version 4): one incident per alert group."""
        service = service_for(key)
        notification = alertmanager.read_notification(without_nul(json_or_400(await request.body())))
        if isinstance(notification, list):
            raise HTTPException(400, "; ".join(notification))
        if notification.firing:
            incident: Incident | None = (
                await batcher.trigger(notification.alarm(service.id), ALERTMANAGER_ACTOR)
            ).incident
        else:
            incident = await run_in_threadpool(
                context.incidents.act_on_key,
                service.id,
                notification.dedup_key,
                Action.RESOLVE,
                ALERTMANAGER_ACTOR,
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
        return await _sns_message(context, service, json_or_400(await request.body()))

    return router


async def _sns_message(context: ApiContext, service: MonitoredService, message: object) -> dict[str, Any]:
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
        await run_in_threadpool(context.incidents.confirm_subscription, service.id, url, receipt)
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
            context.incidents.trigger, change.alarm(service.id), CLOUDWATCH_ACTOR, receipt
        )
        return {"status": "success", "incident": outcome.incident.id if outcome else None}
    if change.state == "OK":
        found = await run_in_threadpool(
            context.incidents.act_on_key,
            service.id,
            change.dedup_key,
            Action.RESOLVE,
            CLOUDWATCH_ACTOR,
            receipt,
        )
        return {"status": "success", "incident": found.id if found else None}
    return {"status": "ignored", "incident": None}  # INSUFFICIENT_DATA: no change to act on
