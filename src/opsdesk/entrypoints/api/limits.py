"""Request limits: a body over the limit is refused with 413 before the route sees it."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLargeError(Exception):
    pass


class BodySizeLimit:
    """Refuses bodies over `limit` bytes: by Content-Length at once, or while a chunked body streams in (the
    413 is sent the moment the count passes the limit, whoever was reading the body)."""

    def __init__(self, app: ASGIApp, limit: int, tighter: dict[str, int] | None = None) -> None:
        self.app = app
        self.default = limit
        self.tighter = tighter or {}  # path prefix: a lower limit (alarm intake takes 512 KB, as PagerDuty)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        limit = next((v for prefix, v in self.tighter.items() if path.startswith(prefix)), self.default)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = limit + 1
                if declared > limit:
                    await self._refuse(send, limit, path)
                    return
        seen = 0
        started = refused = False

        async def guarded(message: Message) -> None:
            # Once the 413 is out, what the app answers after its read failed goes nowhere: FastAPI
            # turns a failed read of a body it validates into its own 400.
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        async def counted() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    if not (started or refused):
                        refused = True
                        await self._refuse(send, limit, path)
                    raise BodyTooLargeError
            return message

        try:
            await self.app(scope, counted, guarded)
        except BodyTooLargeError:
            if not refused:
                raise

    async def _refuse(self, send: Send, limit: int, path: str = "") -> None:
        message = f"the request body is over {limit} bytes"
        if path.startswith("/api/v1/events/"):  # PagerDuty's shape for the Events API
            answer: dict[str, object] = {
                "status": "invalid event",
                "message": "Event object is too large",
                "errors": [message],
            }
        else:
            answer = {"detail": message}
        body = json.dumps(answer).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
