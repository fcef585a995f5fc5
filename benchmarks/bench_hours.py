"""Benchmark the cover engine: in-process throughput, and the CLI over 100,000 instants, start-up included.

Run on demand:  .venv/bin/python benchmarks/bench_hours.py [--instants N] [--repeat R]
Prints a Markdown table; docs/performance.md keeps the figures measured on the reference machine.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import OPSDESK
from opsdesk.bootstrap import bootstrap
from opsdesk.config.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def every_five_minutes(count: int) -> list[str]:
    """A monitoring job's view: consecutive 5-minute steps (100,000 steps is about a year), in UTC."""
    start = datetime(2026, 6, 1, tzinfo=UTC)
    return [(start + timedelta(minutes=5 * i)).strftime("%Y-%m-%dT%H:%M:%SZ") for i in range(count)]


def instants(count: int, seed: int = 7) -> list[str]:
    """A reproducible mix of what programs send: UTC, offsets and wall-clock times over 2020-2031."""
    rng = random.Random(seed)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    span = int(timedelta(days=365 * 12).total_seconds())
    forms = []
    for i in range(count):
        at = start + timedelta(seconds=rng.randrange(span))
        kind = i % 3
        if kind == 0:
            forms.append(at.strftime("%Y-%m-%dT%H:%M:%SZ"))
        elif kind == 1:
            forms.append(at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00"))
        else:
            forms.append(at.strftime("%Y-%m-%dT%H:%M") + ":00")  # wall-clock (a few land in the spring gap)
    return forms


def in_process(lines: list[str], repeat: int) -> tuple[float, float]:
    """Instants per second: classification only, and parse + classify + JSON (the stream path)."""
    service = bootstrap(Settings.from_environment()).hours
    engine = service.engine
    tz = service.timezone
    parsed = [datetime.fromisoformat(x.replace("Z", "+00:00")).replace(tzinfo=tz) for x in lines]
    engine.windows(parsed[0], parsed[0] + timedelta(days=1))  # warm the day cache once, like a long run
    classify, stream = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for at in parsed:
            engine.cover_at(at)
        classify.append(len(parsed) / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        service.json_lines(lines)
        stream.append(len(lines) / (time.perf_counter() - t0))
    return statistics.median(classify), statistics.median(stream)


def wall(command: list[str], stdin: Path | None, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        with open(stdin or os.devnull, "rb") as source:
            t0 = time.perf_counter()
            subprocess.run(
                command, stdin=source, stdout=subprocess.DEVNULL, check=False, cwd=tempfile.gettempdir()
            )
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instants", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    lines = instants(args.instants)
    classify, stream = in_process(lines, args.repeat)
    print(f"| measure | median of {args.repeat}+ runs |")
    print("|---|---|")
    print(f"| in-process classification (`CoverEngine.cover_at`) | {classify:,.0f} instants/s |")
    print(
        f"| in-process parse + classify + JSON line (`HoursService.json_lines`) | {stream:,.0f} instants/s |"
    )
    workloads = {
        "random instants over 2020-2031 (about 4,400 distinct days)": lines,
        "5-minute steps (about a year)": every_five_minutes(args.instants),
    }
    for label, workload in workloads.items():
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
            handle.write("\n".join(workload) + "\n")
            path = Path(handle.name)
        try:
            seconds = wall([*OPSDESK, "hours", "--json", "--at", "-"], path, args.repeat)
        finally:
            path.unlink()
        print(
            f"| `opsdesk hours --json --at -`, {len(workload):,} {label}, start-up included | {seconds:.2f} s |"
        )
    single = wall([*OPSDESK, "hours"], None, max(args.repeat, 10))
    help_ = wall([*OPSDESK, "hours", "--help"], None, max(args.repeat, 10))
    print(f"| `opsdesk hours` (one instant: now) | {single:.3f} s |")
    print(f"| `opsdesk hours --help` | {help_:.3f} s |")


if __name__ == "__main__":
    main()
