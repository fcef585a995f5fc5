"""Requests taken in once: a receipt per key (a signed request's signature), so a request captured and sent
again is told apart from a new one. A receipt is a row of the receipts table, kept in its own unit of work."""

from __future__ import annotations

from dataclasses import dataclass

from opsdesk.services.clock import Clock
from opsdesk.services.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class RequestReceipts:
    uow: UnitOfWorkFactory
    clock: Clock

    def first(self, key: str) -> bool:
        """True the first time `key` is seen (its receipt is kept); False every time after."""
        with self.uow() as uow:
            fresh = uow.receipts.receipt(key, self.clock.now())
            uow.commit()
            return fresh
