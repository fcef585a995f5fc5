"""What a page says: the Page notice for one engineer at one step of an incident's escalation, composed
from the incident, its service and the rota (the escalation decides whom and when; this decides what).

A page carries what a tired person needs to act: the service, priority and severity, the source, the
summary, the alarm's first links and custom details, the cycle and step, who else is on call now, and how to
acknowledge (a signed single-use link when the deployment has OPSDESK_PUBLIC_URL and OPSDESK_LINK_SECRET,
the command always). Each way (SMS, voice, Slack, email) renders it within its own limits."""

from __future__ import annotations

from datetime import datetime

from opsdesk.domain.incidents.ack_links import LINK_LIFETIME, AckClaim, page_nonce, sign
from opsdesk.domain.incidents.model import Incident, MonitoredService
from opsdesk.domain.notices import Page
from opsdesk.domain.page_content import (
    SUMMARY_SHOWN,
    alarm_details,
    alarm_links,
    clean,
    with_text,
)
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
        now = self.clock.now()
        ack_url = ""
        if self.links is not None:
            nonce = page_nonce(self.links.secret, f"{key}:{engineer}")
            claim = AckClaim(incident.id, engineer, cycle, step, now + LINK_LIFETIME, nonce)
            ack_url = self.links.url(sign(self.links.secret, claim))
        links, details = alarm_links(incident.details), alarm_details(incident.details)
        others = self._others_on_call(engineer, now)
        summary = clean(incident.summary)[:SUMMARY_SHOWN]
        priority = str(incident.priority or "")
        page = Page(
            engineer,
            role,
            incident.id,
            service.id,
            summary,
            cycle,
            step,
            ways,
            key,
            clean(f"[opsdesk] Page: #{incident.id} {priority} {service.name}: {summary}".replace("  ", " "))[
                :200
            ],
            "",
            priority,
            clean(incident.severity)[:16],
            clean(incident.source)[:100],
            clean(service.name)[:100],
            links,
            details,
            others,
            ack_url,
        )
        return with_text(page)

    def _others_on_call(self, engineer: EngineerId, now: datetime) -> tuple[str, ...]:
        """Who else holds an on-call or support role now, each as "role name"."""
        found = []
        for role, held in self.rota.who(now).holdings.items():
            if held.engineer is not None and held.engineer != engineer:
                found.append(f"{role} {self.rota.name_of(held.engineer) or held.engineer}")
        return tuple(found)
