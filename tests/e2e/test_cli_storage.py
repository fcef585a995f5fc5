"""`opsdesk db upgrade`, `opsdesk outbox list/retry` and `opsdesk worker --once`, as a user runs them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from opsdesk.adapters.db.engine import make_engine
from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.domain.outbox import OutgoingMessage
from tests.e2e.conftest import Run


def test_upgrade_list_deliver_and_retry(opsdesk: Run, workdir: Path) -> None:
    before = opsdesk("outbox", "list")
    assert before.returncode == 1
    assert "is not up to date: run `opsdesk db upgrade`" in before.stderr
    upgraded = opsdesk("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "sqlite:///opsdesk.db is up to date" in upgraded.stdout
    assert opsdesk("outbox", "list").stdout.strip() == "the outbox is empty"
    engine = make_engine(f"sqlite:///{workdir / 'opsdesk.db'}")
    store = SqlOutbox(engine)
    with engine.begin() as connection:
        store.add(
            connection, OutgoingMessage("log", "#ask", {"text": "hello"}, "greeting"), datetime.now(UTC)
        )
        store.add(connection, OutgoingMessage("pager", "#x", {}, "no-such-channel"), datetime.now(UTC))
    assert opsdesk("worker", "--once").returncode == 0
    rows = {
        r["idempotency_key"]: r
        for r in map(json.loads, opsdesk("outbox", "list", "--json").stdout.splitlines())
    }
    assert rows["greeting"]["state"] == "delivered"
    assert rows["no-such-channel"]["state"] == "dead"
    dead = opsdesk("outbox", "list", "--dead").stdout
    assert "no channel named 'pager' is configured" in dead
    dead_id = rows["no-such-channel"]["id"]
    assert opsdesk("outbox", "retry", str(dead_id)).stdout.strip() == f"#{dead_id} is queued again"
    again = opsdesk("outbox", "retry", str(dead_id))
    assert again.returncode == 1
    assert f"no dead outbox row #{dead_id}" in again.stderr
    engine.dispose()


def test_an_unreachable_database_is_one_clear_line(opsdesk: Run) -> None:
    result = opsdesk(
        "db", "upgrade", env={"OPSDESK_DATABASE_URL": "postgresql+psycopg://opsdesk:secret@127.0.0.1:1/x"}
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "error: cannot reach the database postgresql+psycopg://opsdesk:***@127.0.0.1:1/x:"
    )
    assert "secret" not in result.stderr


def test_the_list_shows_what_each_message_says(opsdesk: Run, workdir: Path) -> None:
    assert opsdesk("db", "upgrade").returncode == 0
    engine = make_engine(f"sqlite:///{workdir / 'opsdesk.db'}")
    store = SqlOutbox(engine)
    long_text = "Incident #7 (P1) db-1 down\n\x1b]0;pwned\x07 \u202etxt.exe\u202c " + "x" * 1_000_000
    page = {"event_action": "trigger", "payload": {"summary": "#7 db-1 down", "severity": "critical"}}
    with engine.begin() as connection:
        store.add(connection, OutgoingMessage("slack", "#ops", {"text": long_text}, "k1"), datetime.now(UTC))
        store.add(
            connection,
            OutgoingMessage("email", "a@example.org", {"subject": "Page", "text": "wake up"}, "k2"),
            datetime.now(UTC),
        )
        store.add(connection, OutgoingMessage("pagerduty", "svc", page, "k3"), datetime.now(UTC))
    engine.dispose()
    listed = opsdesk("outbox", "list")
    assert listed.returncode == 0, listed.stderr
    lines = sorted(listed.stdout.splitlines())
    assert len(lines) == 3
    slack, email, pager = lines
    assert slack.startswith(
        '#1 pending   slack -> #ops: "Incident #7 (P1) db-1 down ?]0;pwned? ?txt.exe? xxx'
    )
    assert slack.endswith('xx\u2026" (0 attempts, key k1)')
    assert len(slack) < 140
    assert email == '#2 pending   email -> a@example.org: "Page: wake up" (0 attempts, key k2)'
    assert pager == '#3 pending   pagerduty -> svc: "#7 db-1 down" (0 attempts, key k3)'
    whole = {
        r["idempotency_key"]: r["text"]
        for r in map(json.loads, opsdesk("outbox", "list", "--json").stdout.splitlines())
    }
    assert whole == {"k1": long_text, "k2": "Page: wake up", "k3": "#7 db-1 down"}


def test_worker_help_says_it_runs_due_jobs_as_well_as_delivering(opsdesk: Run) -> None:
    shown = opsdesk("worker", "--help", env={"COLUMNS": "200"})
    assert shown.returncode == 0, shown.stderr
    words = " ".join(shown.stdout.split())
    assert "later" not in words
    assert "Deliver the outbox and run due jobs until stopped: incident escalation" in words
    assert "reminders of change requests and SNS subscription confirmations" in words
