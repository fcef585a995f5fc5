"""The worker loop shared by `opsdesk worker` and `opsdesk serve`: deliver the outbox, run due jobs."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from opsdesk.services.delivery import Deliverer
from opsdesk.services.jobs import JobRunner

logger = logging.getLogger("opsdesk.worker")
FAILURE_PAUSE = 5.0  # seconds to wait after a pass failed (the database away, say) before the next


def run_worker(
    deliverer: Deliverer, jobs: JobRunner, stopping: threading.Event, *, idle: float, once: bool = False
) -> None:
    """Pass after pass until `stopping` is set; sleep `idle` seconds when a pass found nothing to do.

    Jobs run on a thread of their own beside the deliveries (one pass of each with `once`), so the next
    pages of a storm are written while a slow vendor keeps a send waiting. A failed pass is logged and
    retried after a pause, so a database blip never ends the worker. On the way out, rows and jobs claimed
    but not finished are released for another worker at once.
    """
    deliverer.stopping = stopping  # a stop ends the batch in hand after its current row
    if once:
        try:
            deliverer.run_once()
            jobs.run_once()
        finally:
            deliverer.stop()
            jobs.stop()
        return
    beside = threading.Thread(
        target=_passes, args=(jobs.run_once, jobs.stop, stopping, idle), name="jobs", daemon=True
    )
    beside.start()
    try:
        _passes(deliverer.run_once, deliverer.stop, stopping, idle)
    finally:
        stopping.set()
        beside.join()


def _passes(
    run_once: Callable[[], int], stop: Callable[[], None], stopping: threading.Event, idle: float
) -> None:
    try:
        while not stopping.is_set():
            try:
                handled = run_once()
            except Exception:
                logger.exception("a worker pass failed; trying again in %s s", FAILURE_PAUSE)
                stopping.wait(FAILURE_PAUSE)
                continue
            if not handled:
                stopping.wait(idle)
    finally:
        stop()
