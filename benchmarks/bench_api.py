"""Benchmark the HTTP API and the outbox, on loopback, against `opsdesk serve` as deployed.

Run on demand:  .venv/bin/python benchmarks/bench_api.py [--workers 2] [--seconds 15]
Needs wrk and hey (Debian: apt-get install wrk hey). Prints a Markdown table; docs/performance.md keeps
the figures.
  1. GET /api/v1/oncall with a valid token: wrk -t2 -c16 -d15s (throughput, p50/p99)
  2. the same at a paced 500 requests/s (p50/p99): hey -c 4 -q 125 (a Python client if hey is missing)
  3. the time from a message written to the outbox to its arrival at a local fake Slack (p50/p99)
"""

from __future__ import annotations

import argparse
import http.client
import logging
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from common import OPSDESK, free_port, percentile
from opsdesk.adapters.db.engine import make_engine
from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.domain.outbox import OutgoingMessage


def wrk(url: str, token: str, seconds: int) -> tuple[float, str, str]:
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "-H", f"Authorization: Bearer {token}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+(\S+)", out).group(1)  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+(\S+)", out).group(1)  # type: ignore[union-attr]
    return rate, p50, p99


def paced_hey(port: int, token: str, seconds: int) -> tuple[float, float, int] | None:
    """p50 and p99 (ms) at 500 requests/s from hey (4 connections x 125/s), and the count answered."""
    if shutil.which("hey") is None:
        return None
    out = subprocess.run(
        [
            "hey",
            "-z",
            f"{seconds}s",
            "-c",
            "4",
            "-q",
            "125",
            "-H",
            f"Authorization: Bearer {token}",
            f"http://127.0.0.1:{port}/api/v1/oncall",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    p50 = float(re.search(r"50% in ([\d.]+) secs", out).group(1)) * 1000  # type: ignore[union-attr]
    p99 = float(re.search(r"99% in ([\d.]+) secs", out).group(1)) * 1000  # type: ignore[union-attr]
    answered = int(re.search(r"\[200\]\s+(\d+)", out).group(1))  # type: ignore[union-attr]
    return p50, p99, answered


def paced(port: int, token: str, rate: int, seconds: int) -> list[float]:
    """Latencies (ms) of requests sent on a fixed schedule by 4 keep-alive connections."""
    latencies: list[float] = []
    lock = threading.Lock()
    per_thread = rate / 4

    def run() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        start = time.perf_counter()
        for i in range(int(per_thread * seconds)):
            due = start + i / per_thread
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            sent = time.perf_counter()
            connection.request("GET", "/api/v1/oncall", headers={"Authorization": f"Bearer {token}"})
            connection.getresponse().read()
            with lock:
                latencies.append((time.perf_counter() - sent) * 1000)
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def main() -> None:  # noqa: PLR0915  (one scripted run, top to bottom)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=15)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="opsdesk-bench-"))
    received: dict[str, float] = {}

    def slack(request: Request) -> Response:
        text = request.form.get("text") or (request.get_json(silent=True) or {}).get("text", "")
        received[str(text)] = time.time()
        return Response('{"ok": true, "ts": "1.0"}', content_type="application/json")

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    fake = HTTPServer(host="127.0.0.1", port=free_port())
    fake.expect_request("/api/chat.postMessage").respond_with_handler(slack)
    fake.start()
    env = {
        **os.environ,
        "OPSDESK_SLACK_TOKEN": "xoxb-bench",
        "OPSDESK_SLACK_API_URL": fake.url_for("/api/"),
        "OPSDESK_CACHE_DIR": str(folder / "cache"),
    }
    subprocess.run([*OPSDESK, "init"], cwd=folder, env=env, check=True, capture_output=True)
    token = subprocess.run(
        [*OPSDESK, "token", "create", "--name", "bench", "--role", "viewer"],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    port = free_port()
    server = subprocess.Popen(
        [*OPSDESK, "serve", "--port", str(port), "--workers", str(args.workers)],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(4)
        url = f"http://127.0.0.1:{port}/api/v1/oncall"
        by_hey = paced_hey(port, token, 10)  # first, on a quiet machine
        latencies = [] if by_hey else paced(port, token, 500, 10)
        rate, p50, p99 = wrk(url, token, args.seconds)
        engine = make_engine(f"sqlite:///{folder / 'opsdesk.db'}")
        store = SqlOutbox(engine)
        written: dict[str, float] = {}
        for i in range(200):
            text = f"bench {i}"
            with engine.begin() as connection:
                store.add(
                    connection, OutgoingMessage("slack", "C0BENCH", {"text": text}, text), datetime.now(UTC)
                )
            written[text] = time.time()
            time.sleep(0.02)
        deadline = time.time() + 30
        while len(received) < 200 and time.time() < deadline:
            time.sleep(0.1)
        delays = [(received[k] - written[k]) * 1000 for k in written if k in received]
    finally:
        server.terminate()
        server.wait(timeout=30)
        fake.stop()
    print("| measure | result |")
    print("|---|---|")
    print(
        f"| `GET /api/v1/oncall`, wrk -t2 -c16 -d{args.seconds}s, {args.workers} API processes | "
        f"{rate:,.0f} requests/s, p50 {p50}, p99 {p99} |"
    )
    if by_hey:
        p50_ms, p99_ms, answered = by_hey
        client = f"hey, {answered} requests"
    else:
        p50_ms, p99_ms, client = percentile(latencies, 0.5), percentile(latencies, 0.99), "Python client"
    print(
        f"| `GET /api/v1/oncall` paced at 500 requests/s for 10 s ({client}) | p50 {p50_ms:.2f} ms, p99 {p99_ms:.2f} ms |"
    )
    print(
        f"| outbox: written to delivered at a fake Slack ({len(delays)} of 200 messages) | "
        f"p50 {statistics.median(delays):.0f} ms, p99 {percentile(delays, 0.99):.0f} ms |"
    )


if __name__ == "__main__":
    main()
