"""Change-request routes: check, submit, review, carry out; and the GitHub webhook that feeds them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import Field

from opsdesk.adapters.github.webhook import read_event as read_github_event
from opsdesk.adapters.github.webhook import signature_ok
from opsdesk.domain.access import TokenInfo
from opsdesk.domain.changes.model import CHECKLIST, ChangeState
from opsdesk.domain.timeline import Actor, Source
from opsdesk.entrypoints.api import safe_json
from opsdesk.entrypoints.api.bodies import RequestBody
from opsdesk.entrypoints.api.context import ApiContext
from opsdesk.services.changes.events import IssueEvent
from opsdesk.services.changes.views import change_dict, check_dict
from opsdesk.services.text import without_nul

ChangeId = Annotated[int, Path(ge=1, le=2**62, description="the request's number (CR-n)")]
BODY = 65_536


class CheckBody(RequestBody):
    body: str = Field(max_length=1 << 20, description="the issue body, as GitHub renders the form")
    submitted_at: datetime | None = Field(default=None, description="default: now")


class Submit(RequestBody):
    title: str = Field(min_length=1, max_length=300, examples=["Payments: database upgrade"])
    body: str = Field(max_length=BODY, description="the form's four sections in Markdown")


class Edit(RequestBody):
    body: str = Field(max_length=BODY)
    title: str | None = Field(default=None, min_length=1, max_length=300)


class Approve(RequestBody):
    engineer: str = Field(min_length=1, max_length=100, description="an engineer's id or GitHub login")
    instructions: str = Field(min_length=1, max_length=4000)
    channel: str | None = Field(default=None, max_length=100, description="the designated Slack channel")


class Reason(RequestBody):
    reason: str = Field(min_length=1, max_length=4000)


class MaybeReason(RequestBody):
    reason: str | None = Field(default=None, max_length=4000)


class Tick(RequestBody):
    item: str = Field(description=" or ".join(item for item, _ in CHECKLIST))


class Note(RequestBody):
    note: str = Field(min_length=1, max_length=4000)


def change_routes(context: ApiContext, viewer: Any, requester: Any, engineer: Any) -> APIRouter:
    router = APIRouter(tags=["changes"])
    changes = context.changes
    tz = context.rota.engine.timezone

    def actor(token: TokenInfo) -> Actor:
        return Actor(token.name, Source.API)

    def view(change_id: int) -> dict[str, Any]:
        found = changes.change(change_id)
        return change_dict(found, changes.suggest(found), changes.history(change_id), tz)

    @router.post("/api/v1/changes/check")
    def check(body: CheckBody, _: TokenInfo = viewer) -> dict[str, Any]:
        """Check a request as written, without storing it: the same answer as `opsdesk change check --json`."""
        submitted = body.submitted_at or context.clock.now()
        if submitted.tzinfo is None:
            submitted = submitted.replace(tzinfo=tz)
        return check_dict(changes.check(body.body, submitted))

    @router.get("/api/v1/changes")
    def list_changes(
        state: ChangeState | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        _: TokenInfo = viewer,
    ) -> list[dict[str, Any]]:
        found = changes.changes(state, limit)
        return [change_dict(c, changes.suggest(c), None, tz) for c in found]

    @router.post("/api/v1/changes", status_code=201)
    def submit(body: Submit, token: TokenInfo = requester) -> dict[str, Any]:
        """File a request (teams without GitHub): checked at once, under review or needing information."""
        return view(changes.submit(body.title, body.body, actor(token)).id)

    @router.get("/api/v1/changes/{change_id}")
    def show(change_id: ChangeId, _: TokenInfo = viewer) -> dict[str, Any]:
        return view(change_id)

    @router.put("/api/v1/changes/{change_id}")
    def edit(change_id: ChangeId, body: Edit, token: TokenInfo = requester) -> dict[str, Any]:
        """The requester's new text: checked again."""
        return view(changes.edit(change_id, actor(token), body.body, body.title).id)

    @router.post("/api/v1/changes/{change_id}/approve")
    def approve(change_id: ChangeId, body: Approve, token: TokenInfo = engineer) -> dict[str, Any]:
        """Approve with an assigned engineer and instructions (a reviewer other than the requester)."""
        changes.approve(
            change_id, actor(token), body.engineer, instructions=body.instructions, channel=body.channel
        )
        return view(change_id)

    @router.post("/api/v1/changes/{change_id}/reject")
    def reject(change_id: ChangeId, body: Reason, token: TokenInfo = engineer) -> dict[str, Any]:
        changes.reject(change_id, actor(token), body.reason)
        return view(change_id)

    @router.post("/api/v1/changes/{change_id}/checklist")
    def tick(change_id: ChangeId, body: Tick, token: TokenInfo = engineer) -> dict[str, Any]:
        """Tick a pre-change checklist item; both are needed before `start`."""
        changes.tick(change_id, actor(token), body.item)
        return view(change_id)

    @router.post("/api/v1/changes/{change_id}/start")
    def start(change_id: ChangeId, token: TokenInfo = engineer) -> dict[str, Any]:
        changes.start(change_id, actor(token))
        return view(change_id)

    @router.post("/api/v1/changes/{change_id}/complete")
    def complete(change_id: ChangeId, body: Note, token: TokenInfo = engineer) -> dict[str, Any]:
        changes.finish(change_id, actor(token), body.note)
        return view(change_id)

    @router.post("/api/v1/changes/{change_id}/roll-back")
    def roll_back(change_id: ChangeId, body: Note, token: TokenInfo = engineer) -> dict[str, Any]:
        changes.finish(change_id, actor(token), body.note, rolled_back=True)
        return view(change_id)

    @router.post("/api/v1/changes/{change_id}/cancel")
    def cancel(
        change_id: ChangeId, body: MaybeReason | None = None, token: TokenInfo = requester
    ) -> dict[str, Any]:
        """Withdrawn by the requester."""
        changes.cancel(change_id, actor(token), body.reason if body else None)
        return view(change_id)

    return router


def github_routes(context: ApiContext) -> APIRouter:
    router = APIRouter(tags=["intake"])
    config = context.app.deployment
    secret = (
        config.github_webhook_secret.get_secret_value().encode() if config.github_webhook_secret else None
    )
    changes = context.changes

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
        """GitHub `issues` and `issue_comment` webhooks: change requests from the issue form."""
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
        try:
            payload = safe_json.load(raw)
        except safe_json.UnsafeJsonError as exc:
            raise HTTPException(400, str(exc)) from None
        # A person wrote the issue, but GitHub delivers it: a NUL is replaced, so the request still comes in.
        event = read_github_event(x_github_event, without_nul(payload))
        if isinstance(event, str):
            raise HTTPException(400, event)
        if isinstance(event, IssueEvent):
            said = await run_in_threadpool(changes.github_issue, event, x_github_delivery)
        else:
            said = await run_in_threadpool(changes.github_comment, event, x_github_delivery)
        return {"status": said}

    return router
