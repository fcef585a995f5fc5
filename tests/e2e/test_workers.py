"""Several `opsdesk worker` processes on PostgreSQL: every message delivered once, even across SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.domain.outbox import OutboxState, OutgoingMessage
from tests.fake_slack import TOKEN, FakeSlack


def start_worker(db: Engine, fake: FakeSlack, workdir: Path, lease: float = 60) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "OPSDESK_DATABASE_URL": db.url.render_as_string(hide_password=False),
        "OPSDESK_SLACK_TOKEN": TOKEN,
        "OPSDESK_SLACK_API_URL": fake.url,
        "OPSDESK_OUTBOX_LEASE_SECONDS": str(lease),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "opsdesk", "worker", "--poll", "0.05"],
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def add_messages(db: Engine, count: int) -> None:
    store = SqlOutbox(db)
    with db.begin() as connection:
        for i in range(count):
            store.add(
                connection,
                OutgoingMessage("slack", "C0123", {"text": f"message {i}"}, f"m{i}"),
                datetime.now(UTC),
            )


def wait_until(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        worker.wait(timeout=30)
        if worker.stderr:
            worker.stderr.close()


def test_four_workers_deliver_a_thousand_messages_exactly_once(
    pg_db: Engine, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    add_messages(pg_db, 1000)
    workers = [start_worker(pg_db, fake_slack, tmp_path) for _ in range(4)]
    try:
        assert wait_until(lambda: len(fake_slack.delivered) >= 1000, 180), (
            f"{len(fake_slack.delivered)} delivered"
        )
        time.sleep(1)  # anything sent twice would arrive now
    finally:
        stop(workers)
    counts = Counter(str(body["text"]) for body in fake_slack.delivered)
    assert len(counts) == 1000
    assert set(counts.values()) == {1}
    assert {r.state for r in SqlOutbox(pg_db).rows(limit=2000)} == {OutboxState.DELIVERED}
    assert [w.returncode for w in workers] == [0, 0, 0, 0]  # SIGTERM: a clean stop


def test_a_worker_killed_mid_delivery_leaves_the_row_for_another_after_the_lease(
    pg_db: Engine, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    add_messages(pg_db, 1)
    fake_slack.hold = lambda body: fake_slack.attempts == 1  # the first try hangs until the worker is gone
    first = start_worker(pg_db, fake_slack, tmp_path, lease=3)
    try:
        assert fake_slack.holding.wait(30)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert first.returncode == -signal.SIGKILL
    finally:
        if first.stderr:
            first.stderr.close()
        fake_slack.released.set()
    killed_at = time.monotonic()
    second = start_worker(pg_db, fake_slack, tmp_path, lease=3)
    try:
        assert wait_until(lambda: len(fake_slack.delivered) == 1, 60)
        waited = time.monotonic() - killed_at
        time.sleep(1)
    finally:
        stop([second])
    assert waited >= 2  # not before the dead worker's lease ran out
    assert [body["text"] for body in fake_slack.delivered] == ["message 0"]
    (row,) = SqlOutbox(pg_db).rows()
    assert row.state is OutboxState.DELIVERED
