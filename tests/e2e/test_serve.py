"""`opsdesk serve` as an operator runs it: migrates, answers the API, delivers the outbox, stops cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from opsdesk.adapters.db.engine import make_engine
from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.domain.outbox import OutboxState, OutgoingMessage
from tests.e2e.conftest import Run
from tests.rota_builders import team


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def serve(
    workdir: Path, *options: str, stderr: int = subprocess.DEVNULL
) -> tuple[subprocess.Popen[bytes], str]:
    """`opsdesk serve` on a free port in `workdir`, once it answers; and its address."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "opsdesk", "serve", "--port", str(port), *options],
        cwd=workdir,
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if get(f"{base}/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.1)
    return server, base


def test_serve_answers_delivers_and_stops(opsdesk: Run, workdir: Path) -> None:
    (workdir / "opsdesk.yaml").write_text(json.dumps(team()), encoding="utf-8")
    created = opsdesk("token", "create", "--name", "ops", "--role", "engineer")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("odk_") and token not in created.stderr
    server, base = serve(workdir, "--log-format", "json", stderr=subprocess.PIPE)
    try:
        status, ready = get(f"{base}/readyz")
        assert (status, json.loads(ready)["status"]) == (200, "ready")
        status, body = get(f"{base}/api/v1/oncall?at=2026-12-01T17:00", token)
        assert status == 200
        assert json.loads(body)["primary"] == {"id": "alice", "name": "Alice"}
        assert get(f"{base}/api/v1/oncall")[0] == 401
        feed = opsdesk("token", "feed-url", "--base-url", base).stdout.strip()
        assert get(feed)[0] == 200
        engine = make_engine(f"sqlite:///{workdir / 'opsdesk.db'}")
        store = SqlOutbox(engine)
        with engine.begin() as connection:
            store.add(connection, OutgoingMessage("log", "#ask", {"text": "hello"}, "k1"), datetime.now(UTC))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and store.rows()[0].state is not OutboxState.DELIVERED:
            time.sleep(0.1)
        assert store.rows()[0].state is OutboxState.DELIVERED
        engine.dispose()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        logs = server.stderr.read().decode() if server.stderr else ""
        if server.stderr:
            server.stderr.close()
    assert server.returncode == 0
    records = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    assert any(r["message"] == "serving" for r in records)
    assert token not in logs
    assert "key=" not in logs  # feed secrets stay out of the logs


def test_metrics_add_up_every_api_process(opsdesk: Run, workdir: Path) -> None:
    token = opsdesk("token", "create", "--name", "prometheus", "--role", "viewer").stdout.strip()
    server, base = serve(workdir, "--workers", "2")
    try:
        counted = []
        for asked in range(1, 31):  # new connections: the two processes share them
            assert get(f"{base}/api/v1/cover?at=2026-12-01T17:00", token)[0] == 200
            if asked % 3 == 0:
                status, text = get(f"{base}/metrics", token)
                assert status == 200
                line = next(
                    x
                    for x in text.splitlines()
                    if x.startswith('opsdesk_http_requests_total{method="GET",route="/api/v1/cover"')
                )
                counted.append((asked, float(line.rsplit(" ", 1)[1])))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert server.returncode == 0
    assert counted == [(asked, float(asked)) for asked, _ in counted]  # every scrape: the whole count


def test_every_api_process_logs_in_the_format_asked_for(opsdesk: Run, workdir: Path) -> None:
    """With --workers 2 --log-format json, the API processes' own lines (a refused policy) are JSON too."""
    policy = workdir / "opsdesk.yaml"
    policy.write_text(json.dumps(team()), encoding="utf-8")
    server, _ = serve(workdir, "--workers", "2", "--log-format", "json", stderr=subprocess.PIPE)
    try:
        time.sleep(1)
        policy.write_text("rota: [unclosed", encoding="utf-8")
        time.sleep(4)  # two looks by every process
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
    lines = [json.loads(line) for line in stderr.decode().splitlines() if line.strip()]  # every line JSON
    refusals = [line for line in lines if "refused" in line["message"]]
    assert len(refusals) >= 3, refusals  # the serving process and both API processes said it
    assert all(line["level"] == "error" for line in refusals)
