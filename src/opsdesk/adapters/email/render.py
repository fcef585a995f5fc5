"""How notices read as email: a subject and a plain-text body (the email channel adds the headers)."""

from __future__ import annotations

from typing import Any

from opsdesk.adapters.email.briefing import briefing_text
from opsdesk.domain.notices import DirectMessage, EmailReply, HandoverNotice, Notice, Page
from opsdesk.domain.people import People


class EmailRenderer:
    def render(self, notice: Notice, people: People) -> dict[str, Any]:
        if isinstance(notice, Page | DirectMessage):
            return {"subject": notice.subject, "text": notice.text}
        if isinstance(notice, EmailReply):
            return {
                "subject": notice.subject,
                "text": notice.text,
                "message_id": notice.message_id,
                "in_reply_to": notice.in_reply_to,
                "references": list(notice.references),
                "auto_submitted": "auto-replied",
                "reply_to": notice.reply_to,
            }
        if isinstance(notice, HandoverNotice):
            subject, text = briefing_text(notice)
            return {"subject": subject, "text": text}
        return {"subject": "opsdesk", "text": str(getattr(notice, "text", ""))}
