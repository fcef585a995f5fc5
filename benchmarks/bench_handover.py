"""Benchmark composing a handover from a year of records: 10,000 incidents, 1,000 change requests.

Run on demand:  .venv/bin/python benchmarks/bench_handover.py [--database postgresql|sqlite]
                [--incidents 10000] [--changes 1000] [--alerts 100000] [--runs 20] [--profile]
PostgreSQL: OPSDESK_TEST_POSTGRES_URL, else postgresql+psycopg://root@127.0.0.1:5432/test (a fresh
schema per run, dropped after). A migrated database is filled in bulk (benchmarks/handover_data.py): the
incidents spread over the past year, 30 of them open, each with its timeline (triggered, routed, paged,
acknowledged...), a few hundred pages last night, the change requests (most finished, some awaiting review,
booked in the coming days or still monitored), a year of handover notes; then the briefings of the last four
weeks are made and kept through the service. On PostgreSQL the tables are vacuumed after each bulk insert.

The real HandoverService over SqlUnitOfWork, on a fixed clock at Wednesday 2 Dec 2026 15:00 (London),
GitHub not set up. Prints Markdown tables; docs/performance.md keeps the figures:
  - `preview(now)` (Wednesday's 16:00 handover composed, nothing stored): median and p95 of --runs after
    two warm-up runs, before and after a storm of --alerts `alert` entries in the last 24 hours
  - each read the handover makes, alone (median of --runs)
  - `make(moment, now)` of Wednesday's hand-back, digest and handover, each once on a fresh key (made,
    kept, and its messages written to the outbox)
With --profile, the 20 costliest functions of the previews (cProfile, cumulative time).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from common import bench_database, percentile
from handover_data import NIGHT, NOW, add_storm, fill, policy
from opsdesk.adapters.db.engine import make_engine, upgrade
from opsdesk.adapters.db.unit_of_work import SqlUnitOfWork
from opsdesk.adapters.email.render import EmailRenderer
from opsdesk.adapters.github.digest import GitHubDigestReader
from opsdesk.adapters.github.render import GitHubRenderer
from opsdesk.adapters.pagerduty.render import PagerDutyRenderer
from opsdesk.adapters.slack.render import SlackRenderer
from opsdesk.bootstrap.cover import cover_engine
from opsdesk.config.policy_file import parse_policy_text
from opsdesk.config.settings import Settings
from opsdesk.domain.handover.model import Briefing, HandoverKind
from opsdesk.domain.handover.moments import handover_for
from opsdesk.domain.people import People
from opsdesk.services.handover.service import HandoverService
from opsdesk.services.notifier import Notifier, Renderer
from opsdesk.services.rota import RotaService

DAY = timedelta(hours=24)
WARM_UP = 2


class FixedClock:
    def __init__(self, instant: datetime) -> None:
        self.instant = instant

    def now(self) -> datetime:
        return self.instant


def handover_service(engine: Engine, folder: Path) -> HandoverService:
    """The service as the application builds it: Slack and email set up, every vendor's renderer."""
    source = folder / "opsdesk.yaml"
    source.write_text(json.dumps(policy(), indent=1), encoding="utf-8")
    team = parse_policy_text(source.read_text(encoding="utf-8"), source=str(source), base_dir=folder)
    settings = Settings(policy_path=source, policy_path_explicit=True, cache_dir=folder / "cache")
    clock = FixedClock(NOW)
    rota = RotaService(cover_engine(team, settings), team.rota, clock)
    renderers: dict[str, Renderer] = {
        "slack": SlackRenderer(),
        "email": EmailRenderer(),
        "pagerduty": PagerDutyRenderer(),
        "github": GitHubRenderer(),
    }
    notifier = Notifier(frozenset({"log", "slack", "email"}), renderers, People.of(team.rota.engineers))
    return HandoverService(
        lambda: SqlUnitOfWork(engine),
        rota,
        team.handover,
        clock,
        notifier,
        notifier.people,
        lambda: GitHubDigestReader(None),
    )


def timings(run: Callable[[], object], runs: int) -> list[float]:
    """Seconds of each of `runs` calls, after the warm-up calls."""
    for _ in range(WARM_UP):
        run()
    found = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        found.append(time.perf_counter() - started)
    return found


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def preview_row(label: str, service: HandoverService, runs: int) -> tuple[str, Briefing]:
    found = timings(lambda: service.preview(NOW), runs)
    briefing = service.preview(NOW)
    said = (
        f"{len(briefing.incidents)} incidents, {len(briefing.changes)} changes, "
        f"{sum(a.count for a in briefing.alarms):,} alarms in {len(briefing.alarms)} services, "
        f"{len(briefing.notes)} notes"
    )
    row = f"| `preview` {label} | {ms(statistics.median(found))} | {ms(percentile(found, 0.95))} | {said} |"
    return row, briefing


