"""Benchmark reading a storm's incident: one incident with --alerts joined alerts (300,000 by default).

Run on demand:  .venv/bin/python benchmarks/bench_timeline.py [--database postgresql|sqlite] [--alerts 300000]
PostgreSQL: OPSDESK_TEST_POSTGRES_URL, else postgresql+psycopg://root@127.0.0.1:5432/test (a fresh
schema per run, dropped after). The incident is opened by `opsdesk incident open` (routed and paged as
usual), its alerts are written straight into the tables in bulk (as the intake's joins would leave them:
one `alert` entry each, the count on the incident; on PostgreSQL then vacuumed, as autovacuum soon would),
then it is acknowledged and given a note.
Prints a Markdown table; docs/performance.md keeps the figures:
  - GET /api/v1/incidents/{id}: answer time (median of 5) and size
  - the largest resident memory of a `serve` process after 8 such requests at once
  - `opsdesk incident show ID` and `--json`: wall time (median of 3) and output size (`opsdesk incident
    list` for comparison: the command's start-up and one small query)
  - where the paged timeline exists: GET .../timeline pages, a walk over every entry, and
    `opsdesk incident show ID --all --alerts` (time and the command's peak memory)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench_incidents import policy
from common import OPSDESK, bench_database, serving
from opsdesk.adapters.db.engine import make_engine

ALERT_SQL_POSTGRESQL = """
INSERT INTO incident_entries (incident_id, at, actor, source, kind, message, data)
SELECT 1, now() - interval '3 hours' + n * interval '30 milliseconds', 'events-api-v2', 'alarm', 'alert',
       'another alert joined: Disk full on db-1 (alert ' || (n + 1) || ')',
       '{"source": "db-1", "severity": "critical"}'::json
FROM generate_series(1, :alerts) AS n
"""


def opsdesk(folder: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*OPSDESK, *args], cwd=folder, env=env, check=True, capture_output=True, text=True)


def add_alerts(url: str, alerts: int) -> None:
    """The storm's alerts in bulk: what `alerts` joins through the intake would have stored."""
    engine = make_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(ALERT_SQL_POSTGRESQL), {"alerts": alerts})
        else:
            rows = [
                {
                    "at": f"2026-12-01 {18 + n // 1_200_000:02d}:{n // 20_000 % 60:02d}:{n // 333 % 60:02d}.000000",
                    "message": f"another alert joined: Disk full on db-1 (alert {n + 1})",
                }
                for n in range(1, alerts + 1)
            ]
            connection.execute(
                text(
                    "INSERT INTO incident_entries (incident_id, at, actor, source, kind, message, data) "
                    "VALUES (1, :at, 'events-api-v2', 'alarm', 'alert', :message, "
                    '\'{"source": "db-1", "severity": "critical"}\')'
                ),
                rows,
            )
        connection.execute(
            text("UPDATE incidents SET alert_count = alert_count + :n WHERE id = 1"), {"n": alerts}
        )
    if engine.dialect.name == "postgresql":  # what autovacuum does soon after a bulk insert
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE incident_entries")
    engine.dispose()


def get(url: str, token: str) -> tuple[float, int, int]:
    """(seconds, bytes, status) of one GET."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=600) as answer:
            body = answer.read()
            status = answer.status
    except urllib.error.HTTPError as exc:
        body, status = exc.read(), exc.code
    return time.perf_counter() - started, len(body), status


def timed_command(folder: Path, env: dict[str, str], *args: str) -> tuple[float, int, int]:
    """(seconds, bytes of output, peak resident memory in MB) of one `opsdesk` command."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [*OPSDESK, *args], cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    size = 0
    assert process.stdout is not None
    while chunk := process.stdout.read(1 << 16):
        size += len(chunk)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"opsdesk {' '.join(args)} failed ({process.returncode})")
    return time.perf_counter() - started, size, usage.ru_maxrss // 1024


def serve_peak_mb(server: subprocess.Popen[bytes]) -> int:
    """The largest peak resident memory (VmHWM) among `serve` and its worker processes, in MB."""
    pids = [server.pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == server.pid:
                pids.append(int(entry.name))
    peak = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]) // 1024)
    return peak


def measure(
    folder: Path, env: dict[str, str], port: int, token: str, server: subprocess.Popen[bytes]
) -> list[str]:
    base = f"http://127.0.0.1:{port}/api/v1/incidents/1"
    rows = []
    runs = [get(base, token) for _ in range(5)]
    rows.append(
        f"| GET /api/v1/incidents/1 | {statistics.median(r[0] for r in runs) * 1000:,.0f} ms | {runs[0][1]:,} bytes |"
    )
    threads = [threading.Thread(target=get, args=(base, token)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rows.append(f"| `serve` peak memory after 8 of them at once | {serve_peak_mb(server):,} MB | |")
    for args in (("incident", "list"), ("incident", "show", "1"), ("incident", "show", "1", "--json")):
        shows = [timed_command(folder, env, *args) for _ in range(3)]
        rows.append(
            f"| `opsdesk {' '.join(args)}` | {statistics.median(s[0] for s in shows):.2f} s "
            f"| {shows[0][1]:,} bytes, {max(s[2] for s in shows)} MB peak |"
        )
    page = get(f"{base}/timeline?limit=100", token)
    if page[2] != 200:
        rows.append("| (no paged timeline in this version) | | |")
        return rows
    pages = [get(f"{base}/timeline?limit=100&alerts=true", token) for _ in range(5)]
    rows.append(
        f"| GET .../timeline?limit=100&alerts=true | {statistics.median(p[0] for p in pages) * 1000:,.0f} ms "
        f"| {pages[0][1]:,} bytes |"
    )
    started, count, before = time.perf_counter(), 0, None
    while True:
        request = urllib.request.Request(
            f"{base}/timeline?limit=1000&alerts=true" + (f"&before={before}" if before else ""),
            headers={"Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(request, timeout=600) as answer:
            body: dict[str, Any] = json.loads(answer.read())
        count += len(body["entries"])
        before = body["next"]
        if before is None:
            break
    rows.append(
        f"| walk every entry, 1,000 a page | {time.perf_counter() - started:.1f} s | {count:,} entries |"
    )
    walked = timed_command(folder, env, "incident", "show", "1", "--all", "--alerts")
    rows.append(
        f"| `opsdesk incident show 1 --all --alerts` | {walked[0]:.1f} s | {walked[1]:,} bytes, {walked[2]} MB peak |"
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--alerts", type=int, default=300_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="opsdesk-bench-"))
    (folder / "opsdesk.yaml").write_text(json.dumps(policy()), encoding="utf-8")
    with bench_database(args.database, folder) as url:
        env = {**os.environ, "OPSDESK_DATABASE_URL": url, "OPSDESK_CACHE_DIR": str(folder / "cache")}
        opsdesk(folder, env, "db", "upgrade")
        token = opsdesk(folder, env, "token", "create", "--name", "bench", "--role", "viewer").stdout.strip()
        opsdesk(folder, env, "incident", "open", "--service", "platform", "--summary", "Disk full on db-1")
        add_alerts(url, args.alerts)
        opsdesk(folder, env, "incident", "ack", "1", "--as", "alice")
        opsdesk(folder, env, "incident", "note", "1", "clearing old WAL files", "--as", "alice")
        with serving(folder, env, args.workers) as (server, port):
            rows = measure(folder, env, port, token, server)
    print(f"{args.database}, one incident with {args.alerts:,} joined alerts:\n")
    print("| measure | time | size |")
    print("|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
