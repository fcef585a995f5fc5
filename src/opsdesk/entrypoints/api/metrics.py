"""Prometheus metrics: requests by route and status, outbox and job counts, outbox lag."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from fastapi import Request, Response

if TYPE_CHECKING:
    from opsdesk.bootstrap.api import ApiContext


class Metrics:
    def __init__(self, context: ApiContext) -> None:
        self.context = context
        self.requests: Counter[tuple[str, str, int]] = Counter()

    async def middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        self.requests[(request.method, path, response.status_code)] += 1
        return response

    def render(self) -> str:
        lines = [
            "# HELP opsdesk_http_requests_total HTTP requests answered, by method, route and status.",
            "# TYPE opsdesk_http_requests_total counter",
        ]
        for (method, path, status), count in sorted(self.requests.items()):
            lines.append(
                f'opsdesk_http_requests_total{{method="{method}",route="{path}",status="{status}"}} {count}'
            )
        now = self.context.clock.now()
        counts = self.context.outbox.counts(now)
        lines += [
            "# HELP opsdesk_outbox_rows Outbox rows by state (due: pending and due now).",
            "# TYPE opsdesk_outbox_rows gauge",
        ]
        lines += [
            f'opsdesk_outbox_rows{{state="{state}"}} {count}' for state, count in sorted(counts.items())
        ]
        lag = self.context.outbox.lag(now)
        lines += [
            "# HELP opsdesk_outbox_lag_seconds Age of the oldest due, undelivered outbox row.",
            "# TYPE opsdesk_outbox_lag_seconds gauge",
            f"opsdesk_outbox_lag_seconds {lag:.3f}",
        ]
        return "\n".join(lines) + "\n"
