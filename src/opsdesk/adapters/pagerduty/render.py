"""How a page reads as a PagerDuty Events API v2 trigger: its dedup key is the incident and the step, so
PagerDuty folds a retried delivery into the alert it already has."""

from __future__ import annotations

from typing import Any

from opsdesk.domain.incidents.escalation import step_key
from opsdesk.domain.notices import Notice, Page
from opsdesk.domain.people import People

SUMMARY_LIMIT = 1024  # characters, as PagerDuty's Events API v2


class PagerDutyRenderer:
    def render(self, notice: Notice, people: People) -> dict[str, Any]:
        if not isinstance(notice, Page):
            raise TypeError(f"PagerDuty takes pages only, not {type(notice).__name__}")
        return {
            "event_action": "trigger",
            "dedup_key": f"opsdesk-{notice.incident}-{step_key(notice.cycle, notice.step)}",
            "payload": {
                "summary": f"#{notice.incident} {notice.summary}"[:SUMMARY_LIMIT],
                "source": f"opsdesk/{notice.service}",
                "severity": "critical",
                "custom_details": {
                    "engineer": notice.engineer,
                    "role": str(notice.role),
                    "cycle": notice.cycle,
                    "step": notice.step,
                },
            },
        }
