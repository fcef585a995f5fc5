"""A short delivery soak on PostgreSQL: three `opsdesk worker` processes against a Slack that answers slowly
(longer than the lease), cuts answers short after taking the post, rate-limits with absurd Retry-After
values, fails with 500s and refuses some channels; one worker is killed while Slack holds its post.

Every message must reach Slack exactly once, or be dead with its reason.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from pytest_httpserver import HTTPServer
from sqlalchemy import Engine

from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.domain.outbox import OutboxState, OutgoingMessage
from tests.fake_slack import TOKEN, Answer, FakeSlack

MESSAGES = 60
DESTINATIONS = ("C0SOAK", "#alarms", "U0DANA")  # a channel id, a channel by name, a direct message
KILLED = 7  # the message whose post Slack takes and then holds while its worker is killed


def answer(body: dict[str, object], tries: int) -> Answer:
    index = int(str(body["text"]).split()[-1])
    kind = index % 10
    if kind == 5:
        return Answer(take=False, payload={"ok": False, "error": "channel_not_found"})
    if tries > 1:
        return Answer(delay=0.05)
    if index == KILLED:
        return Answer(hang=True)
    return {
        0: Answer(delay=4.5),  # longer than the 3 s lease: the heartbeat must keep the row
        1: Answer(cut_short=True),
        2: Answer(
            take=False,
            status=429,
            payload={"ok": False, "error": "ratelimited"},
            headers={"Retry-After": "31536000"},
        ),
        3: Answer(take=False, status=500, payload={"ok": False, "error": "internal_error"}),
        4: Answer(
            take=False,
            status=429,
            payload={"ok": False, "error": "ratelimited"},
            headers={"Retry-After": "1" + "0" * 12},
        ),
        6: Answer(delay=1.0, cut_short=True),
    }.get(kind, Answer(delay=0.1))


def owner_of(port: int, pids: list[int]) -> int:
    """The process among `pids` holding the TCP connection whose local port is `port` (Linux /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            found = re.fullmatch(r"socket:\[(\d+)\]", target)
            if found and found.group(1) in inodes:
                return pid
    raise AssertionError(f"no worker holds local port {port}")


def test_slow_odd_and_killed_deliveries_end_exactly_once_or_dead(pg_db: Engine, tmp_path: Path) -> None:
    server = HTTPServer(threaded=True)
    server.start()
    fake = FakeSlack(server, plan=answer)
    fake.install()
    store = SqlOutbox(pg_db)
    with pg_db.begin() as connection:
        for i in range(MESSAGES):
            destination = DESTINATIONS[i % 3]
            store.add(
                connection,
                OutgoingMessage("slack", destination, {"text": f"soak {i}"}, f"soak:{i}"),
                datetime.now(UTC),
            )
    env = {
        **os.environ,
        "OPSDESK_DATABASE_URL": pg_db.url.render_as_string(hide_password=False),
        "OPSDESK_SLACK_TOKEN": TOKEN,
        "OPSDESK_SLACK_API_URL": fake.url,
        "OPSDESK_OUTBOX_LEASE_SECONDS": "3",
        "OPSDESK_OUTBOX_MAX_RETRY_AFTER_SECONDS": "2",
    }
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "opsdesk", "worker", "--poll", "0.05"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(3)
    ]
    started = time.monotonic()
    try:
        assert fake.holding.wait(30), "the post to hold never came"
        killed = owner_of(fake.hanging[0][1], [w.pid for w in workers])
        os.kill(killed, signal.SIGKILL)
        fake.released.set()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            states = Counter(r.state for r in store.rows(limit=1000))
            if states[OutboxState.PENDING] == 0:
                break
            time.sleep(0.2)
        time.sleep(1)  # anything sent twice would arrive now
        took = time.monotonic() - started
    finally:
        fake.released.set()
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
        server.clear()
        server.stop()
    rows = {r.message.idempotency_key: r for r in store.rows(limit=1000)}
    posted = Counter(fake.texts())
    refused = {i for i in range(MESSAGES) if i % 10 == 5}
    assert {text for text, count in posted.items() if count > 1} == set(), "posted twice"
    assert set(posted) == {f"soak {i}" for i in range(MESSAGES)} - {f"soak {i}" for i in refused}
    for i in range(MESSAGES):
        row = rows[f"soak:{i}"]
        if i in refused:
            assert (row.state, row.last_error) == (OutboxState.DEAD, "HTTP 200 channel_not_found")
        else:
            assert row.state is OutboxState.DELIVERED, (i, row)
    assert rows[f"soak:{KILLED}"].attempts == 1  # found in the channel, not posted again
    assert sorted(w.returncode for w in workers) == [-signal.SIGKILL, 0, 0]
    print(
        f"\nsoak: {MESSAGES} messages, {sum(posted.values())} posts, {len(refused)} dead, "
        f"{fake.attempts} post attempts, {fake.looks} look-ups, {took:.1f} s"
    )
