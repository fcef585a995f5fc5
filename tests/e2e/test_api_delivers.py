"""Each API process of `opsdesk serve --workers N` delivers and runs jobs too (OPSDESK_DELIVERY_THREADS,
set by serve): started with the app's lifespan, stopped with it, its claims given back."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from anyio.to_thread import current_default_thread_limiter
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from opsdesk.adapters.db.engine import make_engine, upgrade
from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.domain.outbox import OutboxState, OutgoingMessage
from opsdesk.entrypoints.api.delivering import Delivering
from opsdesk.entrypoints.api.server import app_from_environment
from tests.rota_builders import team


@pytest.fixture
def engine(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A team's policy and a migrated SQLite database (serve migrates before its API processes start),
    named in the environment as serve names them to its API processes."""
    (workdir / "opsdesk.yaml").write_text(json.dumps(team()), encoding="utf-8")
    url = f"sqlite:///{workdir / 'opsdesk.db'}"
    database = make_engine(url)
    upgrade(database)
    monkeypatch.setenv("OPSDESK_DATABASE_URL", url)
    monkeypatch.delenv("OPSDESK_DELIVERY_THREADS", raising=False)
    monkeypatch.delenv("OPSDESK_API_THREADS", raising=False)
    yield database
    database.dispose()


def test_an_api_process_delivers_from_startup_to_shutdown(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSDESK_DELIVERY_THREADS", "1")
    monkeypatch.setenv("OPSDESK_API_THREADS", "3")
    app = app_from_environment()
    assert isinstance(app, Delivering)
    store = SqlOutbox(engine)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        # requests run on three threads at most, so the delivery threads are not crowded out in a storm
        assert client.portal.call(lambda: current_default_thread_limiter().total_tokens) == 3
        with engine.begin() as connection:
            store.add(connection, OutgoingMessage("log", "#ask", {"text": "hello"}, "k1"), datetime.now(UTC))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and store.rows()[0].state is not OutboxState.DELIVERED:
            time.sleep(0.05)
        assert store.rows()[0].state is OutboxState.DELIVERED
    # Shut down: the delivery threads have ended; a row added now stays for the next worker.
    with engine.begin() as connection:
        store.add(connection, OutgoingMessage("log", "#ask", {"text": "later"}, "k2"), datetime.now(UTC))
    time.sleep(0.5)
    assert [r.state for r in store.rows()] == [OutboxState.PENDING, OutboxState.DELIVERED]


def test_without_delivery_threads_the_thread_limit_still_holds(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSDESK_DELIVERY_THREADS", "0")  # serve --workers 2 --delivery-threads 0
    monkeypatch.setenv("OPSDESK_API_THREADS", "5")
    app = app_from_environment()
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        assert client.portal.call(lambda: current_default_thread_limiter().total_tokens) == 5


def test_without_delivery_threads_the_api_process_only_answers(engine: Engine) -> None:
    assert not isinstance(app_from_environment(), Delivering)
