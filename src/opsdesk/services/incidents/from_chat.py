"""Incidents opened from a chat's form (Slack's `/opsdesk incident new`): as `open` does for the CLI,
routed by the cover now and paged as usual, but taken in once per submission (its receipt held in the same
unit of work as the incident), so a double submit opens one incident."""

from __future__ import annotations

import secrets

from opsdesk.domain.errors import IncidentError
from opsdesk.domain.incidents.model import SUMMARY_LIMIT, Alarm, Incident, Priority
from opsdesk.domain.timeline import Actor
from opsdesk.services.incidents.intake import IntakeSteps
from opsdesk.services.text import required_text


class ChatSteps(IntakeSteps):
    def open_from_chat(
        self, service_id: str, summary: str, actor: Actor, priority: Priority | None, receipt: str
    ) -> Incident | None:
        """An incident opened by a person from a form, under a fresh dedup key; None when this
        submission (`receipt`) was taken in before. IncidentError for an unknown service or a summary
        that is empty, too long or holds a NUL."""
        alarm = Alarm(
            service_id,
            f"manual-{secrets.token_hex(16)}",
            required_text(summary, "summary", limit=SUMMARY_LIMIT, error=IncidentError),
            source=actor.name,
            severity="critical",
            priority=priority,
        )
        outcome = self.trigger(alarm, actor, receipt)
        return None if outcome is None else outcome.incident
