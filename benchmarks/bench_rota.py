"""Benchmark rota generation (52 weeks x 12 engineers; 26 weeks x 6) and 100,000 `who` look-ups.

Run on demand:  .venv/bin/python benchmarks/bench_rota.py
Prints a Markdown table; docs/performance.md keeps the figures measured on the reference machine.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from opsdesk.bootstrap import bootstrap
from opsdesk.config.settings import Settings

NAMES = ["alice", "bilal", "chen", "dana", "eve", "femi", "gita", "hugo", "ines", "jack", "kofi", "lena"]


def team(size: int) -> dict[str, object]:
    engineers = [{"id": n, "name": n.title(), "email": f"{n}@example.org"} for n in NAMES[:size]]
    engineers[1]["experienced"] = False  # one newcomer
    leave = [
        {"engineer": NAMES[2], "from": "2027-03-01", "to": "2027-03-19", "note": "three weeks"},
        {"engineer": NAMES[3], "from": "2026-12-21", "to": "2027-01-01", "note": "Christmas"},
    ]
    return {"engineers": engineers, "leave": leave}


def generate(size: int, weeks: int, repeat: int) -> tuple[float, dict[str, tuple[int, int]], bool]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "opsdesk.yaml"
        path.write_text(json.dumps(team(size)), encoding="utf-8")
        app = bootstrap(Settings(path, policy_path_explicit=True, cache_dir=None))
        times, result = [], None
        for _ in range(repeat):
            started = time.perf_counter()
            result = app.generate_rota(date(2026, 11, 30), weeks)
            times.append(time.perf_counter() - started)
        assert result is not None
        return statistics.median(times), result.spreads, result.plan.optimal


def who_lookups(count: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "opsdesk.yaml"
        path.write_text(json.dumps(team(12)), encoding="utf-8")
        settings = Settings(path, policy_path_explicit=True, cache_dir=None)
        app = bootstrap(settings)
        plan = app.generate_rota(date(2026, 11, 30), 52).plan
        app.write_rota(plan)
        app = bootstrap(settings)
        service = app.rota
        rng = random.Random(3)
        start = datetime(2026, 11, 30, tzinfo=UTC)
        instants = [start + timedelta(seconds=rng.randrange(364 * 86400)) for _ in range(count)]
        started = time.perf_counter()
        for at in instants:
            service.who(at)
        return count / (time.perf_counter() - started)


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    print("| measure | median | fairness (fewest-most: primary, secondary, weekend days, support days) |")
    print("|---|---|---|")
    for size, weeks in ((12, 52), (6, 26)):
        seconds, spreads, optimal = generate(size, weeks, repeat)
        spread = ", ".join(f"{lo}-{hi}" for lo, hi in spreads.values())
        state = "optimal" if optimal else "not proven optimal"
        print(
            f"| `rota generate`: {weeks} weeks x {size} engineers, with daily support duty | {seconds:.2f} s ({state}) | {spread} |"
        )
    print(f"| `who` look-ups in-process (52-week rota, 12 engineers) | {who_lookups(100_000):,.0f} /s | |")


if __name__ == "__main__":
    main()
