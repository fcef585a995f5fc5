"""A local PagerDuty Events API v2 over HTTPS, answering as its documentation says.

POST /v2/enqueue: 202 {"status": "success", "message": "Event processed", "dedup_key": ...}; 400
{"status": "invalid event", ...} for a bad event (the routing key must be 32 characters); scripted
failures (429 with Retry-After, 5xx) first when asked. Alerts are kept by dedup key, as PagerDuty does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

ROUTING_KEY = "R0UT1NGKEY0123456789ABCDEFGHIJKL"


@dataclass
class FakePagerDuty:
    server: HTTPServer
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    alerts: dict[str, int] = field(default_factory=dict)  # dedup key: events folded into it

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def handle(self, request: Request) -> Response:
        if self.script:
            status, headers = self.script.pop(0)
            return Response(json.dumps({"status": "error", "message": "scripted"}), status, headers)
        event = json.loads(request.get_data())
        errors = []
        if len(str(event.get("routing_key", ""))) != 32:
            errors.append("Length of 'routing_key' is incorrect (should be 32 characters)")
        if event.get("event_action") not in ("trigger", "acknowledge", "resolve"):
            errors.append("'event_action' is invalid")
        if errors:
            body = {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
            return Response(json.dumps(body), 400, content_type="application/json")
        self.events.append(event)
        key = event.get("dedup_key") or f"generated-{len(self.events)}"
        self.alerts[key] = self.alerts.get(key, 0) + 1
        body = {"status": "success", "message": "Event processed", "dedup_key": key}
        return Response(json.dumps(body), 202, content_type="application/json")
