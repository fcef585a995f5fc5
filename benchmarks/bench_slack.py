"""Benchmark the Slack app: signed `/opsdesk oncall` slash commands, open-loop, into a real `opsdesk serve`.

Run on demand:  .venv/bin/python benchmarks/bench_slack.py [--database sqlite|postgresql] [--rate 50]
                [--seconds 30] [--workers 2]
PostgreSQL: OPSDESK_TEST_POSTGRES_URL, else postgresql+psycopg://root@127.0.0.1:5432/test (a fresh schema
per run, dropped after).

`opsdesk serve --workers N` runs with OPSDESK_SLACK_SIGNING_SECRET set and the four-engineer rota of
tests/incident_world.py. Requests go to POST /api/v1/integrations/slack/events at a steady `--rate` for
`--seconds`, open-loop: each is sent at its fixed time whatever the answers before it (asyncio and httpx,
one task per request, no cap on connections), so a slow server meets a queue instead of a slower client.
Each is a slash command's form body as Slack sends it (tests/slack_requests.py) with its own trigger_id,
signed at its send time (v0= HMAC-SHA256 of "v0:{timestamp}:{body}"); the app refuses a signed request
taken in twice, so every body differs. The time measured runs from a request's scheduled send to the
HTTP answer (Slack's acknowledgement: Slack shows an error when it takes more than 3 s). Prints a
Markdown row: sent, answered 200, p50/p95/p99/max, how many over 3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from common import bench_database, percentile, serving

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.incident_world import policy_document
from tests.slack_requests import SECRET, signed, slash_command

ROUTE = "/api/v1/integrations/slack/events"
SLACK_GIVES_UP = 3.0  # seconds: Slack's limit for an acknowledgement


async def one(client: httpx.AsyncClient, n: int, due: float, results: list[tuple[int, float]]) -> None:
    """Request `n`, sent at `due` (perf_counter), its status and seconds from `due` to the answer."""
    delay = due - time.perf_counter()
    if delay > 0:
        await asyncio.sleep(delay)
    body = slash_command("oncall").replace("trigger_id=13345224609", f"trigger_id=bench{n}.13345224609")
    try:
        answer = await client.post(ROUTE, content=body.encode(), headers=signed(body, secret=SECRET))
        status = answer.status_code
    except httpx.HTTPError:
        status = 0  # no answer within the client's timeout, or the connection failed
    results.append((status, time.perf_counter() - due))


async def load(port: int, rate: float, seconds: float) -> list[tuple[int, float]]:
    """Send `rate` × `seconds` requests, one every 1/rate s, each in its own task."""
    results: list[tuple[int, float]] = []
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30, limits=limits) as client:
        start = time.perf_counter() + 0.1
        tasks = [
            asyncio.create_task(one(client, n, start + n / rate, results)) for n in range(int(rate * seconds))
        ]
        await asyncio.gather(*tasks)
    return results


def warm(port: int) -> None:
    """A few commands before the clock starts, so each API process has loaded the policy; each must
    answer with the cover (a code block), not the help or a refusal."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        for n in range(10):
            body = slash_command("oncall").replace("trigger_id=13345224609", f"trigger_id=warm{n}.1")
            answer = client.post(ROUTE, content=body.encode(), headers=signed(body))
            if answer.status_code != 200 or "```" not in answer.text:
                raise SystemExit(f"warm-up refused: {answer.status_code} {answer.text}")


def run(database: str, rate: float, seconds: float, workers: int) -> None:
    monday = datetime.now(UTC).date() - timedelta(days=datetime.now(UTC).weekday())
    with tempfile.TemporaryDirectory() as name, bench_database(database, Path(name)) as url:
        folder = Path(name)
        document = policy_document(monday - timedelta(weeks=1), weeks=8, service={"database-url": url})
        (folder / "opsdesk.yaml").write_text(json.dumps(document))
        env = {
            **os.environ,
            "OPSDESK_SLACK_SIGNING_SECRET": SECRET,
            "OPSDESK_CACHE_DIR": str(folder / "cache"),
        }
        with serving(folder, env, workers) as (_, port):
            warm(port)
            began = time.perf_counter()
            results = asyncio.run(load(port, rate, seconds))
            elapsed = time.perf_counter() - began
    times = [t * 1000 for _, t in results]
    ok = sum(1 for status, _ in results if status == 200)
    slow = sum(1 for t in times if t > SLACK_GIVES_UP * 1000)
    print(
        f"| {database} | {workers} | {rate:g}/s for {seconds:g} s ({elapsed:.1f} s) | {len(results)} | {ok} | "
        f"{percentile(times, 0.5):.0f} ms | {percentile(times, 0.95):.0f} ms | "
        f"{percentile(times, 0.99):.0f} ms | {max(times):.0f} ms | {slow} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    print("| database | API processes | load | sent | answered 200 | p50 | p95 | p99 | max | over 3 s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    run(options.database, options.rate, options.seconds, options.workers)


if __name__ == "__main__":
    main()
