"""`opsdesk page test --engineer ID` through typer's CliRunner, on SQLite and PostgreSQL: what it sent and how
to acknowledge each, then (while a worker delivers and alice answers her phone in another thread) each
change, and a report whose exit code says whether every method reached her; an unknown engineer is a usage
error naming the engineers."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from opsdesk.entrypoints.cli.app import app as cli
from tests.fake_twilio import FakeTwilio
from tests.twilio_world import ALICE, World, twilio_world

CODE = re.compile(r"\bT[0-9]{4}\b")


@pytest.fixture
def world(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    """Twilio set up (sms and voice); no Slack, email or links; the command reads the same policy and
    database."""
    monkeypatch.delenv("OPSDESK_LINK_SECRET", raising=False)
    with twilio_world(db, tmp_path, cache_dir, fake_twilio, monkeypatch) as made:
        monkeypatch.setenv("OPSDESK_CONFIG", str(tmp_path / "opsdesk.yaml"))
        monkeypatch.setenv("OPSDESK_DATABASE_URL", db.url.render_as_string(hide_password=False))
        monkeypatch.setenv("OPSDESK_CACHE_DIR", str(cache_dir))
        yield made


def deliver(world: World) -> None:
    """A worker's round, at the time the command (on the real clock) wrote its messages."""
    world.clock.instant = datetime.now(UTC)
    world.deliver()


def opsdesk(*arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(arguments))
    return result.exit_code, result.output


def test_no_wait_says_what_was_sent_and_how_to_acknowledge(world: World) -> None:
    code, out = opsdesk("page", "test", "--engineer", "alice", "--no-wait")
    assert code == 0, out
    test = CODE.search(out)
    assert test is not None
    assert out.splitlines() == [
        f"Sent a test page to Alice (alice) by sms, voice; code {test[0]}. To acknowledge: reply "
        f"'{test[0]}' to the text, press 1 in the call.",
        "Not sent by slack: not set up here: set OPSDESK_SLACK_TOKEN",
        "Not sent by email: not set up here: set OPSDESK_SMTP_HOST",
        f"Follow it with: opsdesk page status {test[0]}",
    ]
    code, out = opsdesk("page", "status", test[0].lower())
    assert code == 1
    assert "sms: not delivered yet: is `opsdesk worker` or `opsdesk serve` running?" in out
    deliver(world)
    code, out = opsdesk("page", "status", test[0])
    assert code == 1
    assert f"sms: delivered, not acknowledged: reply {test[0]} from {ALICE}" in out
    assert f"voice: delivered, not acknowledged: answer the call to {ALICE} and press 1" in out
    assert world.context.incidents.incidents() == []


def test_an_unknown_engineer_is_a_usage_error_naming_the_engineers(world: World) -> None:
    code, out = opsdesk("page", "test", "--engineer", "zed", "--no-wait")
    assert code == 2
    assert "no engineer 'zed'; the engineers are: alice, bilal, chen, dana" in out
    assert world.fake.messages == [] and world.context.app.outbox.rows(None, 10) == []
    code, out = opsdesk("page", "status", "4821")
    assert code == 2
    assert "is no test page code: T and four digits, e.g. T4821" in out
    code, out = opsdesk("page", "status", "T9999")
    assert (code, out.strip()) == (
        1,
        "error: no test page T9999: `opsdesk page test --engineer ID` starts one",
    )


def test_an_engineer_nothing_set_up_here_reaches_is_told_so(world: World) -> None:
    code, out = opsdesk("page", "test", "--engineer", "chen", "--no-wait")  # email only, and no SMTP here
    assert code == 1
    assert out.splitlines() == [
        "Sent nothing to Chen (chen): none of their methods is set up here.",
        "Not sent by email: not set up here: set OPSDESK_SMTP_HOST",
    ]


def test_waiting_follows_each_change_and_ends_when_every_method_is_acknowledged(world: World) -> None:
    stop = threading.Event()
    answered: list[str] = []

    def worker_and_alice() -> None:
        """A worker delivering the outbox, and alice answering her phone: a reply, then 1 in the call."""
        while not stop.is_set():
            deliver(world)
            texts = [m for m in world.fake.messages if m["to"] == ALICE]
            if texts and not answered:
                found = CODE.search(texts[0]["body"])
                assert found is not None
                answered.append(world.send(world.text(ALICE, f"{found[0]} ack")).text)
            calls = [c for c in world.fake.calls if c["to"] == ALICE]
            if calls and len(answered) == 1:
                answered.append(world.send(world.fake.press(calls[0], "1")).text)
            stop.wait(0.05)

    helper = threading.Thread(target=worker_and_alice)
    helper.start()
    try:
        code, out = opsdesk("page", "test", "--engineer", "alice", "--wait", "60", "--poll", "0.05")
    finally:
        stop.set()
        helper.join()
    assert code == 0, out
    assert len(answered) == 2 and "acknowledged" in answered[1]
    lines = out.splitlines()
    assert any(re.fullmatch(r"  sms: delivered, acknowledged at \d\d:\d\d:\d\d", line) for line in lines)
    assert any(re.fullmatch(r"  voice: delivered, acknowledged at \d\d:\d\d:\d\d", line) for line in lines)
    assert re.search(r"  sms +delivered +\d\d:\d\d:\d\d\n  voice +delivered +\d\d:\d\d:\d\d", out)
    assert lines[-1] == "Every method reached them."


def test_a_short_wait_without_a_worker_says_what_to_check(world: World) -> None:
    world.fake.landlines.add(ALICE)  # an SMS to her number is refused (21614): the call still goes
    code, out = opsdesk("page", "test", "--engineer", "alice", "--wait", "0.2", "--poll", "0.05")
    assert code == 1
    assert "sms: not delivered yet: is `opsdesk worker` or `opsdesk serve` running?" in out
    test = CODE.search(out)
    assert test is not None
    deliver(world)
    code, out = opsdesk("page", "status", test[0])
    assert code == 1
    assert "sms: failed: Twilio refused (error 21614), HTTP 400: 'To' number is not a mobile number" in out
    assert ": check engineers[].phone and the Twilio settings" in out
