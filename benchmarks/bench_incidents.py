"""Benchmark alarm intake: flood `opsdesk serve` over HTTP with Events API v2 triggers.

Run on demand:  .venv/bin/python benchmarks/bench_incidents.py [--database sqlite|postgresql|both]
                [--events 10000] [--keys 200] [--workers 2] [--connections 32]
PostgreSQL: OPSDESK_TEST_POSTGRES_URL, else postgresql+psycopg://root@127.0.0.1:5432/test (a fresh
schema per run, dropped after). The policy gives on-call cover all day, so every new incident pages its
primary at once. Prints a Markdown table; docs/performance.md keeps the figures:
  - events/s accepted (202s over the wall time of the whole flood)
  - p50/p99 from an incident's first event being sent to its page being stored in the outbox
  - p50/p99 of every event's answer
  - incidents created (must be exactly --keys), pages at the first step (exactly --keys),
    events lost (202s not counted on an incident: must be 0)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import String, cast, literal, select, text

from common import bench_database, percentile, serving
from opsdesk.adapters.db.engine import make_engine
from opsdesk.adapters.db.tables import IncidentRecord, OutboxRecord

KEY = "benchmarkroutingkey0123456789abc"
ALL_DAY = {"on-call": ["00:00-24:00"]}


def policy() -> dict[str, object]:
    today = datetime.now(ZoneInfo("Europe/London")).date()
    monday = today - timedelta(days=today.weekday())
    people = ["alice", "bilal", "chen", "dana"]
    return {
        "hours": {"working-day": ALL_DAY, "weekend": ALL_DAY, "bank-holiday": ALL_DAY},
        "engineers": [{"id": p, "name": p.title(), "email": f"{p}@example.org"} for p in people],
        "rota": {
            "on-call": [
                {
                    "week": str(monday + timedelta(weeks=w)),
                    "primary": people[w % 2],
                    "secondary": people[2 + w % 2],
                }
                for w in range(-1, 3)
            ]
        },
        "services": [{"id": "platform", "name": "Platform", "integration-keys": [KEY]}],
    }


def event(number: int, keys: int) -> bytes:
    return json.dumps(
        {
            "routing_key": KEY,
            "event_action": "trigger",
            "dedup_key": f"alarm-{number % keys}",
            "payload": {
                "summary": f"Disk full on db-{number % keys}",
                "source": "bench",
                "severity": "critical",
            },
        }
    ).encode()


async def flood(
    port: int, events: int, keys: int, connections: int
) -> tuple[dict[int, float], list[float], int]:
    """Send every event over keep-alive connections; first send time per key, answer times (ms), 202s."""
    first_sent: dict[int, float] = {}
    answers: list[float] = []
    accepted = 0
    counter = iter(range(events))

    async def client() -> None:
        nonlocal accepted
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for number in counter:
            body = event(number, keys)
            head = (
                f"POST /api/v1/events/v2/enqueue HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            sent = time.time()
            first_sent.setdefault(number % keys, sent)
            writer.write(head + body)
            await writer.drain()
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
            answers.append((time.time() - sent) * 1000)
            if b" 202 " in status_line:
                accepted += 1
        writer.close()

    await asyncio.gather(*(client() for _ in range(connections)))
    return first_sent, answers, accepted


def run(database: str, args: argparse.Namespace) -> str:
    folder = Path(tempfile.mkdtemp(prefix="opsdesk-bench-"))
    (folder / "opsdesk.yaml").write_text(json.dumps(policy()), encoding="utf-8")
    with bench_database(database, folder) as url:
        env = {**os.environ, "OPSDESK_DATABASE_URL": url, "OPSDESK_CACHE_DIR": str(folder / "cache")}
        with serving(folder, env, args.workers) as (_, port):
            started = time.time()
            first_sent, answers, accepted = asyncio.run(flood(port, args.events, args.keys, args.connections))
            elapsed = time.time() - started
            engine = make_engine(url)
            with engine.connect() as connection:
                incidents = connection.scalar(text("SELECT count(*) FROM incidents"))
                alerts = connection.scalar(text("SELECT coalesce(sum(alert_count), 0) FROM incidents"))
                first_pages = select(IncidentRecord.dedup_key, OutboxRecord.created_at).join(
                    OutboxRecord,
                    OutboxRecord.idempotency_key.like(
                        literal("page:") + cast(IncidentRecord.id, String) + literal(":c1s1:%")
                    ),
                )
                stored: dict[str, datetime] = {}
                for dedup_key, created in connection.execute(first_pages):
                    stored[dedup_key] = min(created, stored.get(dedup_key, created))
            engine.dispose()
    to_page = [
        (created.timestamp() - first_sent[int(dedup_key.split("-")[1])]) * 1000
        for dedup_key, created in stored.items()
    ]
    lost = accepted - int(alerts or 0)
    return (
        f"| {database} | {accepted / elapsed:,.0f} | {percentile(to_page, 0.5):.0f} / {percentile(to_page, 0.99):.0f} ms "
        f"| {percentile(answers, 0.5):.1f} / {percentile(answers, 0.99):.1f} ms | {incidents} | {len(stored)} "
        f"| {lost} | {accepted} of {args.events} in {elapsed:.1f} s |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    print(
        "| database | events/s accepted | event to page stored, p50 / p99 | answer p50 / p99 | incidents "
        "| pages at step 1 | events lost | events |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for database in ["sqlite", "postgresql"] if args.database == "both" else [args.database]:
        print(run(database, args), flush=True)


if __name__ == "__main__":
    main()
