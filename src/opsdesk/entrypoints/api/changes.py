"""Change-request routes: check, submit, list, show, edit; review (approve, reject); carry out (the
checklist, start, complete, roll back); cancel. GitHub's webhook feeds the same requests (github.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import Field

from opsdesk.domain.access import TokenInfo
from opsdesk.domain.changes.model import ChangeState
from opsdesk.entrypoints.api.auth import Access, api_actor
from opsdesk.entrypoints.api.bodies import RequestBody
from opsdesk.entrypoints.api.context import ApiContext
from opsdesk.services.changes.views import change_dict, check_dict

ChangeId = Annotated[int, Path(ge=1, le=2**62, description="the request's number (CR-n)")]
ONE = "/api/v1/changes/{change_id}"
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
    item: str = Field(
        min_length=1,
        max_length=200,
        description="a checklist item of the policy, by its id or its words (e.g. stakeholders-informed)",
    )


class Note(RequestBody):
    note: str = Field(min_length=1, max_length=4000)


def change_routes(context: ApiContext, access: Access) -> APIRouter:
    router = APIRouter(tags=["changes"])

    def view(change_id: int) -> dict[str, Any]:
        """The request as it now stands, with its checks, the suggested engineer and its history."""
        changes = context.changes  # the policy in force now (it may be reloaded)
        found = changes.change(change_id)
        return change_dict(
            found, changes.suggest(found), changes.history(change_id), context.tz, changes.policy.checklist
        )

    @router.post("/api/v1/changes/check")
    def check(body: CheckBody, _: TokenInfo = access.viewer) -> dict[str, Any]:
        """Check a request as written, without storing it: the same answer as `opsdesk change check --json`."""
        submitted = body.submitted_at or context.clock.now()
        if submitted.tzinfo is None:
            submitted = submitted.replace(tzinfo=context.tz)
        return check_dict(context.changes.check(body.body, submitted))

    @router.get("/api/v1/changes")
    def list_changes(
        state: ChangeState | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        _: TokenInfo = access.viewer,
    ) -> list[dict[str, Any]]:
        changes = context.changes
        found = changes.changes(state, limit)
        checklist = changes.policy.checklist
        return [change_dict(c, changes.suggest(c), None, context.tz, checklist) for c in found]

    @router.post("/api/v1/changes", status_code=201)
    def submit(body: Submit, token: TokenInfo = access.requester) -> dict[str, Any]:
        """File a request (teams without GitHub): checked at once, under review or needing information."""
        return view(context.changes.submit(body.title, body.body, api_actor(token)).id)

    @router.get(ONE)
    def show(change_id: ChangeId, _: TokenInfo = access.viewer) -> dict[str, Any]:
        return view(change_id)

    @router.put(ONE)
    def edit(change_id: ChangeId, body: Edit, token: TokenInfo = access.requester) -> dict[str, Any]:
        """The requester's new text: checked again."""
        return view(context.changes.edit(change_id, api_actor(token), body.body, body.title).id)

    @router.post(f"{ONE}/approve")
    def approve(change_id: ChangeId, body: Approve, token: TokenInfo = access.engineer) -> dict[str, Any]:
        """Approve with an assigned engineer and instructions (a reviewer other than the requester)."""
        found = context.changes.approve(
            change_id, api_actor(token), body.engineer, instructions=body.instructions, channel=body.channel
        )
        return view(found.id)

    @router.post(f"{ONE}/reject")
    def reject(change_id: ChangeId, body: Reason, token: TokenInfo = access.engineer) -> dict[str, Any]:
        return view(context.changes.reject(change_id, api_actor(token), body.reason).id)

    @router.post(f"{ONE}/checklist")
    def tick(change_id: ChangeId, body: Tick, token: TokenInfo = access.engineer) -> dict[str, Any]:
        """Tick a checklist item in its phase (the assigned engineer or an admin): before items once approved
        (all before `start`), during items once started (all before `complete`), after items once over."""
        return view(context.changes.tick(change_id, api_actor(token), body.item).id)

    @router.post(f"{ONE}/start")
    def start(change_id: ChangeId, token: TokenInfo = access.engineer) -> dict[str, Any]:
        return view(context.changes.start(change_id, api_actor(token)).id)

    @router.post(f"{ONE}/complete")
    def complete(change_id: ChangeId, body: Note, token: TokenInfo = access.engineer) -> dict[str, Any]:
        return view(context.changes.finish(change_id, api_actor(token), body.note).id)

    @router.post(f"{ONE}/roll-back")
    def roll_back(change_id: ChangeId, body: Note, token: TokenInfo = access.engineer) -> dict[str, Any]:
        return view(context.changes.finish(change_id, api_actor(token), body.note, rolled_back=True).id)

    @router.post(f"{ONE}/cancel")
    def cancel(
        change_id: ChangeId, body: MaybeReason | None = None, token: TokenInfo = access.requester
    ) -> dict[str, Any]:
        """Withdrawn by the requester."""
        return view(context.changes.cancel(change_id, api_actor(token), body.reason if body else None).id)

    return router
