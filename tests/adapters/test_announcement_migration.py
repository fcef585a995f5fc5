"""Revision 0011 on SQLite and PostgreSQL: the announcements table and the outbox's `after_key` and
`reference` come and go with it, and messages stored before it are delivered as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, inspect, text

from opsdesk.adapters.db.engine import migrations_current, upgrade
from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.adapters.db.unit_of_work import SqlUnitOfWork
from opsdesk.domain.announcements.model import Announcement, AnnouncementKind
from opsdesk.domain.outbox import OutboxState
from tests.adapters.test_change_migration import migrate
from tests.adapters.test_handover_migration import fresh  # noqa: F401  (the fixture)

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
MESSAGE = (
    "INSERT INTO outbox (channel, destination, payload, idempotency_key, state, attempts, created_at, "
    "next_attempt_at) VALUES ('slack', '#ask', '{\"text\": \"stored before\"}', 'before', 'pending', 0, :at, :at)"
)


def shape(database: Engine) -> tuple[bool, set[str]]:
    """(whether the announcements table exists, the outbox's new columns)."""
    found = inspect(database)
    columns = {str(c["name"]) for c in found.get_columns("outbox")} & {"after_key", "reference"}
    return "announcements" in found.get_table_names(), columns


def test_announcements_come_and_go_and_messages_stored_before_still_go(fresh: Engine) -> None:  # noqa: F811
    assert shape(fresh) == (True, {"after_key", "reference"})
    migrate(fresh, "downgrade", "0010")
    assert shape(fresh) == (False, set())
    assert not migrations_current(fresh)
    with fresh.begin() as connection:
        connection.execute(text(MESSAGE), {"at": NOW - timedelta(minutes=1)})
    upgrade(fresh)
    assert shape(fresh) == (True, {"after_key", "reference"}) and migrations_current(fresh)
    outbox = SqlOutbox(fresh)
    (claimed,) = outbox.claim("w1", NOW, 10, timedelta(seconds=30))
    assert (claimed.message.after, claimed.reference) == (None, None)
    assert outbox.delivered(claimed.id, "w1", NOW, {"channel": "C1", "ts": "1.5"})
    assert outbox.rows()[0].state is OutboxState.DELIVERED
    with SqlUnitOfWork(fresh) as uow:
        uow.announcements.add(Announcement(0, AnnouncementKind.MAINTENANCE, "T", "B", "alice", NOW))
        uow.commit()
    migrate(fresh, "downgrade", "0010")  # the announcements go with their table; the messages stay
    assert shape(fresh) == (False, set())
    with fresh.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM outbox")).scalar() == 1
