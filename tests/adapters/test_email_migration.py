"""Revision 0012 on SQLite and PostgreSQL: the incident_emails table and its indexes come and go with it,
incidents stored before it stay, and messages can name them once it is applied."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, inspect, text

from opsdesk.adapters.db.engine import migrations_current, upgrade
from opsdesk.adapters.db.unit_of_work import SqlUnitOfWork
from opsdesk.domain.incidents.email import EmailOutcome, EmailRecord
from tests.adapters.test_change_migration import migrate
from tests.adapters.test_handover_migration import (
    INCIDENT,
    fresh,  # noqa: F401  (the fixture)
)

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
INDEXES = {"ix_incident_emails_incident", "ix_incident_emails_reply_id", "ix_incident_emails_reply_to"}
APPLIED = (True, INDEXES | {"message_id"})


def shape(database: Engine) -> tuple[bool, set[str]]:
    """(whether the incident_emails table exists, its indexes and its unique columns)."""
    found = inspect(database)
    if "incident_emails" not in found.get_table_names():
        return False, set()
    indexes = {str(i["name"]) for i in found.get_indexes("incident_emails")} & INDEXES
    unique = {str(c) for u in found.get_unique_constraints("incident_emails") for c in u["column_names"]}
    return True, indexes | unique


def test_incident_emails_come_and_go_and_incidents_stored_before_stay(fresh: Engine) -> None:  # noqa: F811
    assert shape(fresh) == APPLIED
    migrate(fresh, "downgrade", "0011")
    assert shape(fresh) == (False, set())
    assert not migrations_current(fresh)
    with fresh.begin() as connection:
        connection.execute(text(INCIDENT), {"at": NOW})
    upgrade(fresh)
    assert shape(fresh) == APPLIED and migrations_current(fresh)
    record = EmailRecord(
        "<m@x>", 1, EmailOutcome.OPENED, "a@x", "a@x", "Disk", None, NOW, b"raw", 3, "<r@o>", "A@X"
    )
    with SqlUnitOfWork(fresh) as uow:
        assert uow.emails.add(record)
        uow.commit()
    with SqlUnitOfWork(fresh) as uow:
        assert uow.emails.get("<m@x>") == record
        assert uow.emails.incident_for(["<r@o>"]) == 1
        assert uow.emails.replies_since("a@x", NOW) == 1
        incident = uow.incidents.get(1)
    assert incident is not None and incident.summary == "Disk"
    migrate(fresh, "downgrade", "0011")  # the messages go with their table; the incident stays
    assert shape(fresh) == (False, set())
    with fresh.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM incidents")).scalar() == 1
