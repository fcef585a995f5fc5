"""The handover use cases as one object: making (MakingSteps), acting (ActingSteps), and the reads below."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta

from opsdesk.domain.errors import UnknownHandoverError
from opsdesk.domain.handover.model import HandoverKind, HandoverRecord
from opsdesk.domain.handover.moments import handover_for
from opsdesk.domain.instants import wall_to_utc
from opsdesk.domain.jobs import Job
from opsdesk.services.handover.acting import ActingSteps
from opsdesk.services.handover.context import CHASE_JOB, MAKE_JOB
from opsdesk.services.handover.making import MakingSteps

LIST_LIMIT = 500
EVER = timedelta(days=3660)  # how far back `show` and `list` look


class HandoverService(MakingSteps, ActingSteps):
    def jobs(self) -> Mapping[str, Callable[[Job], None]]:
        """The job kinds the handover runs, and their handlers."""
        return {MAKE_JOB: self.run_make, CHASE_JOB: self.run_chase}

    def get(self, handover_id: int) -> HandoverRecord:
        with self.transaction() as uow:
            return self._get(uow, handover_id)

    def on(self, day: date | None, kind: HandoverKind = HandoverKind.HANDOVER) -> HandoverRecord:
        """The record of `kind` made on `day` (the team's date; by default the latest one kept)."""
        with self.transaction() as uow:
            if day is None:
                now = self.clock.now()
                found = uow.handovers.between(now - EVER, now + timedelta(days=1), kind, 1)
                if not found:
                    raise UnknownHandoverError(
                        f"no {kind} has been made yet: the first is made at the end of the next support "
                        "window; `opsdesk handover preview --at now` shows what it would say"
                    )
                return found[0]
            tz = self.rota.engine.timezone
            start = wall_to_utc(datetime.combine(day, time()), tz)
            end = wall_to_utc(datetime.combine(day + timedelta(days=1), time()), tz)
            found = uow.handovers.between(start, end, kind, 1)
        if found:
            return found[0]
        raise UnknownHandoverError(self._none_on(day, kind, start))

    def _none_on(self, day: date, kind: HandoverKind, start: datetime) -> str:
        said = f"no {kind} was made on {day:%a %d %b %Y}"
        if kind is HandoverKind.HANDOVER:
            covering = handover_for(self.rota.engine, self.policy, start + timedelta(hours=12))
            if covering is not None:
                made = covering.at.astimezone(self.rota.engine.timezone)
                if made.date() != day:
                    return (
                        f"{said}; that day is covered by the handover of {made:%a %d %b %H:%M}: "
                        f"`opsdesk handover show --date {made.date().isoformat()}`"
                    )
        return f"{said}; `opsdesk handover list` shows the ones kept"

    def records(self, kind: HandoverKind | None = None, limit: int = 50) -> list[HandoverRecord]:
        """Records kept, the latest first."""
        limit = max(1, min(limit, LIST_LIMIT))
        now = self.clock.now()
        with self.transaction() as uow:
            return uow.handovers.between(now - EVER, now + timedelta(days=1), kind, limit)
