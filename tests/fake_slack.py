"""A local fake of Slack's Web API `chat.postMessage`, as Slack documents it, with scripted failures."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

TOKEN = "xoxb-test-token"


@dataclass
class FakeSlack:
    """Answers like Slack: 200 {"ok": true, ...}; scripted 429 (with Retry-After), 5xx or {"ok": false}."""

    server: HTTPServer
    script: list[tuple[int, dict[str, object], dict[str, str]]] = field(default_factory=list)
    delivered: list[dict[str, object]] = field(default_factory=list)
    attempts: int = 0
    hold: Callable[[dict[str, object]], bool] | None = None  # True: keep this request waiting, then 503
    _lock: threading.Lock = field(default_factory=threading.Lock)
    released: threading.Event = field(default_factory=threading.Event)
    holding: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return self.server.url_for("/api/")

    def install(self) -> None:
        self.server.expect_request("/api/chat.postMessage", method="POST").respond_with_handler(self._handle)

    def _handle(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _json(200, {"ok": False, "error": "not_authed"})
        body = _body(request)
        with self._lock:
            self.attempts += 1
            scripted = self.script.pop(0) if self.script else None
        if self.hold is not None and self.hold(body):
            self.holding.set()
            self.released.wait(30)
            return _json(503, {"ok": False, "error": "service_unavailable"})
        if scripted is not None:
            status, payload, headers = scripted
            return _json(status, payload, headers)
        with self._lock:
            self.delivered.append(body)
        return _json(200, {"ok": True, "channel": body.get("channel"), "ts": f"{len(self.delivered)}.000100"})


def _body(request: Request) -> dict[str, object]:
    raw = request.get_data(as_text=True)
    if request.mimetype == "application/json":
        loaded: dict[str, object] = json.loads(raw or "{}")
        return loaded
    return {k: v[0] for k, v in parse_qs(raw).items()}


def _json(status: int, payload: dict[str, object], headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(payload), status=status, headers=headers or {}, content_type="application/json"
    )
