"""Revision 0009 on SQLite and PostgreSQL: the handover tables and the indexes of alert and page entries by
time come and go with it, the incidents already stored are counted at once, and the migrations build
exactly what tables.py describes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from opsdesk.adapters.db.engine import HEAD, make_engine, migrations_current, upgrade
from opsdesk.adapters.db.tables import Base
from opsdesk.adapters.db.unit_of_work import SqlUnitOfWork
from opsdesk.domain.handover.model import AlarmCount, Briefing, HandoverKind
from tests.adapters.test_change_migration import migrate
from tests.conftest import postgres_schema

NOW = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
NEW_INDEXES = {"ix_incident_entries_alerts_at", "ix_incident_entries_pages_at"}


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database of its own, migrated to the newest revision (this test moves it down and up)."""
    if request.param == "postgresql":
        with postgres_schema(request.getfixturevalue("postgres_url")) as database:
            yield database
        return
    database = make_engine(f"sqlite:///{tmp_path / 'opsdesk.db'}")
    upgrade(database)
    yield database
    database.dispose()


def shape(database: Engine) -> tuple[set[str], set[str]]:
    """(the handover tables, the new entry indexes) the database holds."""
    found = inspect(database)
    tables = {"handovers", "handover_notes"} & set(found.get_table_names())
    return tables, NEW_INDEXES & {str(i["name"]) for i in found.get_indexes("incident_entries")}


INCIDENT = (
    "INSERT INTO incidents (id, service, dedup_key, open_key, state, summary, source, severity, cover, "
    "alert_count, details, opened_at) VALUES (1, 'platform', 'disk', 'platform/disk', 'triggered', 'Disk', "
    "'db-1', 'critical', 'on-call', 3, '{}', :at)"
)
ENTRY = (
    "INSERT INTO incident_entries (incident_id, at, actor, source, kind, message, data) "
    "VALUES (1, :at, 'events', 'alarm', 'alert', 'another alert joined: Disk', '{}')"
)


def test_the_handover_tables_come_and_go_and_alarms_stored_before_are_counted(fresh: Engine) -> None:
    assert shape(fresh) == ({"handovers", "handover_notes"}, NEW_INDEXES)
    migrate(fresh, "downgrade", "0008")
    assert shape(fresh) == (set(), set())
    assert not migrations_current(fresh)
    with fresh.begin() as connection:  # an alarm and two alerts taken in before the upgrade
        connection.execute(text(INCIDENT), {"at": NOW - timedelta(hours=2)})
        for minutes in (5, 6):
            connection.execute(text(ENTRY), {"at": NOW - timedelta(hours=2) + timedelta(minutes=minutes)})
    upgrade(fresh)
    assert shape(fresh) == ({"handovers", "handover_notes"}, NEW_INDEXES) and migrations_current(fresh)
    b = Briefing(HandoverKind.DIGEST, NOW, NOW - timedelta(days=1), NOW, (), None, None)
    with SqlUnitOfWork(fresh) as uow:
        assert uow.handovers.alarm_counts(NOW - timedelta(days=1), NOW) == [
            AlarmCount("platform", 3, (("disk", 3),))
        ]
        assert uow.handovers.add("digest:2026-12-01T16:00Z", b, NOW) is not None
        uow.handovers.add_note(NOW, "chen", "kept until the downgrade")
        uow.commit()
    migrate(fresh, "downgrade", "0008")  # the briefings and notes go with their tables
    assert shape(fresh) == (set(), set())
    with fresh.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM incident_entries")).scalar() == 2
    migrate(fresh, "upgrade", "head")
    with SqlUnitOfWork(fresh) as uow:
        assert uow.handovers.by_key("digest:2026-12-01T16:00Z") is None


def test_the_migrations_build_what_the_tables_describe(fresh: Engine) -> None:
    with fresh.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
