"""What a page says: the Page notice for one engineer at one step of an incident's escalation, composed
from the incident, its service and the rota (the escalation decides whom and when; this decides what)."""

from __future__ import annotations

from opsdesk.domain.incidents.model import Incident, MonitoredService
from opsdesk.domain.notices import Page
from opsdesk.domain.rota import EngineerId
from opsdesk.services.incidents.context import IncidentContext


class PageComposer(IncidentContext):
    def compose_page(
        self,
        service: MonitoredService,
        incident: Incident,
        whom: tuple[EngineerId, str, int, int],
        ways: tuple[str, ...],
        key: str,
    ) -> Page:
        """The page for `whom` (engineer, role, cycle, step), sent by `ways` under the outbox key stem `key`."""
        engineer, role, cycle, step = whom
        text = (
            f"Page for {engineer} ({role}): incident #{incident.id} on {service.name}: {incident.summary}\n"
            f"Acknowledge: `opsdesk incident ack {incident.id}`"
        )
        return Page(
            engineer,
            role,
            incident.id,
            service.id,
            incident.summary,
            cycle,
            step,
            ways,
            key,
            f"[opsdesk] Page: #{incident.id} {incident.summary}"[:200],
            text,
            str(incident.priority or ""),
        )
