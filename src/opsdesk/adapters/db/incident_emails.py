"""Critical-incident email in the database: each message kept once by its Message-ID, found again by the
Message-IDs of a thread, replies counted per address, and an incident's messages listed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from opsdesk.adapters.db.tables import IncidentEmailRecord
from opsdesk.domain.incidents.email import MESSAGE_ID_LIMIT, EmailOutcome, EmailRecord

EMAILS = cast("Table", IncidentEmailRecord.__table__)
C = EMAILS.c
COLUMNS = tuple(c for c in EMAILS.columns if c.name not in ("id", "reply_to_key"))
CHANNEL_LIMIT = 100
ADDRESS_KEY_LIMIT = 320  # an address, as counted: longer ones are compared by their first 320 characters
INSERT = {
    name: dialect.insert(EMAILS).on_conflict_do_nothing(index_elements=["message_id"]).returning(C.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(text: str) -> str:
    """Text either database keeps as given: without NUL (PostgreSQL refuses it in text), and with each
    unpaired surrogate (which is no UTF-8) as U+FFFD. Any other character stays, bidi controls too."""
    return _SURROGATE.sub("\ufffd", text.replace("\x00", ""))


def message_key(message_id: str) -> str:
    """A Message-ID as kept and looked up."""
    return storable(message_id)[:MESSAGE_ID_LIMIT]


def address_key(address: str) -> str:
    """An address as the replies to it are counted: without regard to case."""
    return storable(address).lower()[:ADDRESS_KEY_LIMIT]


class SqlEmailStore:
    """The email store of one unit of work."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._insert = INSERT[connection.dialect.name]

    def add(self, record: EmailRecord) -> bool:
        taken = self.connection.execute(self._insert, _values(record))
        return taken.scalar() is not None

    def get(self, message_id: str) -> EmailRecord | None:
        query = select(*COLUMNS).where(C.message_id == message_key(message_id))
        row = self.connection.execute(query).first()
        return email_of(row) if row else None

    def incident_for(self, message_ids: Sequence[str]) -> int | None:
        keys = sorted({message_key(m) for m in message_ids})
        if not keys:
            return None
        query = (
            select(C.incident_id)
            .where(or_(C.message_id.in_(keys), C.reply_id.in_(keys)), C.incident_id.is_not(None))
            .order_by(C.received_at.desc(), C.id.desc())
            .limit(1)
        )
        found: int | None = self.connection.execute(query).scalar()
        return found

    def replies_since(self, address: str, since: datetime) -> int:
        query = select(func.count()).where(
            C.reply_to_key == address_key(address), C.reply_id.is_not(None), C.received_at >= since
        )
        return int(self.connection.scalar(query) or 0)

    def for_incident(self, incident_id: int, limit: int = 100) -> list[EmailRecord]:
        query = (
            select(*COLUMNS).where(C.incident_id == incident_id).order_by(C.received_at, C.id).limit(limit)
        )
        return [email_of(r) for r in self.connection.execute(query)]


def _values(r: EmailRecord) -> dict[str, Any]:
    return {
        "message_id": message_key(r.message_id),
        "incident_id": r.incident,
        "outcome": r.outcome.value,
        "sender": storable(r.sender),
        "author": storable(r.author),
        "subject": storable(r.subject),
        "channel": storable(r.channel)[:CHANNEL_LIMIT] if r.channel is not None else None,
        "received_at": r.received_at,
        "raw": r.raw,
        "raw_size": r.raw_size,
        "reply_id": message_key(r.reply_id) if r.reply_id is not None else None,
        "reply_to": storable(r.reply_to) if r.reply_to is not None else None,
        "reply_to_key": address_key(r.reply_to) if r.reply_to is not None else None,
        "silent": storable(r.silent) if r.silent is not None else None,
    }


def email_of(row: Row[Any]) -> EmailRecord:
    r = row._mapping
    return EmailRecord(
        message_id=r["message_id"],
        incident=r["incident_id"],
        outcome=EmailOutcome(r["outcome"]),
        sender=r["sender"],
        author=r["author"],
        subject=r["subject"],
        channel=r["channel"],
        received_at=r["received_at"],
        raw=bytes(r["raw"]),
        raw_size=r["raw_size"],
        reply_id=r["reply_id"],
        reply_to=r["reply_to"],
        silent=r["silent"],
    )
