"""Delivery and jobs inside each API process of `opsdesk serve --workers N`: every process delivers, so a
storm of pages is written and sent by all the cores, not by one (the leases keep each row and job to one
process). Started and stopped with the app's ASGI lifespan.

The process's requests run on at most `api_threads` threads (the server's default is 40): in a storm,
forty threads taking triggers would leave the delivery threads a fortieth of the process (one thread
at a time runs Python), and the pages would wait behind the intake."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio

from opsdesk.bootstrap.live import LivePolicy
from opsdesk.bootstrap.workers import worker_name
from opsdesk.services.worker import run_worker

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]
IDLE = 0.2  # seconds between looks when idle, as in the serving process
API_THREADS = 8  # requests run side by side in one process, at most (serve --api-threads)


class Delivering:
    """`app`, with `threads` workers (outbox lanes and jobs) running from startup to shutdown, and its
    requests on at most `api_threads` threads."""

    def __init__(self, app: Asgi, live: LivePolicy, threads: int, api_threads: int = API_THREADS) -> None:
        self._app = app
        self._live = live
        self._count = threads
        self._api_threads = api_threads
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self._app(scope, receive, send)
            return

        async def lifespan() -> Message:
            message = await receive()
            if message["type"] == "lifespan.startup":
                anyio.to_thread.current_default_thread_limiter().total_tokens = self._api_threads
                self.start()
            elif message["type"] == "lifespan.shutdown":
                await anyio.to_thread.run_sync(self.stop)
            return message

        await self._app(scope, lifespan, send)

    def start(self) -> None:
        for n in range(self._count):
            owner = f"{worker_name()}:{n}"
            thread = threading.Thread(
                target=run_worker,
                args=(self._live.deliverer(owner=owner), self._live.job_runner(owner=owner), self._stopping),
                kwargs={"idle": IDLE},
                name=f"delivery-{n}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Finish the row or job in hand, give back the rest."""
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=30)
