"""GitHub's webhook (`issues` and `issue_comment`): change requests from the team's issue form and the
commands people comment on them; support requests from issues carrying the policy's support label, and
their comments. Authenticated by the webhook's signature, never by a bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from opsdesk.adapters.github.webhook import read_event as read_github_event
from opsdesk.adapters.github.webhook import signature_ok
from opsdesk.entrypoints.api.bodies import json_or_400
from opsdesk.entrypoints.api.context import ApiContext
from opsdesk.services.changes.events import IssueEvent
from opsdesk.services.text import without_nul


def github_routes(context: ApiContext) -> APIRouter:
    router = APIRouter(tags=["intake"])
    config = context.app.deployment
    secret = (
        config.github_webhook_secret.get_secret_value().encode() if config.github_webhook_secret else None
    )

    @router.post(
        "/api/v1/integrations/github",
        responses={401: {"description": "a missing or wrong X-Hub-Signature-256"}},
    )
    async def github_webhook(
        request: Request,
        x_github_event: Annotated[str, Header(max_length=64)] = "",
        x_github_delivery: Annotated[str, Header(max_length=128)] = "",
        x_hub_signature_256: Annotated[str | None, Header(max_length=200)] = None,
    ) -> dict[str, str]:
        """GitHub `issues` and `issue_comment` webhooks: change requests from the issue form, support
        requests from issues with the support label."""
        if secret is None:
            raise HTTPException(404, "GitHub webhooks are not set up: set OPSDESK_GITHUB_WEBHOOK_SECRET")
        raw = await request.body()
        if not signature_ok(secret, raw, x_hub_signature_256):
            raise HTTPException(
                401, "the X-Hub-Signature-256 does not match this body and the webhook's secret"
            )
        if x_github_event == "ping":
            return {"status": "pong"}
        if x_github_event not in ("issues", "issue_comment"):
            return {"status": f"{x_github_event or 'no'} event: ignored"}
        if not x_github_delivery:
            raise HTTPException(400, "X-GitHub-Delivery is missing")
        # A person wrote the issue, but GitHub delivers it: a NUL is replaced, so the request still comes in.
        event = read_github_event(x_github_event, without_nul(json_or_400(raw)))
        if isinstance(event, str):
            raise HTTPException(400, event)
        # The support board first: it answers None, taking nothing in, for an issue that is not its own
        # (no support label, or a change request), which then goes to the change workflow.
        support, changes = context.app.support, context.changes
        if isinstance(event, IssueEvent):
            said = await run_in_threadpool(support.github_issue, event, x_github_delivery)
            if said is None:
                said = await run_in_threadpool(changes.github_issue, event, x_github_delivery)
        else:
            said = await run_in_threadpool(support.github_comment, event, x_github_delivery)
            if said is None:
                said = await run_in_threadpool(changes.github_comment, event, x_github_delivery)
        return {"status": said}

    return router
