"""Revision 0008 on SQLite and PostgreSQL: ticks stored as item ids only are carried over with who ticked
them and when (from the change's history), started and finished from its transitions; and back down."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from opsdesk.adapters.db.engine import MIGRATIONS, make_engine, upgrade
from opsdesk.adapters.db.unit_of_work import SqlUnitOfWork
from opsdesk.domain.changes.checklist import Tick
from tests.builders import utc
from tests.conftest import postgres_schema


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


def migrate(database: Engine, direction: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with database.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, direction)(config, revision)


ROW = (
    "INSERT INTO change_requests (id, title, body, requester, state, submitted_at, window_start, window_end, "
    "problems, assigned, instructions, channel, checklist, monitoring_until) VALUES (:id, 'Upgrade', '', "
    "'payments', :state, :submitted, :start, :end, '[]', 'alice', 'go', NULL, :checklist, NULL)"
)
ENTRY = (
    "INSERT INTO change_entries (change_id, at, actor, source, kind, message) "
    "VALUES (:change, :at, :actor, 'cli', :kind, :message)"
)


def test_ticks_keep_who_and_when_from_the_history_and_go_back_down(fresh: Engine) -> None:
    migrate(fresh, "downgrade", "0007")
    times = {
        "submitted": utc("2027-02-20 10:00"),
        "start": utc("2027-03-02 18:00"),
        "end": utc("2027-03-02 20:00"),
    }
    old_ticks = json.dumps(["stakeholders-informed", "backup-and-rollback-verified"])
    with fresh.begin() as connection:
        connection.execute(text(ROW), {"id": 1, "state": "completed", "checklist": old_ticks, **times})
        connection.execute(
            text(ROW), {"id": 2, "state": "approved", "checklist": '["stakeholders-informed"]', **times}
        )
        connection.execute(text(ROW), {"id": 3, "state": "under-review", "checklist": "[]", **times})
        for at, actor, kind, message in (
            ("2027-03-01 09:00", "chen", "approved", "approved by chen: alice assigned"),
            ("2027-03-02 17:00", "alice", "ticked", "ticked: stakeholders informed"),
            ("2027-03-02 17:30", "alice-a", "ticked", "ticked: backup and rollback verified"),
            ("2027-03-02 18:01", "alice", "in-progress", "started by alice"),
            ("2027-03-02 19:00", "alice", "completed", "completed by alice: done"),
        ):
            connection.execute(
                text(ENTRY), {"change": 1, "at": utc(at), "actor": actor, "kind": kind, "message": message}
            )
    migrate(fresh, "upgrade", "head")
    with SqlUnitOfWork(fresh) as uow:
        one, two, three = (uow.changes.get(n) for n in (1, 2, 3))
    assert one is not None and two is not None and three is not None
    assert one.checklist == (
        Tick("stakeholders-informed", "alice", utc("2027-03-02 17:00")),
        Tick("backup-and-rollback-verified", "alice-a", utc("2027-03-02 17:30")),
    )
    assert (one.started_at, one.finished_at) == (utc("2027-03-02 18:01"), utc("2027-03-02 19:00"))
    # No history entry for the tick (a hand-edited row): kept, said as unknown, at the submission.
    assert two.checklist == (Tick("stakeholders-informed", "unknown", utc("2027-02-20 10:00")),)
    assert (two.started_at, two.finished_at, three.checklist) == (None, None, ())
    migrate(fresh, "downgrade", "0007")
    with fresh.connect() as connection:
        rows = connection.execute(text("SELECT id, checklist FROM change_requests ORDER BY id")).all()
    assert [(n, json.loads(c) if isinstance(c, str) else c) for n, c in rows] == [
        (1, ["stakeholders-informed", "backup-and-rollback-verified"]),
        (2, ["stakeholders-informed"]),
        (3, []),
    ]
    migrate(fresh, "upgrade", "head")
