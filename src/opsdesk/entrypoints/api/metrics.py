"""Prometheus metrics: requests by route and status (summed over every API process), the outbox and jobs.

Request counts are kept by prometheus_client. With `opsdesk serve --workers N` each process writes its
counts to files in PROMETHEUS_MULTIPROC_DIR (serve makes that folder) and any process answering a scrape
adds them all up, so a counter never jumps back when the scrape lands on another process. The outbox and
job figures come from the database at each scrape, the same whichever process answers.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from opsdesk.entrypoints.api.context import ApiContext

MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR"


class Metrics:
    def __init__(self, context: ApiContext) -> None:
        self.context = context
        self._registry = CollectorRegistry()
        self.requests = Counter(
            "opsdesk_http_requests",
            "HTTP requests answered, by method, route and status.",
            ["method", "route", "status"],
            registry=self._registry,
        )

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """Counts every answer by method, route template and status (a plain ASGI wrapper: cheap)."""

        async def counted(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            counted_yet = False

            def count(status: int) -> None:
                nonlocal counted_yet
                counted_yet = True
                path = str(scope.get("opsdesk.route") or getattr(scope.get("route"), "path", "unmatched"))
                self.requests.labels(scope["method"], path, str(status)).inc()

            async def watch(message: Message) -> None:
                # Counted before the answer leaves: a client that scrapes /metrics after its answer (from
                # any API process) sees its own request counted.
                if message["type"] == "http.response.start" and not counted_yet:
                    count(message["status"])
                await send(message)

            try:
                await app(scope, receive, watch)
            finally:
                if not counted_yet:  # no answer was started: counted as the error it is
                    count(500)

        return counted

    def _requests(self) -> str:
        if os.environ.get(MULTIPROCESS):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry).decode()
        return generate_latest(self._registry).decode()

    def render(self) -> str:
        lines = [self._requests().rstrip("\n")]
        now = self.context.clock.now()
        outbox = self.context.outbox
        counts = outbox.counts(now)
        lines += [
            "# HELP opsdesk_outbox_rows Outbox rows by state (due: pending and due now; held: pending, waiting "
            "for a retry; in_doubt: an attempt's outcome is unknown and is checked before any resend).",
            "# TYPE opsdesk_outbox_rows gauge",
        ]
        lines += [
            f'opsdesk_outbox_rows{{state="{state}"}} {count}' for state, count in sorted(counts.items())
        ]
        lines += [
            "# HELP opsdesk_outbox_lag_seconds Age of the oldest due, undelivered outbox row.",
            "# TYPE opsdesk_outbox_lag_seconds gauge",
            f"opsdesk_outbox_lag_seconds {outbox.lag(now):.3f}",
            "# HELP opsdesk_outbox_held_seconds How long until the furthest held-back row is tried again.",
            "# TYPE opsdesk_outbox_held_seconds gauge",
            f"opsdesk_outbox_held_seconds {outbox.held_for(now):.3f}",
        ]
        lines += self._policy()
        jobs = self.context.jobs.counts(now)
        lines += [
            "# HELP opsdesk_jobs Jobs by state (due: pending and due now; claimed: held by a worker).",
            "# TYPE opsdesk_jobs gauge",
        ]
        lines += [f'opsdesk_jobs{{state="{state}"}} {count}' for state, count in sorted(jobs.items())]
        return "\n".join(lines) + "\n"

    def _policy(self) -> list[str]:
        status = self.context.live.status()
        refused = status.refused
        return [
            "# HELP opsdesk_policy_info The policy version in force in the process that answered (always 1).",
            "# TYPE opsdesk_policy_info gauge",
            f'opsdesk_policy_info{{version="{status.version}"}} 1',
            "# HELP opsdesk_policy_loaded_timestamp_seconds When the policy in force was put in force.",
            "# TYPE opsdesk_policy_loaded_timestamp_seconds gauge",
            f"opsdesk_policy_loaded_timestamp_seconds {status.loaded_at.timestamp():.3f}",
            "# HELP opsdesk_policy_reloads_total New policies put in force since the process started.",
            "# TYPE opsdesk_policy_reloads_total counter",
            f"opsdesk_policy_reloads_total {status.reloads}",
            "# HELP opsdesk_policy_refused 1 while the policy file on disk is refused (the version in force is "
            "the last good one; /readyz lists the problems).",
            "# TYPE opsdesk_policy_refused gauge",
            f'opsdesk_policy_refused{{version="{refused.version}"}} 1'
            if refused is not None
            else 'opsdesk_policy_refused{version=""} 0',
        ]
