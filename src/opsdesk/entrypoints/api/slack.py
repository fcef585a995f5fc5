"""The Slack app's one route: the slash command, the buttons and the events all arrive here, signed by
Slack (never a bearer token), and are answered by Bolt (entrypoints/slack/) in a worker thread."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from slack_bolt.adapter.starlette.handler import to_starlette_response

from opsdesk.entrypoints.api.context import ApiContext
from opsdesk.entrypoints.slack.app import NOT_SET_UP, slack_app

SLACK_ROUTE = "/api/v1/integrations/slack/events"


def slack_routes(context: ApiContext) -> APIRouter:
    router = APIRouter(tags=["intake"])
    slack = slack_app(lambda: context.app)

    @router.post(
        SLACK_ROUTE,
        responses={
            400: {"description": "a body Slack would not send"},
            401: {"description": "a missing, wrong or older than 5 minutes signature, or a replay"},
            404: {"description": "the Slack app is not set up, or a kind of request it does not handle"},
        },
    )
    async def slack_events(request: Request) -> Response:
        """Slack's requests to the opsdesk app: `/opsdesk`, incident buttons, events (see docs/slack.md)."""
        if slack is None:
            raise HTTPException(404, NOT_SET_UP)
        body = await request.body()
        answer = await run_in_threadpool(slack.handle, body, request.headers)
        return to_starlette_response(answer)

    return router
