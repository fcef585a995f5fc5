"""A year of a team's records for bench_handover.py: incidents and their timelines, change requests, notes,
and an alarm storm; written straight into the tables in bulk."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Table, insert, text

from opsdesk.adapters.db.tables import (
    ChangeEntryRecord,
    ChangeRecord,
    HandoverNoteRecord,
    IncidentEntryRecord,
    IncidentRecord,
)
from opsdesk.domain.hours import CoverEngine

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 2, 15, 0, tzinfo=LONDON)  # a Wednesday, during support hours
NIGHT = (datetime(2026, 12, 1, 16, 0, tzinfo=LONDON), datetime(2026, 12, 2, 9, 0, tzinfo=LONDON))
YEAR = timedelta(days=365)
PEOPLE = ["alice", "bilal", "chen", "dana", "erin", "femi"]
SERVICES = ["platform", "payments", "web", "data"]
STORM_KEYS = [  # (service, dedup key, share of the storm's alerts)
    ("platform", "disk-full-db-1", 0.6),
    ("data", "replication-lag", 0.25),
    ("web", "api-5xx", 0.1),
    ("payments", "queue-depth", 0.05),
]
INCIDENTS = cast("Table", IncidentRecord.__table__)
ENTRIES = cast("Table", IncidentEntryRecord.__table__)
CHANGES = cast("Table", ChangeRecord.__table__)
CHANGE_ENTRIES = cast("Table", ChangeEntryRecord.__table__)
NOTES = cast("Table", HandoverNoteRecord.__table__)
OPEN_PLAN = [("triggered", None)] * 10 + [("acknowledged", "P3")] * 6 + [("acknowledged", "P2")] * 5
OPEN_PLAN += [("acknowledged", "P1"), *[("deferred", "P3")] * 6, *[("deferred", "P2")] * 2]  # 30 open
MINUTE = timedelta(minutes=1)


def policy() -> dict[str, Any]:
    """Six engineers in weekly pairs and a support engineer each working day around NOW, four services,
    a handover channel."""
    monday = NOW.date() - timedelta(days=NOW.weekday())
    weeks = range(-6, 4)
    on_call = [
        {"week": str(monday + timedelta(weeks=w)), "primary": PEOPLE[w % 6], "secondary": PEOPLE[(w + 3) % 6]}
        for w in weeks
    ]
    days = [monday + timedelta(days=d) for d in range(7 * weeks.start, 7 * weeks.stop)]
    support = [{"date": str(d), "engineer": PEOPLE[d.toordinal() % 6]} for d in days if d.weekday() < 5]
    return {
        "engineers": [
            {"id": p, "name": p.title(), "email": f"{p}@example.org", "slack": f"U{p.upper()}"}
            for p in PEOPLE
        ],
        "rota": {"on-call": on_call, "support": support},
        "services": [
            {"id": s, "name": s.title(), "channel": f"#{s}-alerts", "integration-keys": [(s * 8)[:32]]}
            for s in SERVICES
        ],
        "handover": {"channel": "#team"},
    }


class Incidents:
    """Rows for the incidents table and their timelines, built in memory from a seeded generator."""

    def __init__(self, cover: CoverEngine, seed: int = 7) -> None:
        self.cover = cover
        self.random = random.Random(seed)
        self.incidents: list[dict[str, Any]] = []
        self.entries: list[dict[str, Any]] = []

    def build(self, count: int) -> None:
        """`count` incidents: the storm's four (open since yesterday afternoon), 40 from last night (a few
        still open), the rest of the 30 open ones from the last fortnight, every other one resolved."""
        storm_opened = NOW - timedelta(hours=24, minutes=10)
        for n, (service, key, _) in enumerate(STORM_KEYS):
            state, priority = ("acknowledged", "P2") if n < 2 else ("triggered", None)
            self.incident(service, key, storm_opened + n * MINUTE, state=state, priority=priority, pages=2)
        night = NIGHT[1] - NIGHT[0]
        for n in range(40):
            opened = NIGHT[0] + night * self.random.random() * 0.9
            state, priority = OPEN_PLAN[n] if n < 4 else ("resolved", None)
            self.incident(
                self.random.choice(SERVICES), f"night-{n}", opened, state=state, priority=priority, pages=7
            )
        for state, priority in OPEN_PLAN[8:]:  # 4 storm + 4 night ones are open already
            opened = NOW - timedelta(days=14) * self.random.random()
            self.incident(
                self.random.choice(SERVICES),
                f"open-{len(self.incidents)}",
                opened,
                state=state,
                priority=priority,
            )
        while len(self.incidents) < count:
            opened = NOW - YEAR + (YEAR - timedelta(hours=2)) * self.random.random()
            key = f"{self.random.choice(['disk', 'cpu', 'latency', 'errors', 'cert'])}-{self.random.randrange(300)}"
            self.incident(self.random.choice(SERVICES), key, opened)

    def incident(
        self,
        service: str,
        key: str,
        opened: datetime,
        *,
        state: str = "resolved",
        priority: str | None = None,
        pages: int = 0,
    ) -> None:
        number = len(self.incidents) + 1
        cover = str(self.cover.cover_at(opened).cover)
        pages = pages or (self.random.randrange(1, 3) if cover != "support" else 0)
        acknowledged = opened + (pages or 1) * 10 * MINUTE - 3 * MINUTE if state != "triggered" else None
        resolved = (
            (acknowledged or opened) + MINUTE * self.random.randrange(5, 360) if state == "resolved" else None
        )
        if resolved is not None and resolved > NOW:
            resolved = NOW - MINUTE
        alerts = self.random.randrange(0, 4)
        self.incidents.append(
            {
                "id": number,
                "service": service,
                "dedup_key": key,
                "open_key": None if state == "resolved" else f"{service}/{key}",
                "state": state,
                "summary": f"{key.replace('-', ' ').capitalize()} on {service}",
                "source": f"{service}-{number % 7}",
                "severity": self.random.choice(["critical", "error", "warning"]),
                "cover": cover,
                "priority": priority,
                "lead": "alice" if priority in ("P1", "P2") else None,
                "scribe": "bilal" if priority in ("P1", "P2") else None,
                "alert_count": 1 + alerts,
                "details": {},
                "opened_at": opened,
                "acknowledged_at": acknowledged,
                "acknowledged_by": PEOPLE[number % 6] if acknowledged else None,
                "resolved_at": resolved,
                "resolved_by": PEOPLE[number % 6] if resolved else None,
                "deferred_at": (acknowledged or opened) + 30 * MINUTE if state == "deferred" else None,
                "informed": "the payments team" if state == "deferred" else None,
                "plan": "replace the disk in working hours" if state == "deferred" else None,
            }
        )
        self.timeline(self.incidents[-1], pages, alerts)

    def timeline(self, row: dict[str, Any], pages: int, alerts: int) -> None:
        opened, number, summary = row["opened_at"], row["id"], row["summary"]
        self.entry(number, opened, "triggered", f"triggered: {summary}", actor="events-v2", source="alarm")
        self.entry(number, opened, "routed", f"{row['cover']} cover: paging the primary")
        for step in range(pages):
            engineer, role = PEOPLE[(number + step) % 6], "primary" if step % 2 == 0 else "secondary"
            data = {"engineer": engineer, "role": role, "cycle": step // 2 + 1, "step": step % 2 + 1}
            self.entry(number, opened + step * 10 * MINUTE, "paged", f"paged {engineer}", data=data)
        for n in range(alerts):
            data = {"source": row["source"], "severity": row["severity"]}
            joined = f"another alert joined: {summary}"
            self.entry(
                number,
                opened + (n + 1) * MINUTE,
                "alert",
                joined,
                actor="events-v2",
                source="alarm",
                data=data,
            )
        for state in ("acknowledged", "deferred", "resolved"):
            at = row[f"{state}_at"]
            if at is not None:
                who = row["acknowledged_by"] or row["resolved_by"] or "alice"
                self.entry(number, at, state, f"{state} by {who}", actor=who, source="cli")

    def entry(
        self,
        incident: int,
        at: datetime,
        kind: str,
        message: str,
        *,
        actor: str = "opsdesk",
        source: str = "system",
        data: dict[str, Any] | None = None,
    ) -> None:
        self.entries.append(
            {
                "incident_id": incident,
                "at": at,
                "actor": actor,
                "source": source,
                "kind": kind,
                "message": message,
                "data": data or {},
            }
        )


def changes(count: int, seed: int = 11) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`count` change requests and their histories: most finished over the year; a few awaiting review,
    booked in the coming days, or still monitored after last night's work."""
    rng = random.Random(seed)
    rows, history = [], []
    plan = ["under-review"] * 10 + ["submitted"] * 5 + ["needs-info"] * 5 + ["approved"] * 20
    plan += ["monitored"] * 8 + ["rolled-back-night"] * 3
    for number in range(1, count + 1):
        kind = (
            plan[number - 1]
            if number <= len(plan)
            else rng.choice(["completed"] * 16 + ["cancelled", "rejected", "rolled-back", "cancelled"])
        )
        row = change_row(number, kind, rng)
        rows.append(row)
        for step, what in enumerate(
            ("submitted", "checked", "approved", "started", "finished")[: rng.randrange(2, 6)]
        ):
            history.append(
                {
                    "change_id": number,
                    "at": row["submitted_at"] + step * MINUTE,
                    "actor": row["requester"],
                    "source": "github",
                    "kind": what,
                    "message": f"{what} by {row['requester']}",
                }
            )
    return rows, history


