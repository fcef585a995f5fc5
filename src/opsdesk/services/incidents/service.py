"""The incident use cases as one object: intake, people acting, escalation jobs, and reading.

Every change happens in one unit of work with its timeline entry, its outgoing messages (the outbox,
through the notifier) and its timed follow-ups (jobs), so a crash never leaves a page sent for an
incident that was not stored, nor an incident without its escalation.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from opsdesk.domain.incidents.model import Incident, IncidentState
from opsdesk.domain.incidents.report import Figures, incident_report
from opsdesk.domain.incidents.timeline import PAGE_LIMIT, TimelinePage, check_page
from opsdesk.domain.timeline import TimelineEntry
from opsdesk.services.incidents.context import TIMELINE_PAGE
from opsdesk.services.incidents.email import EmailSteps
from opsdesk.services.incidents.from_chat import ChatSteps
from opsdesk.services.incidents.from_phone import PhoneSteps


class IncidentService(ChatSteps, EmailSteps, PhoneSteps):
    """Alarms in (IntakeSteps), email in (EmailSteps), forms in a chat (ChatSteps), people acting
    (ActionSteps), escalation jobs (EscalationSteps), failed pages moving on (FailoverSteps), acting
    from a phone (PhoneSteps), and the reads below."""

    def incident(self, incident_id: int) -> Incident:
        with self.transaction() as uow:
            return self._get(uow, incident_id)

    def timeline(
        self, incident_id: int, *, limit: int = TIMELINE_PAGE, before: int | None = None, alerts: bool = False
    ) -> TimelinePage:
        """The newest entries (older than the entry `before`), newest first; a storm's alerts are summed
        up, and listed as well only with `alerts`."""
        check_page(limit, before)
        with self.transaction() as uow:
            self._get(uow, incident_id)
            return uow.incidents.timeline(incident_id, limit=limit, before=before, alerts=alerts)

    def walk_timeline(self, incident_id: int, *, alerts: bool = True) -> Iterator[TimelineEntry]:
        """Every entry, oldest first, read a page at a time so that memory stays flat however long it is."""
        self.incident(incident_id)
        after: int | None = None
        while True:
            with self.transaction() as uow:
                found = uow.incidents.entries_after(incident_id, after, PAGE_LIMIT, alerts=alerts)
            yield from found
            if len(found) < PAGE_LIMIT:
                return
            after = found[-1].id

    def incidents(
        self, state: IncidentState | None = None, service: str | None = None, limit: int = 100
    ) -> list[Incident]:
        with self.transaction() as uow:
            return uow.incidents.incidents(state, service, limit)

    def report(self, start: datetime, end: datetime) -> dict[str, dict[str, Figures]]:
        with self.transaction() as uow:
            return incident_report(uow.incidents.opened_between(start, end))
