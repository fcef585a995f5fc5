"""Prometheus metrics: requests by route and status, outbox counts, outbox lag."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from opsdesk.bootstrap.api import ApiContext


class Metrics:
    def __init__(self, context: ApiContext) -> None:
        self.context = context
        self.requests: Counter[tuple[str, str, int]] = Counter()

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """Counts every answer by method, route template and status (a plain ASGI wrapper: cheap)."""

        async def counted(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            status = 500

            async def watch(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            try:
                await app(scope, receive, watch)
            finally:
                path = str(scope.get("opsdesk.route") or getattr(scope.get("route"), "path", "unmatched"))
                self.requests[(scope["method"], path, status)] += 1

        return counted

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
        jobs = self.context.jobs.counts(now)
        lines += [
            "# HELP opsdesk_jobs Jobs by state (due: pending and due now; claimed: held by a worker).",
            "# TYPE opsdesk_jobs gauge",
        ]
        lines += [f'opsdesk_jobs{{state="{state}"}} {count}' for state, count in sorted(jobs.items())]
        return "\n".join(lines) + "\n"
