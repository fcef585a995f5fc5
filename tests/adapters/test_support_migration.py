"""Revision 0010 on SQLite and PostgreSQL: the support board's tables come and go with it, and what is stored
before it is left as it was."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, inspect, text

from opsdesk.adapters.db.engine import migrations_current, upgrade
from opsdesk.adapters.db.unit_of_work import SqlUnitOfWork
from opsdesk.domain.support.model import Status, Triage
from tests.adapters.test_change_migration import migrate
from tests.adapters.test_handover_migration import fresh  # noqa: F401  (the fixture: a database of its own)

TABLES = {"support_requests", "support_labels", "support_entries", "support_comments"}


def tables(database: Engine) -> set[str]:
    return TABLES & set(inspect(database).get_table_names())


def test_the_support_tables_come_and_go(fresh: Engine) -> None:  # noqa: F811
    assert tables(fresh) == TABLES
    with SqlUnitOfWork(fresh) as uow:
        uow.support.create(
            {
                "title": "Quota",
                "body": "",
                "requester": "pay-dev",
                "status": Status.TODO,
                "triage": Triage.UNTRIAGED,
                "created_at": datetime(2026, 12, 7, 9, tzinfo=UTC),
                "labels": ("storage",),
            }
        )
        uow.commit()
    migrate(fresh, "downgrade", "0009")
    assert tables(fresh) == set()
    assert not migrations_current(fresh)
    with fresh.connect() as connection:  # what 0009 holds is untouched
        assert connection.execute(text("SELECT count(*) FROM handovers")).scalar() == 0
    upgrade(fresh)
    assert tables(fresh) == TABLES and migrations_current(fresh)
    with SqlUnitOfWork(fresh) as uow:
        assert uow.support.get(1) is None  # the requests went with their tables
