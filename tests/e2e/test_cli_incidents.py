"""`opsdesk incident ...`, `opsdesk report incidents` and `opsdesk service key`, as a user runs them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from opsdesk.domain.incidents import key_digest
from tests.e2e.conftest import Run
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
