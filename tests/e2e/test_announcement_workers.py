"""An announcement's pair through real `opsdesk worker` processes on PostgreSQL: a worker killed (SIGKILL)
while it sends the forward, after the post went out; another worker then sends the forward, once, linked to
the post. Exactly two messages."""

from __future__ import annotations

import signal
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.domain.outbox import OutboxState
from tests.announcement_world import ASK, LONDON, UPDATES, AnnouncementWorld
from tests.e2e.test_workers import start_worker, stop, wait_until
from tests.fake_slack import FakeSlack, permalink


def test_a_worker_killed_between_the_post_and_the_forward(
    pg_db: Engine, fake_slack: FakeSlack, tmp_path: Path, cache_dir: Path
) -> None:
    w = AnnouncementWorld(pg_db, cache_dir, datetime.now(LONDON))  # the workers deliver by the real clock
    record = w.announce(title="Database failover")
    # The forward's first try hangs (Slack holds it, then refuses it) until its worker is gone.
    fake_slack.hold = lambda body: "Forwarded" in str(body.get("text")) and fake_slack.attempts == 2
    first = start_worker(pg_db, fake_slack, tmp_path, lease=3)
    try:
        assert fake_slack.holding.wait(30)
        assert [str(b["channel"]) for b in fake_slack.delivered] == [UPDATES]  # the post is out
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        if first.stderr:
            first.stderr.close()
        fake_slack.released.set()
    second = start_worker(pg_db, fake_slack, tmp_path, lease=3)
    try:
        assert wait_until(lambda: len(fake_slack.delivered) == 2, 60)
        time.sleep(1)  # anything sent twice would arrive now
    finally:
        stop([second])
    post, forward = fake_slack.delivered
    assert [post["channel"], forward["channel"]] == [UPDATES, ASK]
    link = permalink(str(post["_conversation"]), str(post["ts"]))
    assert str(forward["text"]).startswith(f"\u21aa Forwarded from <{link}|{UPDATES}>: ")
    assert f"opsdesk announcement #{record.id}" in str(forward["text"])
    rows = SqlOutbox(pg_db).rows()
    assert [r.state for r in rows] == [OutboxState.DELIVERED, OutboxState.DELIVERED]
