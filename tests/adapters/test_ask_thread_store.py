"""The ask threads' store on SQLite and PostgreSQL: a thread kept once, each mark set once, and migration
0013 coming and going."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, inspect

from opsdesk.adapters.db.engine import migrations_current, upgrade
from opsdesk.adapters.db.unit_of_work import SqlUnitOfWork
from opsdesk.domain.asks import AskThread
from tests.adapters.test_change_migration import migrate
from tests.adapters.test_handover_migration import (
    fresh,  # noqa: F401  (the fixture)
)

ASKED = datetime(2026, 12, 4, 15, 50, tzinfo=UTC)
THREAD = AskThread("C0ASK00001", "1733327400.000100", "UASKER", ASKED)


def test_a_thread_is_kept_once_and_each_mark_is_set_once(db: Engine) -> None:
    with SqlUnitOfWork(db) as uow:
        assert uow.asks.add(THREAD)
        assert not uow.asks.add(THREAD)
        uow.commit()
    later = ASKED + timedelta(minutes=5)
    with SqlUnitOfWork(db) as uow:
        assert uow.asks.mark(THREAD.channel, THREAD.thread, "answered_at", later)
        assert not uow.asks.mark(THREAD.channel, THREAD.thread, "answered_at", later + timedelta(hours=1))
        assert not uow.asks.mark("C0OTHER001", THREAD.thread, "reminded_at", later)
        uow.commit()
    with SqlUnitOfWork(db) as uow:
        assert uow.asks.get(THREAD.channel, THREAD.thread) == AskThread(
            THREAD.channel, THREAD.thread, "UASKER", ASKED, answered_at=later
        )
        assert uow.asks.get(THREAD.channel, "1.2") is None


def test_leaving_without_commit_keeps_nothing(db: Engine) -> None:
    with SqlUnitOfWork(db) as uow:
        uow.asks.add(THREAD)
    with SqlUnitOfWork(db) as uow:
        assert uow.asks.get(THREAD.channel, THREAD.thread) is None


def test_the_migration_makes_the_table_and_takes_it_away(fresh: Engine) -> None:  # noqa: F811
    assert "ask_threads" in inspect(fresh).get_table_names()
    migrate(fresh, "downgrade", "0012")
    assert "ask_threads" not in inspect(fresh).get_table_names()
    assert not migrations_current(fresh)
    upgrade(fresh)
    assert migrations_current(fresh)
    with SqlUnitOfWork(fresh) as uow:
        assert uow.asks.add(THREAD)
        uow.commit()
