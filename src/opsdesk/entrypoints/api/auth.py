"""Who is calling the API: the one reader of `Authorization: Bearer <token>`, the routes' dependencies by
role, and the hot path's check from the token cache alone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from opsdesk.domain.access import AccessRole, TokenInfo
from opsdesk.domain.timeline import Actor, Source
from opsdesk.entrypoints.api.context import ApiContext

ANONYMOUS = TokenInfo(0, "anonymous", AccessRole.VIEWER, datetime.min.replace(tzinfo=UTC))
SEND_IT = "send it as `Authorization: Bearer <token>`"


def how_to_get_a_token(role: AccessRole | None = None) -> str:
    """What a caller without a good token does next (the 401's detail, after what is wrong)."""
    return f"an admin creates one with `opsdesk token create --name NAME --role {role or 'ROLE'}`; {SEND_IT}"


def unauthorized(problem: str, role: AccessRole | None = None, *, invalid: bool = False) -> HTTPException:
    """A 401 whose detail and WWW-Authenticate header (RFC 6750) both say how to get and send a token."""
    hint = how_to_get_a_token(role)
    error = 'error="invalid_token", ' if invalid else ""
    detail = f"{problem}: {hint}"
    challenge = f'Bearer realm="opsdesk", {error}error_description="{detail.replace("`", "")}"'
    return HTTPException(401, detail, {"WWW-Authenticate": challenge})


class MalformedAuthorizationError(Exception):
    """An Authorization header that is not `Bearer <token>`."""


def bearer_token(header: str) -> str | None:
    """The token an Authorization header's value carries, None when it carries none (an absent or empty
    header); MalformedAuthorizationError when it is not `Bearer <token>`."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise MalformedAuthorizationError
    return token


def api_actor(token: TokenInfo) -> Actor:
    """Who acts through the API: the token, by its name (an admin token may act on anyone's change)."""
    return Actor(token.name, Source.API, admin=token.role is AccessRole.ADMIN)


class Access:
    """What a caller's token allows. `viewer` ... `admin` are the routes' dependencies (FastAPI's
    `Depends`); `viewer` lets anyone in when reads are open (OPSDESK_OPEN_READS)."""

    def __init__(self, context: ApiContext) -> None:
        self.context = context
        self.viewer = Depends(self.require(AccessRole.VIEWER, open_read=True))
        self.any_token = Depends(self.require(AccessRole.VIEWER))
        self.requester = Depends(self.require(AccessRole.REQUESTER))
        self.engineer = Depends(self.require(AccessRole.ENGINEER))
        self.admin = Depends(self.require(AccessRole.ADMIN))

    async def caller(self, request: Request, role: AccessRole | None = None) -> TokenInfo | None:
        """The caller's token, None without one; 401 for a malformed header or an unknown or revoked token."""
        try:
            token = bearer_token(request.headers.get("authorization", ""))
        except MalformedAuthorizationError:
            raise unauthorized(
                "the Authorization header is not `Bearer <token>`", role, invalid=True
            ) from None
        if token is None:
            return None
        cache = self.context.token_cache
        known, info = cache.cached(token)
        if not known:  # not cached: ask the database, off the event loop
            info = await run_in_threadpool(cache.verify, token)
        if info is None:
            raise unauthorized("this token is unknown or revoked", role, invalid=True)
        return info

    def require(
        self, role: AccessRole, *, open_read: bool = False
    ) -> Callable[[Request], Awaitable[TokenInfo]]:
        """A check that the caller's token has `role` (401 without a token, unless `open_read` and reads
        are open; 403 when the role is too low)."""

        async def check(request: Request) -> TokenInfo:
            info = await self.caller(request, role)
            if info is None:
                if open_read and self.context.open_reads:
                    return ANONYMOUS
                raise unauthorized("a token is needed", role)
            if not info.role.allows(role):
                raise HTTPException(403, f"this needs the {role} role; the token has {info.role}")
            return info

        return check

    def cached_read(self, headers: Iterable[tuple[bytes, bytes]]) -> bool:
        """Whether a request with these (ASGI) headers may read as a viewer, known from the token cache
        alone: no database query. False sends the request on to the routes, which decide, asking the
        database when they must, and answer the same."""
        header = next((value for name, value in headers if name == b"authorization"), None)
        try:
            token = bearer_token(header.decode("latin-1")) if header is not None else None
        except MalformedAuthorizationError:
            return False
        if token is None:
            return self.context.open_reads
        known, info = self.context.token_cache.cached(token)
        return known and info is not None and info.role.allows(AccessRole.VIEWER)
