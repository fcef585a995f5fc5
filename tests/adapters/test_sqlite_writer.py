"""SQLite's one writer: a transaction waiting for the write lock takes it within milliseconds of its
release (tried every 0.5-5 ms, not by SQLite's busy handler that sleeps up to 100 ms a try), and gives up
with SQLite's own error when it is kept too long."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from opsdesk.adapters.db import engine as engines


def test_a_waiting_writer_goes_as_soon_as_the_lock_is_free(tmp_path: Path) -> None:
    engine = engines.make_engine(f"sqlite:///{tmp_path / 'one.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    holding, released = threading.Event(), [0.0]

    def hold() -> None:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
            holding.set()
            time.sleep(0.3)
            released[0] = time.monotonic()

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(5)
    with engine.begin() as connection:  # waits for the holder's commit
        began = time.monotonic()
        connection.execute(text("INSERT INTO t VALUES (2)"))
        timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    holder.join()
    assert began - released[0] < 0.05  # not one of SQLite's 100 ms sleeps after the release
    assert timeout == 30000  # SQLite's own wait is back for everything but taking the lock
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM t ORDER BY n")).scalars().all() == [1, 2]
    engine.dispose()


def test_a_writer_kept_waiting_too_long_fails_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engines, "BUSY_SECONDS", 0.2)  # a constant, not our code's behaviour: keeps it quick
    engine = engines.make_engine(f"sqlite:///{tmp_path / 'two.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        with engine.begin():
            holding.set()
            done.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(5)
    try:
        with pytest.raises(OperationalError, match="database is locked"), engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
    finally:
        done.set()
        holder.join()
    engine.dispose()
