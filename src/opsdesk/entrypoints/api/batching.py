"""Alarm intake under load: triggers that join open incidents are written in batches, one commit each.

An alarm storm sends many events for few incidents. Writing each in its own transaction from its own
thread spends the time on thread hand-offs and commits; here each API process keeps one writer: events
queue while a batch is written, then go together as the next batch (no timer, so a lone event waits for
nothing). An answer is given only after its batch committed; if a batch fails, every event in it gets
the error and nothing of it is stored, so senders retry and nothing is lost or counted twice (a failed
batch is tried again event by event first, so one bad event fails only itself). Events that
would open an incident are handed back to the normal path (`IncidentService.trigger`).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi.concurrency import run_in_threadpool

from opsdesk.domain.incidents.model import Alarm
from opsdesk.domain.timeline import Actor
from opsdesk.services.incidents.intake import Outcome
from opsdesk.services.incidents.service import IncidentService

BATCH_LIMIT = 256


@dataclass
class JoinBatcher:
    # The incident service in force, asked per batch (the policy may change while the API runs).
    service: Callable[[], IncidentService]
    _queue: asyncio.Queue[tuple[Alarm, Actor, asyncio.Future[Outcome | None]]] | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _writer: asyncio.Task[None] | None = field(default=None, repr=False)

    async def trigger(self, alarm: Alarm, actor: Actor) -> Outcome:
        """Join the open incident (in a batch) or, when there is none, open one as usual."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._writer is None or self._writer.done():
            self._loop, self._queue = loop, asyncio.Queue()
            self._writer = loop.create_task(self._write())
        assert self._queue is not None
        answer: asyncio.Future[Outcome | None] = loop.create_future()
        await self._queue.put((alarm, actor, answer))
        joined = await answer
        if joined is not None:
            return joined
        opened = await run_in_threadpool(
            functools.partial(self.service().trigger, alarm, actor, joined_first=False)
        )
        assert opened is not None  # no receipt: always taken
        return opened

    async def _write(self) -> None:
        queue = self._queue
        assert queue is not None
        while True:
            batch = [await queue.get()]
            while not queue.empty() and len(batch) < BATCH_LIMIT:
                batch.append(queue.get_nowait())
            await self._join(batch)

    async def _join(self, batch: list[tuple[Alarm, Actor, asyncio.Future[Outcome | None]]]) -> None:
        """One transaction for the batch; if it fails, each event again on its own, so one bad event
        (or a passing database error) fails only itself."""
        try:
            results = await run_in_threadpool(self.service().join, [(a, who) for a, who, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                if not batch[0][2].done():
                    batch[0][2].set_exception(exc)
                return
            for one in batch:
                await self._join([one])
            return
        for (_, _, answer), result in zip(batch, results, strict=True):
            if not answer.done():
                answer.set_result(result)