def change_row(number: int, kind: str, rng: random.Random) -> dict[str, Any]:
    """One change request of `kind` (a state, or one of the benchmark's stories)."""
    if kind in ("under-review", "submitted", "needs-info", "approved"):
        submitted = NOW - timedelta(days=3) * rng.random()
        start = NOW.replace(hour=19) + timedelta(days=rng.randrange(0, 5), hours=rng.randrange(0, 4))
    elif kind in ("monitored", "rolled-back-night"):
        start = NIGHT[0] + timedelta(hours=3 + rng.randrange(0, 8))
        submitted = start - timedelta(days=4)
    else:
        submitted = NOW - YEAR + (YEAR - timedelta(days=5)) * rng.random()
        start = submitted + timedelta(days=2 + rng.randrange(0, 3), hours=rng.randrange(0, 6))
    end = start + timedelta(hours=2)
    finished = (
        end - 20 * MINUTE if kind in ("completed", "rolled-back", "monitored", "rolled-back-night") else None
    )
    state = {"monitored": "completed", "rolled-back-night": "rolled-back"}.get(kind, kind)
    monitored = kind in ("completed", "monitored")
    return {
        "id": number,
        "title": f"Change {number}: upgrade {rng.choice(SERVICES)} to v{rng.randrange(1, 40)}",
        "body": "Steps, rollback plan and checks.\n" * 5,
        "requester": rng.choice(PEOPLE),
        "state": state,
        "submitted_at": submitted,
        "window_start": start,
        "window_end": end,
        "problems": [],
        "assigned": rng.choice(PEOPLE) if state not in ("submitted", "under-review", "needs-info") else None,
        "instructions": "Run the playbook; watch the dashboards." if state != "submitted" else None,
        "channel": None,
        "checklist": [],
        "reason": "not needed any more" if state in ("cancelled", "rejected") else None,
        "note": None,
        "monitoring_until": finished + timedelta(hours=24 if kind == "completed" else 30)
        if monitored and finished
        else None,
        "started_at": start if finished else None,
        "finished_at": finished,
        "repository": "acme/changes" if number % 2 else None,
        "issue": number if number % 2 else None,
    }


