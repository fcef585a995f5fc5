"""Fixtures of the adapters' tests: units of work over the in-memory fake and both real databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from opsdesk.adapters.db.unit_of_work import SqlUnitOfWork
from opsdesk.services.unit_of_work import UnitOfWorkFactory
from tests.fake_units import FakeDatabase


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def units(request: pytest.FixtureRequest) -> Iterator[UnitOfWorkFactory]:
    """Units of work on one store: the fake (what service tests use), SQLite and PostgreSQL, so that one
    contract suite holds all three to the same behaviour."""
    if request.param == "memory":
        yield FakeDatabase().units()
        return
    engine = request.getfixturevalue("sqlite_db" if request.param == "sqlite" else "pg_db")
    yield lambda: SqlUnitOfWork(engine)