def read_rows(service: HandoverService, engine: Engine, runs: int) -> list[str]:
    """Each read of the handover's facts alone, in one unit of work (median of `runs`)."""
    moment = handover_for(service.rota.engine, service.policy, NOW)
    assert moment is not None
    previous = service.previous(HandoverKind.HANDOVER, moment.at)
    since = previous.at if previous else moment.at - DAY
    rows = []
    with SqlUnitOfWork(engine) as uow:
        store = uow.handovers
        reads: list[tuple[str, Callable[[], list[Any]]]] = [
            ("open_incidents()", store.open_incidents),
            ("changes_for(stretch)", lambda: store.changes_for(moment.start, moment.end)),
            ("alarm_counts(last 24 h)", lambda: store.alarm_counts(moment.at - DAY, moment.at)),
            ("notes_between(last handover, now)", lambda: store.notes_between(since, moment.at)),
            ("pages_between(last night)", lambda: store.pages_between(*NIGHT)),
            ("stretch_incidents(last night)", lambda: store.stretch_incidents(*NIGHT)),
        ]
        for label, read in reads:
            found = timings(read, runs)
            rows.append(f"| {label} | {ms(statistics.median(found))} | {len(read())} rows |")
    found = timings(lambda: service.previous(HandoverKind.HANDOVER, moment.at), runs)
    rows.append(f"| the moment before (rota and cover, no query) | {ms(statistics.median(found))} | |")
    return rows


def make_rows(service: HandoverService) -> list[str]:
    """Wednesday's hand-back and digest at 09:00 and its handover at 16:00, each made once, on time."""
    rows = []
    for kind, at in (
        (HandoverKind.HAND_BACK, NIGHT[1]),
        (HandoverKind.DIGEST, NIGHT[1]),
        (HandoverKind.HANDOVER, NOW.replace(hour=16)),
    ):
        moment = service.current(kind, at)
        assert moment is not None, f"no {kind} at {at}"
        started = time.perf_counter()
        made = service.make(moment, moment.at + timedelta(seconds=5))
        took = time.perf_counter() - started
        assert made is not None, f"the {kind} at {at} was kept already"
        briefing = service.get(made).briefing
        said = f"{len(briefing.incidents)} incidents, {len(briefing.changes)} changes, {len(briefing.pages)} pages"
        rows.append(f"| `make` the {kind} of {at:%H:%M} | {ms(took)} | {said} |")
    return rows


def keep_past(service: HandoverService, days: int) -> int:
    """The briefings of the last `days` days before Wednesday's hand-back, made and kept as jobs would."""
    moments = service.moments(NIGHT[1] - timedelta(days=days), NIGHT[1])
    for moment in moments:
        service.make(moment, moment.at + timedelta(seconds=5))
    return len(moments)


def profiled(service: HandoverService, runs: int) -> None:
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(runs):
        service.preview(NOW)
    profile.disable()
    pstats.Stats(profile).sort_stats("cumulative").print_stats(20)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=1_000)
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--kept-days", type=int, default=28)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="opsdesk-bench-"))
    with bench_database(args.database, folder) as url:
        engine = make_engine(url)
        upgrade(engine)
        service = handover_service(engine, folder)
        started = time.perf_counter()
        written = fill(engine, service.rota.engine, args.incidents, args.changes)
        filled = time.perf_counter() - started
        kept = keep_past(service, args.kept_days)
        calm, _ = preview_row("without the storm", service, args.runs)
        started = time.perf_counter()
        add_storm(engine, args.alerts)
        stormed = time.perf_counter() - started
        busy, _ = preview_row(f"with {args.alerts:,} alerts in the last 24 h", service, args.runs)
        reads = read_rows(service, engine, args.runs)
        if args.profile:
            profiled(service, args.runs)
        makes = make_rows(service)
        engine.dispose()
    report(
        args,
        written=written,
        filled=filled,
        stormed=stormed,
        kept=kept,
        previews=[calm, busy],
        reads=reads,
        makes=makes,
    )


def report(
    args: argparse.Namespace,
    *,
    written: dict[str, int],
    filled: float,
    stormed: float,
    kept: int,
    previews: list[str],
    reads: list[str],
    makes: list[str],
) -> None:
    rows = ", ".join(f"{count:,} {table}" for table, count in written.items())
    print(
        f"{args.database}: {rows} (written in {filled:.1f} s); {args.alerts:,} storm alerts ({stormed:.1f} s);"
    )
    print(
        f"{kept} briefings of the last {args.kept_days} days kept. Clock: {NOW:%a %d %b %Y %H:%M} London.\n"
    )
    print(f"| measure | median of {args.runs} | p95 | briefing |")
    print("|---|---|---|---|")
    print("\n".join(previews))
    print("\n| read (alone, with the storm) | median | rows |")
    print("|---|---|---|")
    print("\n".join(reads))
    print("\n| made once, fresh key | time | briefing |")
    print("|---|---|---|")
    print("\n".join(makes))


if __name__ == "__main__":
    main()
