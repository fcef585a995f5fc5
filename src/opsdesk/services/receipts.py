"""Requests taken in once: a receipt per key (a signed request's signature), so a request captured and sent
again is told apart from a new one. A receipt is a row of the receipts table, kept in its own unit of work.

A receipt that only needs to outlive a signature's window (Slack's five minutes) is forgotten once that has
passed, so the table does not grow with every request: about one request in `FORGET_EVERY` (chosen by its
key's hash, the same on every replica, no state kept) also forgets the expired receipts of its kind."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from opsdesk.services.clock import Clock
from opsdesk.services.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class RequestReceipts:
    uow: UnitOfWorkFactory
    clock: Clock

    def first(self, key: str, *, expiring: tuple[str, timedelta] | None = None) -> bool:
        """True the first time `key` is seen (its receipt is kept); False every time after. With `expiring`
        (a prefix of `key` and how long such receipts matter), the expired receipts under that prefix are
        forgotten now and then."""
        now = self.clock.now()
        with self.uow() as uow:
            fresh = uow.receipts.receipt(key, now)
            if expiring is not None and fresh and _forgets(key):
                prefix, lasting = expiring
                uow.receipts.forget(prefix, now - lasting)
            uow.commit()
            return fresh


FORGET_EVERY = 64


def _forgets(key: str) -> bool:
    return hashlib.sha256(key.encode()).digest()[0] % FORGET_EVERY == 0
