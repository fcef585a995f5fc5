"""The worker loop shared by `opsdesk worker` and `opsdesk serve`: deliver the outbox, run due jobs."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from opsdesk.services.delivery import Deliverer, Lane
from opsdesk.services.jobs import JobRunner

logger = logging.getLogger("opsdesk.worker")
FAILURE_PAUSE = 5.0  # seconds to wait after a pass failed (the database away, say) before the next
OTHERS_WAIT = 2.0  # seconds the other messages wait, at most, while pages are going out
# After this many passes in a row that found nothing (and were not woken), a lane or the jobs look
# QUIET_FACTOR times less often, never less often than every QUIET_LONGEST seconds (nor than `idle`):
# messages this process stores wake its lanes at once and the jobs wake when the next is due, so only
# what other processes store waits longer.
QUIET_AFTER = 25
QUIET_FACTOR = 4
QUIET_LONGEST = 1.0


def run_worker(
    deliverer: Deliverer, jobs: JobRunner, stopping: threading.Event, *, idle: float, once: bool = False
) -> None:
    """Pass after pass until `stopping` is set; when a pass found nothing to do, wait `idle` seconds, or
    less: the jobs until the next one is due, a lane until this process stores messages (its jobs, its
    requests), or longer once it has been idle a while (QUIET_AFTER).

    Three threads: the pages' lane (SMS and calls, side by side), every other message in turn, and the
    jobs; so the pages of a storm are neither queued behind a slow Slack post nor behind the jobs that write
    the next ones. A failed pass is logged and retried after a pause, so a database blip never ends the
    worker. On the way out, rows and jobs claimed but not finished are released for another worker at once.
    With `once`: one pass of each, one after the other.
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
    lanes = [deliverer.for_lane(Lane.PAGES), deliverer.for_lane(Lane.OTHERS)]
    wakes = [threading.Event() for _ in lanes]
    quiet = threading.Event()  # set while the pages' lane finds nothing to send

    def run_pages() -> int:
        sent = lanes[0].run_once()
        if sent:
            quiet.clear()
        else:
            quiet.set()
        return sent

    def run_others() -> int:
        # Pages first: while a storm's pages go out, the other messages wait (a while at most), so
        # the two lanes do not share the process (and SQLite's one writer) when someone must be woken.
        quiet.wait(OTHERS_WAIT)
        return lanes[1].run_once()

    def run_jobs() -> int:
        ran = jobs.run_once()
        if ran:  # they may have written pages and posts: the lanes look now, not after their pause
            for wake in wakes:
                wake.set()
        return ran

    quiet_idle = max(idle, min(idle * QUIET_FACTOR, QUIET_LONGEST))
    passes = [
        (run_pages, lanes[0].stop, lambda long: quiet_idle if long else idle, wakes[0]),
        (run_others, lanes[1].stop, lambda long: quiet_idle if long else idle, wakes[1]),
        (run_jobs, jobs.stop, lambda long: jobs.pause(quiet_idle if long else idle), threading.Event()),
    ]
    threads = [
        threading.Thread(target=_passes, args=(*each, stopping), name=name, daemon=True)
        for each, name in zip(passes[1:], ["deliver-others", "jobs"], strict=True)
    ]
    if deliverer.written is not None:  # a message stored by this process: the lanes look at once
        for wake in wakes:
            deliverer.written.subscribe(wake)
    waker = threading.Thread(
        target=_wake_on_stop, args=(stopping, [*(p[3] for p in passes), quiet]), daemon=True
    )
    waker.start()
    for thread in threads:
        thread.start()
    try:
        _passes(*passes[0], stopping)
    finally:
        stopping.set()
        for thread in threads:
            thread.join()
        if deliverer.written is not None:
            for wake in wakes:
                deliverer.written.unsubscribe(wake)


def _wake_on_stop(stopping: threading.Event, wakes: list[threading.Event]) -> None:
    stopping.wait()
    for wake in wakes:
        wake.set()


def _passes(
    run_once: Callable[[], int],
    stop: Callable[[], None],
    pause: Callable[[bool], float],
    wake: threading.Event,
    stopping: threading.Event,
) -> None:
    """Pass after pass; after one that found nothing, wait (`pause`, told whether it has been quiet for
    QUIET_AFTER passes: then it looks less often, until a pass finds something or it is woken)."""
    idle_passes = 0
    try:
        while not stopping.is_set():
            woken = wake.is_set()
            wake.clear()
            try:
                handled = run_once()
            except Exception:
                logger.exception("a worker pass failed; trying again in %s s", FAILURE_PAUSE)
                stopping.wait(FAILURE_PAUSE)
                continue
            idle_passes = 0 if handled or woken else idle_passes + 1
            if not handled and not stopping.is_set():
                wake.wait(pause(idle_passes > QUIET_AFTER))
    finally:
        stop()
