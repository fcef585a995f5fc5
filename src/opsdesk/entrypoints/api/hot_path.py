"""The hot path: cover and who-is-on-duty for "now", computed once a second and served to every caller that
second, straight from the ASGI server when the caller's token is already cached (no database query)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from starlette.types import ASGIApp, Receive, Scope, Send

from opsdesk.entrypoints.api.auth import Access
from opsdesk.entrypoints.api.context import ApiContext

Builders = dict[str, Callable[[datetime], dict[str, Any]]]


class NowAnswers:
    """Cover and who-is-on-duty for "now": computed once a second, served to every caller that second.

    `hot_path` answers `GET /api/v1/oncall` and `/api/v1/cover` without parameters straight from this
    cache when the token is already known to allow it, before FastAPI's routing; anything else (no token,
    an unknown or revoked one, parameters) goes through the normal route, which gives the same body.
    """

    HOT: ClassVar[dict[str, str]] = {"/api/v1/oncall": "oncall", "/api/v1/cover": "cover"}

    def __init__(self, context: ApiContext, access: Access, build: Builders) -> None:
        self.context = context
        self.access = access
        self.build = build
        self._cache: dict[str, tuple[int, object, bytes]] = {}

    def body(self, kind: str) -> bytes:
        """The answer for this second under the policy in force (a new policy is answered at once)."""
        now = self.context.clock.now()
        second = int(now.timestamp())
        app = self.context.app
        cached = self._cache.get(kind)
        if cached is None or cached[0] != second or cached[1] is not app:
            body = json_bytes(self.build[kind](now.replace(microsecond=0)))
            cached = self._cache[kind] = (second, app, body)
        return cached[2]

    def hot_path(self, app: ASGIApp) -> ASGIApp:
        allowed = self.access.cached_read

        async def serve(scope: Scope, receive: Receive, send: Send) -> None:
            kind = self.HOT.get(scope.get("path", "")) if scope["type"] == "http" else None
            if (
                kind is not None
                and scope["method"] == "GET"
                and not scope["query_string"]
                and allowed(scope["headers"])
            ):
                scope["opsdesk.route"] = scope["path"]
                body = self.body(kind)
                headers = [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await app(scope, receive, send)

        return serve


def json_bytes(value: object) -> bytes:
    """Compact UTF-8 JSON, as the hot path serves it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