def notes() -> list[dict[str, Any]]:
    """One or two notes each working day of the year, and three today."""
    found = []
    day = (NOW - YEAR).replace(hour=11)
    while day < NOW - timedelta(days=1):
        if day.weekday() < 5:
            for n in range(1 + day.day % 2):
                found.append(
                    {
                        "at": day + n * timedelta(hours=3),
                        "author": PEOPLE[day.toordinal() % 6],
                        "text": f"Note of {day:%d %b}: watch the nightly backup ({n}).",
                    }
                )
        day += timedelta(days=1)
    for n, said in enumerate(
        [
            "Payments deploy paused until Thursday",
            "db-1 disk at 91%: WAL archiving slow",
            "Cert renewal for api.example.org due Friday",
        ]
    ):
        found.append(
            {"at": NOW.replace(hour=10) + n * timedelta(hours=1, minutes=30), "author": "chen", "text": said}
        )
    return found


def storm(count: int) -> Iterator[list[dict[str, Any]]]:
    """`count` alert entries over the last 24 hours on the storm's four incidents (ids 1-4), 10,000 at a
    time, the oldest first; each incident's share as STORM_KEYS says."""
    span, start = timedelta(hours=24) - 5 * MINUTE, NOW - timedelta(hours=24)
    bounds = [sum(share for *_, share in STORM_KEYS[: i + 1]) for i in range(len(STORM_KEYS))]
    batch: list[dict[str, Any]] = []
    for n in range(count):
        spread = (n * 7919) % 1000 / 1000  # the keys interleave, as a storm's alarms do
        incident = next((i for i, bound in enumerate(bounds) if spread < bound), len(bounds) - 1) + 1
        batch.append(
            {
                "incident_id": incident,
                "at": start + span * (n / count),
                "actor": "events-v2",
                "source": "alarm",
                "kind": "alert",
                "message": f"another alert joined: {STORM_KEYS[incident - 1][1]} (alert {n + 2})",
                "data": {"source": "db-1", "severity": "critical"},
            }
        )
        if len(batch) == 10_000:
            yield batch
            batch = []
    if batch:
        yield batch


