"""Support-request routes: the board (list, one request), filing and commenting (a requester's token),
assigning, moving and triaging (an engineer's), reopening, what breaches the triage target, and the report.
GitHub's webhook feeds the same board (github.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import Field

from opsdesk.domain.access import TokenInfo
from opsdesk.domain.errors import InvalidPeriodError, SupportError
from opsdesk.domain.support.model import (
    BODY_LIMIT,
    LABEL_LIMIT,
    LABELS_LIMIT,
    LINK_LIMIT,
    TITLE_LIMIT,
    Priority,
    Status,
    Triage,
)
from opsdesk.entrypoints.api.auth import Access, api_actor
from opsdesk.entrypoints.api.bodies import RequestBody
from opsdesk.entrypoints.api.context import ApiContext
from opsdesk.services.support.views import breach_dict, report_rows, request_dict

RequestId = Annotated[int, Path(ge=1, le=2**62, description="the request's number (SR-n)")]
BASE = "/api/v1/support/requests"
ONE = f"{BASE}/{{request_id}}"


class NewRequest(RequestBody):
    title: str = Field(min_length=1, max_length=TITLE_LIMIT, examples=["Cannot push to the registry"])
    body: str = Field(
        default="", max_length=BODY_LIMIT, description="what is wrong, in the requester's words"
    )
    labels: list[Annotated[str, Field(min_length=1, max_length=LABEL_LIMIT)]] = Field(
        default_factory=list, max_length=LABELS_LIMIT
    )
    link: str | None = Field(
        default=None, max_length=LINK_LIMIT, description="where it came from (a Slack permalink, a ticket)"
    )


class Assign(RequestBody):
    engineer: str = Field(min_length=1, max_length=100, description="an engineer's id, GitHub login or email")


class Move(RequestBody):
    status: Status = Field(
        description="todo, in-progress, blocked, for-review or done (done: reopen to leave)"
    )


class CommentBody(RequestBody):
    text: str = Field(min_length=1, max_length=BODY_LIMIT)


class TriageBody(RequestBody):
    decision: Literal["accept", "decline"]
    priority: Priority | None = Field(default=None, description="accept: P1, P2 or P3")
    reason: str | None = Field(
        default=None, max_length=4000, description="decline: why, told to the requester"
    )


class Reopen(RequestBody):
    reason: str | None = Field(default=None, max_length=4000)


def support_routes(context: ApiContext, access: Access) -> APIRouter:
    router = APIRouter(tags=["support"])

    def view(request_id: int) -> dict[str, Any]:
        """The request as it now stands, with its waits in support hours, comments and history."""
        support = context.app.support  # the policy in force now (it may be reloaded)
        found = support.request(request_id)
        return request_dict(
            found,
            context.tz,
            waited=support.waits(found),
            comments=support.comments(request_id),
            history=support.history(request_id),
        )

    @router.get(BASE)
    def list_requests(
        status: Status | None = None,
        triage: Triage | None = None,
        label: Annotated[str | None, Query(max_length=LABEL_LIMIT)] = None,
        assignee: Annotated[str | None, Query(max_length=100)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        _: TokenInfo = access.viewer,
    ) -> list[dict[str, Any]]:
        """The board, the newest first."""
        found = context.app.support.requests(
            status, label=label, assignee=assignee, triage=triage, limit=limit
        )
        return [request_dict(r, context.tz) for r in found]

    @router.post(BASE, status_code=201)
    def new(body: NewRequest, token: TokenInfo = access.requester) -> dict[str, Any]:
        """File a request: untriaged, in todo, announced in the support channel."""
        support = context.app.support
        return view(
            support.new(body.title, body.body, api_actor(token), labels=body.labels, link=body.link).id
        )

    @router.get(f"{BASE}/untriaged")
    def untriaged(_: TokenInfo = access.viewer) -> dict[str, Any]:
        """What nobody has triaged (the oldest first), and those past the triage target in support hours."""
        support = context.app.support
        return {
            "untriaged": [request_dict(r, context.tz) for r in support.untriaged()],
            "breaches": [breach_dict(b, context.tz) for b in support.triage_breaches()],
            "target_support_seconds": round(support.policy.triage.total_seconds()),
        }

    @router.get(ONE)
    def show(request_id: RequestId, _: TokenInfo = access.viewer) -> dict[str, Any]:
        return view(request_id)

    @router.post(f"{ONE}/assign")
    def assign(request_id: RequestId, body: Assign, token: TokenInfo = access.engineer) -> dict[str, Any]:
        return view(context.app.support.assign(request_id, api_actor(token), body.engineer).id)

    @router.post(f"{ONE}/move")
    def move(request_id: RequestId, body: Move, token: TokenInfo = access.engineer) -> dict[str, Any]:
        """Move an accepted request on the board; a done request is reopened, never moved."""
        return view(context.app.support.move(request_id, api_actor(token), body.status).id)

    @router.post(f"{ONE}/comments", status_code=201)
    def comment(
        request_id: RequestId, body: CommentBody, token: TokenInfo = access.requester
    ) -> dict[str, Any]:
        """A comment; the first by a team engineer other than the requester is the first response."""
        context.app.support.comment(request_id, api_actor(token), body.text)
        return view(request_id)

    @router.post(f"{ONE}/triage")
    def triage(request_id: RequestId, body: TriageBody, token: TokenInfo = access.engineer) -> dict[str, Any]:
        """Accept with a priority, or decline with a reason (the request is then done)."""
        support, actor = context.app.support, api_actor(token)
        if body.decision == "accept":
            if body.priority is None:
                raise SupportError("triage: to accept a request, give its priority (P1, P2 or P3)")
            return view(support.triage(request_id, actor, accept=body.priority).id)
        if not body.reason:
            raise SupportError("triage: to decline a request, give the reason (the requester is told)")
        return view(support.triage(request_id, actor, decline=body.reason).id)

    @router.post(f"{ONE}/reopen")
    def reopen(
        request_id: RequestId, body: Reopen | None = None, token: TokenInfo = access.requester
    ) -> dict[str, Any]:
        """A done request back in todo (by its requester or a team engineer)."""
        return view(
            context.app.support.reopen(request_id, api_actor(token), body.reason if body else None).id
        )

    @router.get("/api/v1/support/report")
    def report(
        start: Annotated[datetime, Query(alias="from", description="ISO 8601; the team's zone if none")],
        end: Annotated[datetime, Query(alias="to", description="ISO 8601, excluded")],
        _: TokenInfo = access.viewer,
    ) -> list[dict[str, Any]]:
        """Requests that arrived in [from, to): times to triage, first response and done in support hours
        (median, p90, seconds) and how many were late, by label, by engineer and in all."""
        lo, hi = (t if t.tzinfo else t.replace(tzinfo=context.tz) for t in (start, end))
        if hi <= lo:
            raise InvalidPeriodError(f"to ({end.isoformat()}) must be after from ({start.isoformat()})")
        return report_rows(context.app.support.report(lo, hi))

    return router
