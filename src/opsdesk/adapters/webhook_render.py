"""How a page reads on the generic webhook (adapters/webhook_channel.py posts it, signed): one JSON object
a receiver can act on without parsing text. The channel adds the outbox key as `key`."""

from __future__ import annotations

from typing import Any

from opsdesk.domain.incidents.page_test import BANNER
from opsdesk.domain.notices import Notice, Page
from opsdesk.domain.people import People


class WebhookRenderer:
    def render(self, notice: Notice, people: People) -> dict[str, Any]:
        if not isinstance(notice, Page):
            raise TypeError(f"the webhook takes pages only, not {type(notice).__name__}")
        if notice.test:  # nothing is wrong: a receiver tells it apart by its type, and cannot answer it
            return {
                "type": "page-test",
                "test": notice.test,
                "engineer": notice.engineer,
                "subject": notice.subject,
                "text": f"{BANNER} Code {notice.test}: this checks that opsdesk's pages reach this webhook.",
            }
        return {
            "type": "page",
            "incident": notice.incident,
            "service": notice.service,
            "summary": notice.summary,
            "priority": notice.priority or None,
            "engineer": notice.engineer,
            "role": str(notice.role),
            "cycle": notice.cycle,
            "step": notice.step,
            "subject": notice.subject,
            "text": notice.text,
        }
