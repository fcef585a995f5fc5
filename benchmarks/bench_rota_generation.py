"""Benchmark `rota generate` with the fatigue defaults: the example team (`opsdesk init`) for 26 weeks, and
12 engineers for 52 weeks. Every result is written and checked with `rota check`'s rules; the spreads
are printed with the time.

Run on demand:  .venv/bin/python benchmarks/bench_rota_generation.py [repeat]
Prints a Markdown table; docs/performance.md keeps the figures measured on the reference machine.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from opsdesk.bootstrap import bootstrap
from opsdesk.config.example import example_policy
from opsdesk.config.settings import Settings
from opsdesk.domain.rota import WEEK

NAMES = ["alice", "bilal", "chen", "dana", "eve", "femi", "gita", "hugo", "ines", "jack", "kofi", "lena"]
FIRST = date(2026, 11, 30)


def twelve() -> str:
    """Twelve engineers, one new, one on three weeks' leave and one away over Christmas (JSON is YAML)."""
    engineers: list[dict[str, object]] = [
        {"id": n, "name": n.title(), "email": f"{n}@example.org"} for n in NAMES
    ]
    engineers[1]["experienced"] = False
    leave = [
        {"engineer": "chen", "from": "2027-03-01", "to": "2027-03-19", "note": "three weeks"},
        {"engineer": "dana", "from": "2026-12-21", "to": "2027-01-01", "note": "Christmas"},
    ]
    return json.dumps({"engineers": engineers, "leave": leave})


def example() -> str:
    """The example team with its published six weeks dropped, so the generator plans from scratch."""
    text = example_policy(FIRST)
    head, _, rest = text.partition("  on-call:\n")
    return head + "  on-call: []\n  support: []\n" + rest[rest.index("\nleave:") :]


def run(policy: str, weeks: int, repeat: int) -> tuple[float, dict[str, tuple[int, int]], bool, int, int]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "opsdesk.yaml"
        path.write_text(policy, encoding="utf-8")
        settings = Settings(path, policy_path_explicit=True, cache_dir=None)
        app = bootstrap(settings)
        times, result = [], None
        for _ in range(repeat):
            started = time.perf_counter()
            result = app.generate_rota(FIRST, weeks)
            times.append(time.perf_counter() - started)
        assert result is not None
        app.write_rota(result.plan)
        service = bootstrap(settings).rota
        tz = service.engine.timezone
        turn = service.rota.turn
        broken = service.check(turn.start(FIRST, tz), turn.start(FIRST + weeks * WEEK, tz))
        for violation in broken:
            print(f"BROKEN: {violation.code}: {violation.message}", file=sys.stderr)
        size = len(service.rota.engineers)
        return statistics.median(times), result.spreads, result.plan.optimal, len(broken), size


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    print(
        "| `rota generate`, fatigue defaults | median | rules broken (`rota check`) "
        "| spreads (fewest-most: primary, secondary, weekend days, support days) |"
    )
    print("|---|---|---|---|")
    for name, policy, weeks in (("example team", example(), 26), ("12 engineers", twelve(), 52)):
        seconds, spreads, optimal, broken, size = run(policy, weeks, repeat)
        spread = ", ".join(f"{lo}-{hi}" for lo, hi in spreads.values())
        state = "optimal" if optimal else "not proven optimal"
        print(f"| {name} ({size}), {weeks} weeks | {seconds:.2f} s ({state}) | {broken} | {spread} |")


if __name__ == "__main__":
    main()
