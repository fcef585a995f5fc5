"""Benchmark paging by SMS: 200 incidents paged at once, each paging its primary through Twilio.

Run on demand:  .venv/bin/python benchmarks/bench_paging_sms.py [--database sqlite|postgresql|both]
                [--mode held|opened|both] [--incidents 200] [--workers 2] [--twilio-ms 0]
PostgreSQL: OPSDESK_TEST_POSTGRES_URL, else postgresql+psycopg://root@127.0.0.1:5432/test (a fresh
schema per run, dropped after).

A real `opsdesk serve --workers N` pages through the local fake of Twilio's REST API (tests/fake_twilio.py,
threaded, in this process) with the service's paging ways set to SMS alone. Two ways to page 200 at once:
- held: the policy's on-call cover starts at the next minute (at least 20 s away) and there is no cover
  before it. The 200 incidents are opened by Events API v2 triggers before then, so each first page is
  held for cover, and all 200 come due together when it starts (their jobs' `due_at`): the team's 07:00.
- opened: on-call cover all day, and the 200 triggers are sent all at once (one task each), so each
  incident's first page is due the moment it opens (`opened_at`) while the API is still taking the rest.
The time measured runs from each page's due time (stored in the database) to the moment the fake Twilio
took the `Messages.json` request for it (the SMS names its incident's number). `--twilio-ms` makes the
fake answer as slowly as the real API does. Prints a Markdown row per run: incidents, SMS taken by
Twilio, p50/p95/p99/max, how many over 500 ms (the target: p99 under 500 ms), and SMS sent twice (must
be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from common import bench_database, percentile, serving
from opsdesk.adapters.db.engine import make_engine
from opsdesk.adapters.db.tables import IncidentRecord, JobRecord

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, SENDER, FakeTwilio

KEY = "benchmarkroutingkey0123456789abc"
LONDON = ZoneInfo("Europe/London")
TARGET_MS = 500.0
NUMBER = re.compile(r"#(\d+)")


def policy(cover_from: str) -> dict[str, object]:
    """Four engineers with phones, this week's rota, a service paging by SMS; on-call cover from
    `cover_from` (HH:MM) to midnight every day, none before."""
    hours = {"on-call": [f"{cover_from}-24:00"]}
    today = datetime.now(LONDON).date()
    monday = today - timedelta(days=today.weekday())
    people = ["alice", "bilal", "chen", "dana"]
    return {
        "hours": {"working-day": hours, "weekend": hours, "bank-holiday": hours},
        "engineers": [
            {"id": p, "name": p.title(), "email": f"{p}@example.org", "phone": f"+44 7911 12345{n}"}
            for n, p in enumerate(people)
        ],
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
        "services": [{"id": "platform", "name": "Platform", "integration-keys": [KEY], "paging": ["sms"]}],
    }


def cover_start() -> datetime:
    """The next whole minute at least 20 s away, London time (held mode's 07:00)."""
    start = (datetime.now(LONDON) + timedelta(seconds=80)).replace(second=0, microsecond=0)
    if (start.hour == 23 and start.minute >= 58) or start.date() != datetime.now(LONDON).date():
        raise SystemExit("held mode needs cover to start before midnight: run it again after 00:01")
    return start


class TimedTwilio(FakeTwilio):
    """The fake, noting the wall time each SMS request was taken."""

    taken: list[tuple[float, str]]
    answer_after: float = 0.0  # seconds before the answer, as a real Twilio takes

    def _create(self, kind: str, form: Any) -> Any:
        self.taken.append((time.time(), str(form.get("Body", ""))))
        time.sleep(self.answer_after)
        return super()._create(kind, form)


async def open_incidents(port: int, count: int) -> int:
    """`count` triggers with distinct dedup keys, all sent at once; how many were accepted (202)."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:

        async def one(n: int) -> int:
            body = {
                "routing_key": KEY,
                "event_action": "trigger",
                "dedup_key": f"bench-{n}",
                "payload": {"summary": f"Disk full on db-{n}", "source": "bench", "severity": "critical"},
            }
            answer = await client.post("/api/v1/events/v2/enqueue", json=body)
            return int(answer.status_code == 202)

        return sum(await asyncio.gather(*(one(n) for n in range(count))))


def due_times(url: str, mode: str) -> dict[int, float]:
    """Each incident's first page's due time: its held job's `due_at`, or its opening."""
    engine = make_engine(url)
    with engine.connect() as connection:
        if mode == "held":
            rows = connection.execute(
                select(JobRecord.key, JobRecord.due_at).where(JobRecord.key.like("incident:%:page:c1s1"))
            )
            found = {int(key.split(":")[1]): at.timestamp() for key, at in rows}
        else:
            rows = connection.execute(select(IncidentRecord.id, IncidentRecord.opened_at))
            found = {number: at.timestamp() for number, at in rows}
    engine.dispose()
    return found


def run(database: str, mode: str, args: argparse.Namespace) -> str:
    folder = Path(tempfile.mkdtemp(prefix="opsdesk-bench-"))
    start = cover_start() if mode == "held" else None
    (folder / "opsdesk.yaml").write_text(
        json.dumps(policy(f"{start:%H:%M}" if start else "00:00")), encoding="utf-8"
    )
    server = HTTPServer(threaded=True)
    server.start()
    twilio = TimedTwilio(server)
    twilio.taken = []
    twilio.answer_after = args.twilio_ms / 1000
    twilio.install()
    try:
        with bench_database(database, folder) as url:
            env = {
                **os.environ,
                "OPSDESK_DATABASE_URL": url,
                "OPSDESK_CACHE_DIR": str(folder / "cache"),
                "OPSDESK_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "OPSDESK_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "OPSDESK_TWILIO_FROM": SENDER,
                "OPSDESK_TWILIO_API_URL": twilio.url,
            }
            with serving(folder, env, args.workers) as (_, port):
                accepted = asyncio.run(open_incidents(port, args.incidents))
                if start is not None:
                    if twilio.taken or time.time() >= start.timestamp():
                        raise SystemExit(
                            "pages went out before cover started: the machine is too slow for held mode"
                        )
                    time.sleep(max(0.0, start.timestamp() - time.time()))
                deadline = time.time() + 120
                while len(twilio.taken) < accepted and time.time() < deadline:
                    time.sleep(0.2)
                time.sleep(2)  # anything sent twice comes now, or not at all
                due = due_times(url, mode)
    finally:
        server.clear()
        server.stop()
    first: dict[int, float] = {}
    counts: Counter[int] = Counter()
    for at, body in twilio.taken:
        found = NUMBER.search(body)
        if found is not None:
            counts[int(found[1])] += 1
            first.setdefault(int(found[1]), at)
    waits = [(first[n] - due[n]) * 1000 for n in first if n in due]
    if not waits:
        return f"| {database} | {mode} | {accepted} | {len(first)} | no SMS matched a page | | |"
    twice = sum(1 for c in counts.values() if c > 1)
    over = sum(1 for w in waits if w > TARGET_MS)
    return (
        f"| {database} | {mode} | {accepted} | {len(first)} | {percentile(waits, 0.5):.0f} / "
        f"{percentile(waits, 0.95):.0f} / {percentile(waits, 0.99):.0f} / {max(waits):.0f} ms | {over} | {twice} |"
    )


logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the fake's request log


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--mode", choices=["held", "opened", "both"], default="both")
    parser.add_argument("--incidents", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--twilio-ms", type=float, default=0, help="how long the fake takes to answer")
    args = parser.parse_args()
    print(
        "| database | paged | incidents | SMS taken by Twilio | due to Twilio p50 / p95 / p99 / max "
        "| over 500 ms | sent twice |"
    )
    print("|---|---|---|---|---|---|---|")
    for database in ["sqlite", "postgresql"] if args.database == "both" else [args.database]:
        for mode in ["held", "opened"] if args.mode == "both" else [args.mode]:
            print(run(database, mode, args), flush=True)


if __name__ == "__main__":
    main()
