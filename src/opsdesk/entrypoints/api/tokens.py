"""Token routes (admin): list, create (the token is shown in that answer only) and revoke by number."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError

from opsdesk.domain.access import (
    TOKEN_NAME_LIMIT,
    TOKEN_NAME_PATTERN,
    AccessRole,
    TokenInfo,
    token_name_problem,
)
from opsdesk.entrypoints.api.auth import Access
from opsdesk.entrypoints.api.bodies import RequestBody
from opsdesk.entrypoints.api.context import ApiContext


class TokenRequest(RequestBody):
    name: str = Field(
        description="letters, digits, spaces, '.', '_' or '-'; never all digits",
        json_schema_extra={"pattern": TOKEN_NAME_PATTERN, "minLength": 1, "maxLength": TOKEN_NAME_LIMIT},
    )
    role: AccessRole

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        problem = token_name_problem(name)
        if problem is not None:
            raise PydanticCustomError("token_name", problem)
        return name


class TokenCreated(BaseModel):
    id: int
    name: str
    role: AccessRole
    token: str = Field(description="shown once: store it now")


class TokenView(BaseModel):
    id: int
    name: str
    role: AccessRole
    created_at: datetime
    revoked_at: datetime | None
    hint: str


def token_routes(context: ApiContext, access: Access) -> APIRouter:
    router = APIRouter(tags=["tokens"])
    admin = access.admin

    @router.get("/api/v1/tokens")
    def tokens(_: TokenInfo = admin) -> list[TokenView]:
        return [TokenView(**t.__dict__) for t in context.tokens.all()]

    @router.post("/api/v1/tokens", status_code=201)
    def create_token(body: TokenRequest, _: TokenInfo = admin) -> TokenCreated:
        """A new token with a role; the token is in this answer only."""
        info, token = context.tokens.create(body.name, body.role, context.clock.now())
        return TokenCreated(id=info.id, name=info.name, role=info.role, token=token)

    @router.delete("/api/v1/tokens/{token_id}", status_code=204)
    def revoke_token(token_id: int, _: TokenInfo = admin) -> Response:
        if context.tokens.revoke_id(token_id, context.clock.now()) is None:
            raise HTTPException(404, f"no live token #{token_id}")
        return Response(status_code=204)

    return router
