"""The listener as a process. `opsdesk smtp` killed: right after a `250` nothing is lost (the incident and the reply are committed
before the answer); killed before it answers, nothing is kept and the sender's retry is taken once. `opsdesk serve` starts it when the policy enables email."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import smtplib
import socket
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.e2e.test_serve import get, serve
from tests.e2e.test_workers import wait_until
from tests.email_world import ADDRESS, SENDER, email_section, free_port, message
from tests.incident_world import policy_document


def start(folder: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OPSDESK_POLICY_RELOAD_SECONDS": "0"}
    process = subprocess.Popen(
        [sys.executable, "-m", "opsdesk", "--config", "opsdesk.yaml", "smtp", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

    def listening() -> bool:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    assert wait_until(listening, 60)
    return process


def kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    if process.stderr:
        process.stderr.close()


def kill_while_storing(folder: Path, port: int, mail: bytes, listener: subprocess.Popen[bytes]) -> None:
    """Send a whole message while the test holds SQLite's write lock, and kill the listener while its store
    waits for it: after the final dot, before any answer."""
    blocker = sqlite3.connect(folder / "opsdesk.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # the listener's store will wait for this write lock
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
            reader = raw.makefile("rb")
            reader.readline()  # the greeting
            for line in (
                b"HELO relay.dept.gov.uk",
                f"MAIL FROM:<{SENDER}>".encode(),
                f"RCPT TO:<{ADDRESS}>".encode(),
            ):
                raw.sendall(line + b"\r\n")
                assert reader.readline().startswith(b"250")
            raw.sendall(b"DATA\r\n")
            assert reader.readline().startswith(b"354")
            raw.sendall(mail.replace(b"\n", b"\r\n") + b".\r\n")  # the whole message: now it is stored
            raw.settimeout(1.5)
            with contextlib.suppress(TimeoutError):
                answered = reader.readline()
                raise AssertionError(f"answered before storing: {answered!r}")
            kill(listener)  # in the middle of storing, before any answer
    finally:
        blocker.rollback()
        blocker.close()


def counts(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        incidents = connection.execute(text("select count(*) from incidents")).scalar_one()
        replies = connection.execute(
            text("select count(*) from outbox where idempotency_key like :replies"),
            {"replies": "email:%:reply"},
        ).scalar_one()
    engine.dispose()
    return incidents, replies


def test_killed_after_250_loses_nothing_and_killed_before_leaves_the_sender_to_retry(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'opsdesk.db'}"
    document = policy_document(
        date(2026, 11, 30), weeks=60, email=email_section(), service={"database-url": url}
    )
    (tmp_path / "opsdesk.yaml").write_text(json.dumps(document))
    port = free_port()

    listener = start(tmp_path, port)
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo("relay.dept.gov.uk")
        client.mail(SENDER)
        client.rcpt(ADDRESS)
        code, said = client.data(message().as_bytes())
        kill(listener)  # the moment the 250 is read
    assert code == 250 and b"incident #1 opened" in said
    assert counts(url) == (1, 1)

    listener = start(tmp_path, port)
    second = message("Checkout down", message_id="<second@dept.gov.uk>").as_bytes()
    kill_while_storing(tmp_path, port, second, listener)
    assert counts(url) == (1, 1)  # nothing kept: the sender's server has no 250 and tries again

    listener = start(tmp_path, port)
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.ehlo("relay.dept.gov.uk")
            client.mail(SENDER)
            client.rcpt(ADDRESS)
            assert client.data(second) == (250, b"2.0.0 Accepted: incident #2 opened")
            client.mail(SENDER)
            client.rcpt(ADDRESS)
            assert client.data(second)[1] == b"2.0.0 Accepted: already received (incident #2)"
    finally:
        listener.send_signal(signal.SIGTERM)
        listener.wait(timeout=30)
        if listener.stderr:
            listener.stderr.close()
    assert counts(url) == (2, 2)


def test_serve_starts_the_listener_when_the_policy_enables_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'opsdesk.db'}"
    port = free_port()
    document = policy_document(
        date(2026, 11, 30), weeks=60, email=email_section(port=port), service={"database-url": url}
    )
    (tmp_path / "opsdesk.yaml").write_text(json.dumps(document))
    server, base = serve(tmp_path)
    try:
        assert get(f"{base}/healthz")[0] == 200
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.ehlo("relay.dept.gov.uk")
            client.mail(SENDER)
            client.rcpt(ADDRESS)
            assert client.data(message().as_bytes()) == (250, b"2.0.0 Accepted: incident #1 opened")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert server.returncode == 0
    assert counts(url) == (1, 1)
    listed = subprocess.run(
        [sys.executable, "-m", "opsdesk", "incident", "list"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert listed.stdout.rstrip().endswith(f"by email from {SENDER} in #payments-incident")
    as_json = subprocess.run(
        [sys.executable, "-m", "opsdesk", "incident", "list", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    origin = json.loads(as_json.stdout)["origin"]
    assert origin == {"kind": "email", "sender": SENDER, "channel": "payments-incident"}
