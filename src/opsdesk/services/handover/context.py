"""What every handover use case shares: the unit of work, the rota, the policy, the clock, the notifier,
the team, and the GitHub reader of the digest; and the moments the policy in force makes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from opsdesk.domain.errors import UnknownHandoverError
from opsdesk.domain.handover.model import (
    GitHubSection,
    HandoverKind,
    HandoverPolicy,
    HandoverRecord,
    Moment,
    Person,
)
from opsdesk.domain.handover.moments import moments
from opsdesk.domain.people import People
from opsdesk.domain.rota import Role, holding
from opsdesk.domain.support.model import SupportPolicy
from opsdesk.services.clock import Clock
from opsdesk.services.notifier import Notifier
from opsdesk.services.rota import RotaService
from opsdesk.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

MAKE_JOB = "handover-make"
CHASE_JOB = "handover-chase"
PLANNED = "handover:planned-through"  # the receipts mark: moments up to here have their jobs
PLAN_AHEAD = timedelta(days=2)  # jobs exist this far ahead, so a service down at 16:00 finds its job
PLAN_BACK = timedelta(days=7)  # after a long stop, moments this far back are still recorded as missed
TICK = timedelta(microseconds=1)


class GitHubDigest(Protocol):
    """The digest's GitHub part: never raises for a vendor failure (the section says what went wrong)."""

    def read(self, repositories: Sequence[str], since: datetime) -> GitHubSection: ...


@dataclass
class HandoverContext:
    uow: UnitOfWorkFactory
    rota: RotaService
    policy: HandoverPolicy
    clock: Clock
    notifier: Notifier
    people: People
    github: Callable[[], GitHubDigest]  # built when a digest is made
    support: SupportPolicy = field(default_factory=SupportPolicy)  # the board's targets, in support hours

    @contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        """One unit of work, committed when the block ends without an exception (rolled back else)."""
        with self.uow() as uow:
            yield uow
            uow.commit()

    def moments(self, start: datetime, end: datetime) -> list[Moment]:
        return moments(self.rota.engine, self.rota.rota.turn, self.policy, start, end)

    def current(self, kind: HandoverKind, at: datetime) -> Moment | None:
        """The moment of `kind` at `at` under the policy in force (None: the policy no longer makes it)."""
        return next((m for m in self.moments(at, at + TICK) if m.kind is kind), None)

    def previous(self, kind: HandoverKind, at: datetime) -> Moment | None:
        """The moment of `kind` before `at`, if any within three weeks."""
        earlier = [m for m in self.moments(at - timedelta(days=21), at) if m.kind is kind]
        return earlier[-1] if earlier else None

    def person(self, engineer_id: str | None) -> Person | None:
        found = self.people.by_id(engineer_id)
        return Person(found.id, found.name) if found is not None else None

    def holder(self, role: Role, at: datetime) -> Person | None:
        held = holding(self.rota.rota, role, at, self.rota.engine.timezone)
        return self.person(held.engineer)

    def _get(self, uow: UnitOfWork, handover_id: int) -> HandoverRecord:
        found = uow.handovers.get(handover_id)
        if found is None:
            raise UnknownHandoverError(
                f"no handover #{handover_id}: `opsdesk handover list` shows the ones kept"
            )
        return found
