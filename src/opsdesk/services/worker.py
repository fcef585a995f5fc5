"""The worker loop shared by `opsdesk worker` and `opsdesk serve`: deliver the outbox, run due jobs."""

from __future__ import annotations

import logging
import threading

from opsdesk.services.delivery import Deliverer
from opsdesk.services.jobs import JobRunner

logger = logging.getLogger("opsdesk.worker")
FAILURE_PAUSE = 5.0  # seconds to wait after a pass failed (the database away, say) before the next


def run_worker(
    deliverer: Deliverer, jobs: JobRunner, stopping: threading.Event, *, idle: float, once: bool = False
) -> None:
    """Pass after pass until `stopping` is set; sleep `idle` seconds when a pass found nothing to do.

    A failed pass is logged and retried after a pause, so a database blip never ends the worker. On the
    way out, rows and jobs claimed but not finished are released for another worker at once.
    """
    deliverer.stopping = stopping  # a stop ends the batch in hand after its current row
    try:
        while not stopping.is_set():
            try:
                handled = deliverer.run_once() + jobs.run_once()
            except Exception:
                logger.exception("a worker pass failed; trying again in %s s", FAILURE_PAUSE)
                if once:
                    raise
                stopping.wait(FAILURE_PAUSE)
                continue
            if once:
                return
            if not handled:
                stopping.wait(idle)
    finally:
        deliverer.stop()
        jobs.stop()