def write(engine: Engine, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        connection.execute(insert(table), list(rows))


def add_storm(engine: Engine, count: int) -> None:
    """The storm's alerts, and the counts on their incidents, as the intake's joins would leave them."""
    per_incident: dict[int, int] = {}
    with engine.begin() as connection:
        for batch in storm(count):
            connection.execute(insert(ENTRIES), batch)
            for row in batch:
                per_incident[row["incident_id"]] = per_incident.get(row["incident_id"], 0) + 1
        for incident, alerts in per_incident.items():
            connection.execute(
                text("UPDATE incidents SET alert_count = alert_count + :n WHERE id = :id"),
                {"n": alerts, "id": incident},
            )
    settle(engine)


def fill(engine: Engine, cover: CoverEngine, incidents: int, change_count: int) -> dict[str, int]:
    """Every record but the storm; the rows written per table."""
    made = Incidents(cover)
    made.build(incidents)
    change_rows, history = changes(change_count)
    note_rows = notes()
    write(engine, INCIDENTS, made.incidents)
    for first in range(0, len(made.entries), 10_000):
        write(engine, ENTRIES, made.entries[first : first + 10_000])
    write(engine, CHANGES, change_rows)
    write(engine, CHANGE_ENTRIES, history)
    write(engine, NOTES, note_rows)
    if engine.dialect.name == "postgresql":  # rows given their ids: the sequences move past them
        with engine.begin() as connection:
            for table in ("incidents", "change_requests"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
                )
    settle(engine)
    return {
        "incidents": len(made.incidents),
        "incident entries": len(made.entries),
        "change requests": len(change_rows),
        "change entries": len(history),
        "notes": len(note_rows),
    }


def settle(engine: Engine) -> None:
    """On PostgreSQL, what autovacuum does soon after a bulk insert: fresh statistics and visibility."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        vacuum(connection)


def vacuum(connection: Connection) -> None:
    for table in (
        "incidents",
        "incident_entries",
        "change_requests",
        "change_entries",
        "handover_notes",
        "handovers",
    ):
        connection.exec_driver_sql(f"VACUUM ANALYZE {table}")
