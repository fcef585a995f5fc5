"""The support-request use cases as one object: the board's steps (board.py), GitHub (github.py), chat
messages (from_chat.py), and the reads below: the board, one request, what is untriaged, what breaches the triage target, the report."""

from __future__ import annotations

from datetime import datetime

from opsdesk.domain.support.model import (
    Comment,
    Status,
    SupportRequest,
    Triage,
    TriageBreach,
    Waits,
)
from opsdesk.domain.support.report import Figures, support_report, waits
from opsdesk.domain.support.workflow import status_of
from opsdesk.domain.timeline import TimelineEntry
from opsdesk.services.support.from_chat import ChatSteps

LIST_LIMIT = 1000


class SupportService(ChatSteps):
    def request(self, request_id: int) -> SupportRequest:
        with self.transaction() as uow:
            return self._get(uow, request_id)

    def history(self, request_id: int) -> list[TimelineEntry]:
        with self.transaction() as uow:
            self._get(uow, request_id)
            return uow.support.history(request_id)

    def comments(self, request_id: int) -> list[Comment]:
        with self.transaction() as uow:
            self._get(uow, request_id)
            return uow.support.comments(request_id)

    def requests(
        self,
        status: Status | str | None = None,
        *,
        label: str | None = None,
        assignee: str | None = None,
        triage: Triage | None = None,
        limit: int = 100,
    ) -> list[SupportRequest]:
        """The board, the newest first; `assignee` by any name the engineer is known by."""
        wanted = status if status is None or isinstance(status, Status) else status_of(status)
        engineer = self.people.find(assignee) if assignee else None
        who = engineer.id if engineer is not None else assignee
        with self.transaction() as uow:
            return uow.support.requests(
                wanted, label=label, assignee=who, triage=triage, limit=max(1, min(limit, LIST_LIMIT))
            )

    def waits(self, request: SupportRequest) -> Waits:
        """How long `request` waited to triage, a first response and done, in support hours, until now."""
        return waits(request, self.clock.now(), self.policy, self.elapsed)

    def untriaged(self, limit: int = 200) -> list[SupportRequest]:
        """Requests on the board nobody has triaged, the oldest first (for the handover and the digest)."""
        with self.transaction() as uow:
            return uow.support.untriaged(limit)

    def triage_breaches(self, at: datetime | None = None) -> list[TriageBreach]:
        """Untriaged requests waiting longer than the triage target in support hours at `at` (default now),
        the longest wait first. A declined request reopened is untriaged again but not a breach: its time to
        triage was measured at its first triage."""
        now = at or self.clock.now()
        found = []
        for request in self.untriaged(limit=LIST_LIMIT):
            if request.triaged_at is not None:
                continue
            waited = self.elapsed(request.created_at, now)
            if waited > self.policy.triage:
                found.append(TriageBreach(request, waited))
        return sorted(found, key=lambda b: (-b.waited, b.request.id))

    def report(self, start: datetime, end: datetime) -> dict[str, dict[str, Figures]]:
        """Requests that arrived in [start, end): time to triage, first response and done in support hours
        (median, 90th percentile) and how many missed each target, by label, by engineer and in all."""
        now = self.clock.now()
        with self.transaction() as uow:
            found = uow.support.created_between(start, end)
        return support_report(((r, waits(r, now, self.policy, self.elapsed)) for r in found), self.policy)
