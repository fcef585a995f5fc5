"""The email store in memory (as adapters/db/incident_emails.py); tests/adapters/test_email_store.py holds it
and the real store on both databases to one contract."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from opsdesk.domain.incidents.email import EmailRecord
from tests.fake_undo import Undo


class Tables(Protocol):
    """What the store keeps of the fake database (tests/fake_units.FakeDatabase)."""

    emails: dict[str, EmailRecord]


# As the databases keep text: no NUL (PostgreSQL refuses it), an unpaired surrogate (no UTF-8) as U+FFFD.
_STORABLE = {0: None, **dict.fromkeys(range(0xD800, 0xE000), "\ufffd")}


def _stored(text: str, limit: int | None = None) -> str:
    return text.translate(_STORABLE)[:limit]


@dataclass
class FakeEmailStore:
    db: Tables
    undo: Undo

    def add(self, record: EmailRecord) -> bool:
        def optional(text: str | None, limit: int | None = None) -> str | None:
            return None if text is None else _stored(text, limit)

        kept = replace(
            record,
            **{name: _stored(getattr(record, name)) for name in ("sender", "author", "subject")},
            message_id=_stored(record.message_id, 255),
            channel=optional(record.channel, 100),
            reply_id=optional(record.reply_id, 255),
            reply_to=optional(record.reply_to),
            silent=optional(record.silent),
        )
        if kept.message_id in self.db.emails:
            return False
        self.undo.keep(self.db.emails, kept.message_id)
        self.db.emails[kept.message_id] = kept
        return True

    def get(self, message_id: str) -> EmailRecord | None:
        return self.db.emails.get(_stored(message_id, 255))

    def incident_for(self, message_ids: Sequence[str]) -> int | None:
        wanted = {_stored(m, 255) for m in message_ids}
        found = [
            (e.received_at, order, e.incident)
            for order, e in enumerate(self.db.emails.values())
            if e.incident is not None and (e.message_id in wanted or e.reply_id in wanted)
        ]
        return max(found)[2] if found else None

    def replies_since(self, address: str, since: datetime) -> int:
        key = _stored(address).lower()[:320]
        return sum(
            1
            for e in self.db.emails.values()
            if e.reply_id is not None
            and e.reply_to is not None
            and e.reply_to.lower()[:320] == key
            and e.received_at >= since
        )

    def for_incident(self, incident_id: int, limit: int = 100) -> list[EmailRecord]:
        kept = [(e.received_at, order, e) for order, e in enumerate(self.db.emails.values())]
        return [e for _, _, e in sorted(kept, key=lambda k: k[:2]) if e.incident == incident_id][:limit]
