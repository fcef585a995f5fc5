"""`opsdesk incident ...`, `opsdesk report incidents` and `opsdesk service key`, as a user runs them."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select

from opsdesk.adapters.db.tables import IncidentEntryRecord
from opsdesk.adapters.db.unit_of_work import SqlUnitOfWork
from opsdesk.domain.incidents.model import key_digest
from opsdesk.domain.timeline import Source, TimelineEntry
from tests.e2e.conftest import Run
from tests.incident_world import storm
from tests.rota_builders import team

SERVICES = [{"id": "platform", "name": "Platform", "channel": "#platform-alerts"}]


def setup(opsdesk: Run, workdir: Path) -> None:
    (workdir / "opsdesk.yaml").write_text(json.dumps(team(services=SERVICES)), encoding="utf-8")
    assert opsdesk("db", "upgrade").returncode == 0


def test_a_whole_incident_from_the_command_line(opsdesk: Run, workdir: Path) -> None:
    setup(opsdesk, workdir)
    opened = opsdesk(
        "incident",
        "open",
        "--service",
        "platform",
        "--summary",
        "Router down",
        "--priority",
        "P1",
        "--as",
        "alice",
    )
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout.startswith("#1 P1 triggered platform: Router down")
    assert "needs: lead and scribe (`opsdesk incident set 1 --lead NAME --scribe NAME`)" in opened.stdout
    assert "alice (cli)  triggered: Router down" in opened.stdout
    assert opsdesk("incident", "set", "1", "--lead", "alice", "--as", "alice").stdout.splitlines() == [
        "#1 updated",
        "P1 needs an incident lead and a scribe: name the scribe",
    ]
    assert opsdesk("incident", "set", "1", "--scribe", "bilal").returncode == 0
    assert opsdesk("incident", "note", "1", "failover started", "--as", "bilal").returncode == 0
    assert opsdesk("incident", "ack", "1", "--as", "alice").stdout.strip() == "#1 acknowledged by alice"
    again = opsdesk("incident", "ack", "1")
    assert again.returncode == 1
    assert (
        again.stderr.strip()
        == "error: incident #1 is acknowledged: only a triggered incident can be acknowledged"
    )
    deferred = opsdesk(
        "incident", "defer", "1", "--informed", "payments team", "--plan", "rebuild at 10:00", "--as", "alice"
    )
    assert deferred.stdout.strip() == "#1 deferred to working hours"
    listed = opsdesk("incident", "list", "--state", "deferred").stdout
    assert "#1 P1 deferred" in listed and "Router down" in listed
    assert opsdesk("incident", "resolve", "1", "--note", "rebuilt", "--as", "alice").returncode == 0
    shown = json.loads(opsdesk("incident", "show", "1", "--json").stdout)
    assert (shown["state"], shown["lead"], shown["scribe"], shown["missing"]) == (
        "resolved",
        "alice",
        "bilal",
        [],
    )
    whats = [(e["who"], e["from"], e["what"]) for e in shown["timeline"]]
    assert ("bilal", "cli", "note") in whats
    assert whats[-4:] == [
        ("alice", "cli", "acknowledged"),
        ("alice", "cli", "deferred"),
        ("opsdesk", "system", "hand-back-due"),
        ("alice", "cli", "resolved"),
    ]
    report = opsdesk("report", "incidents", "--from", "2020-01-01", "--to", "2099-12-31", "--csv")
    assert report.returncode == 0, report.stderr
    rows = list(csv.DictReader(io.StringIO(report.stdout)))
    assert [(r["by"], r["group"], r["count"]) for r in rows] == [
        ("service", "platform", "1"),
        ("priority", "P1", "1"),
        ("cover", shown["cover"], "1"),
        ("all", "all", "1"),
    ]
    assert opsdesk("incident", "show", "7").stderr.strip() == "error: no incident #7"
    wrong = opsdesk("incident", "open", "--service", "nope", "--summary", "x")
    assert wrong.returncode == 1
    assert "no service 'nope'; the services are: platform" in wrong.stderr


def test_a_new_integration_key_and_its_digest(opsdesk: Run, workdir: Path) -> None:
    made = opsdesk("service", "key").stdout.splitlines()
    key = made[0].removeprefix("key:    ")
    assert len(key) == 32
    assert made[1] == f'policy: integration-keys: ["sha256:{key_digest(key)}"]'


def test_hostile_text_and_numbers_at_the_command_line(opsdesk: Run, workdir: Path) -> None:
    setup(opsdesk, workdir)
    summary = "A\x1b]0;pwned\x07B\x1b[2JC"
    assert opsdesk("incident", "open", "--service", "platform", "--summary", summary).returncode == 0
    listed = opsdesk("incident", "list").stdout
    assert "\x1b" not in listed and "\x07" not in listed
    assert "A?]0;pwned?B?[2JC (1 alert)" in listed
    huge = opsdesk("incident", "show", "99999999999999999999")
    assert huge.returncode == 2
    assert "99999999999999999999" in huge.stderr and "Traceback" not in huge.stderr


def test_a_bad_sns_host_pattern_is_found_by_check(opsdesk: Run, workdir: Path) -> None:
    (workdir / "opsdesk.yaml").write_text('service:\n  sns-cert-hosts: "("\n', encoding="utf-8")
    checked = opsdesk("check")
    assert checked.returncode == 1
    assert "line 2: service.sns-cert-hosts" in checked.stderr + checked.stdout
    assert "not a regular expression" in checked.stderr + checked.stdout


def test_bidirectional_controls_in_a_summary_are_shown_as_question_marks(opsdesk: Run, workdir: Path) -> None:
    setup(opsdesk, workdir)
    summary = "db-1 \u202etxt.exe\u202c full"
    assert opsdesk("incident", "open", "--service", "platform", "--summary", summary).returncode == 0
    listed = opsdesk("incident", "list").stdout
    assert "db-1 ?txt.exe? full (1 alert)" in listed
    assert "\u202e" not in listed and "\u202c" not in listed


def test_a_storm_incident_shows_its_newest_entries_and_sums_up_its_alerts(
    opsdesk: Run, workdir: Path, db: Engine
) -> None:
    (workdir / "opsdesk.yaml").write_text(json.dumps(team(services=SERVICES)), encoding="utf-8")
    env = {"OPSDESK_DATABASE_URL": db.url.render_as_string(hide_password=False)}
    assert (
        opsdesk("incident", "open", "--service", "platform", "--summary", "Disk full", env=env).returncode
        == 0
    )
    with SqlUnitOfWork(db) as uow:
        incident = uow.incidents.get(1)
    assert incident is not None
    storm(db, incident.dedup_key, 5000, datetime(2026, 12, 1, 21, 5, tzinfo=UTC))
    with SqlUnitOfWork(db) as uow:  # as `opsdesk incident note` leaves them
        for n in range(3):
            uow.incidents.entry(1, TimelineEntry(datetime.now(UTC), "alice", Source.CLI, "note", f"note {n}"))
        uow.commit()
    with db.connect() as connection:
        others = connection.scalars(
            select(IncidentEntryRecord.id)
            .where(IncidentEntryRecord.kind != "alert")
            .order_by(IncidentEntryRecord.id.desc())
        ).all()
    shown = opsdesk("incident", "show", "1", "--limit", "2", env=env)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    # Under the heading (which says, out of cover hours, that the page is held): the alerts summed up.
    summary = lines.index(
        "  5,000 more alerts joined between 21:05 and 21:09 (first: Disk full on db-1 (0) (alert 2), "
        "last: Disk full on db-1 (4999) (alert 5001)); `--alerts` lists each"
    )
    assert summary in {2, 3}
    assert lines[summary + 1] == (
        f"  {len(others) - 2} older entries not shown: `opsdesk incident show 1 --before {others[1]}` shows "
        "the 2 before these, `--all` every one"
    )
    assert [line.rsplit("  ", 1)[1] for line in lines[summary + 2 :]] == ["note 1", "note 2"]
    older = opsdesk("incident", "show", "1", "--limit", "2", "--before", str(others[1]), env=env).stdout
    assert older.splitlines()[-1].endswith("  note 0")
    start = opsdesk("incident", "show", "1", "--before", str(others[-1]), env=env).stdout
    assert start.splitlines()[-1] == (
        f"  no entries before {others[-1]}: `opsdesk incident show 1` shows the newest"
    )
    every = opsdesk("incident", "show", "1", "--all", env=env).stdout.splitlines()
    # the heading, the summary, every entry but the alerts
    assert len(every) == summary + 1 + len(others)
    assert "triggered: Disk full" in every[summary + 1]
    assert every[-1].endswith("note 2")
    whole = opsdesk("incident", "show", "1", "--all", "--alerts", "--json", env=env)
    document = json.loads(whole.stdout)
    assert len(document["timeline"]) == 5000 + len(others)
    assert [e["id"] for e in document["timeline"]] == sorted(e["id"] for e in document["timeline"])
    assert document["alert_summary"]["count"] == 5000
    small = opsdesk("incident", "show", "1", "--json", env=env).stdout
    assert len(small) < 30_000
    assert json.loads(small)["timeline"][-1]["message"] == "note 2"
    both = opsdesk("incident", "show", "1", "--all", "--before", "3", env=env)
    assert both.returncode == 2
    assert "--all shows every entry: leave out --before" in both.stderr
