"""The SMTP listener on a thread of its own, with its own event loop: `opsdesk smtp` runs it alone, and
`opsdesk serve` starts it beside the HTTP API when the policy enables email."""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from opsdesk.entrypoints.smtp.handler import IntakeHandler, IntakeSMTP

if TYPE_CHECKING:
    from opsdesk.bootstrap.application import Application

logger = logging.getLogger("opsdesk.smtp")
# Messages stored at once, each in its own unit of work. SQLite takes one writer at a time: more threads only
# wait on its lock (p99 of DATA 580 ms with 8 against 55 ms with 1, benchmarks/bench_email_intake.py).
STORE_THREADS = 4
ANSWER_GRACE = 0.2  # seconds for the last answers to go out as the listener stops


class ListenerError(RuntimeError):
    """The listener could not start (the port is taken, the certificate cannot be read)."""


class Listener:
    def __init__(self, current: Callable[[], Application], host: str, port: int) -> None:
        self.current, self.host, self.port = current, host, port
        threads = 1 if current().deployment.database_url.startswith("sqlite") else STORE_THREADS
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="smtp-store")
        self._handler = IntakeHandler(current, self._executor)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.base_events.Server | None = None

    def _factory(self) -> IntakeSMTP:
        policy = self.current().policy.email
        return IntakeSMTP(
            self._handler,
            policy,
            hostname=policy.hostname,
            ident="opsdesk",
            enable_SMTPUTF8=True,
            auth_exclude_mechanism=["LOGIN", "PLAIN"],  # no AUTH: the relay is trusted by address
            decode_data=False,
            tls_context=_tls(policy.certificate, policy.private_key),
        )

    def start(self) -> Listener:
        """Bind and serve; ListenerError when the port cannot be bound or the certificate not read."""
        policy = self.current().policy.email
        _tls(policy.certificate, policy.private_key)  # fail now, not at the first connection
        # aiosmtpd logs each command it reads (an AUTH line would carry a password): our own lines say what
        # became of each message.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        loop = self._loop = asyncio.new_event_loop()
        try:
            self._server = loop.run_until_complete(loop.create_server(self._factory, self.host, self.port))
        except OSError as exc:
            loop.close()
            why = os.strerror(exc.errno).lower() if exc.errno else str(exc)
            raise ListenerError(
                f"cannot listen for email on {self.host}:{self.port} ({why}); choose another port with "
                "`opsdesk smtp --port` or email.port in the policy"
            ) from None
        self.port = self._server.sockets[0].getsockname()[1]
        self._thread = threading.Thread(target=loop.run_forever, name="smtp", daemon=True)
        self._thread.start()
        logger.info("listening for email", extra={"address": f"{self.host}:{self.port}"})
        return self

    def stop(self) -> None:
        """Stop taking connections; messages being stored finish first and get their answer."""
        loop, server = self._loop, self._server
        if loop is None or server is None:
            return
        # On the loop's own thread: asyncio is not thread-safe, and a connection ending as the server
        # closes would otherwise race it (Server._wakeup run twice).
        asyncio.run_coroutine_threadsafe(_close(server), loop).result(timeout=10)
        self._executor.shutdown(wait=True)  # the stores in hand commit
        # Let the loop send their answers before it stops.
        asyncio.run_coroutine_threadsafe(asyncio.sleep(ANSWER_GRACE), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        loop.close()
        self._loop = self._server = None


async def _close(server: asyncio.Server) -> None:
    server.close()


def _tls(certificate: str | None, private_key: str | None) -> ssl.SSLContext | None:
    """STARTTLS when the policy names a certificate and its key."""
    if not certificate or not private_key:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(certificate, private_key)
    except (OSError, ssl.SSLError) as exc:
        raise ListenerError(
            f"cannot read the STARTTLS certificate {certificate} or its key ({exc}); fix email.certificate "
            "and email.private-key in the policy"
        ) from None
    return context
