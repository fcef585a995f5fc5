"""`opsdesk init`, `opsdesk who` and `opsdesk rota check` end to end, as a new user meets them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from tests.e2e.conftest import Run
from tests.rota_builders import team


def test_init_writes_an_example_that_keeps_every_rule(opsdesk: Run, workdir: Path) -> None:
    written = opsdesk("init")
    assert written.returncode == 0, written.stderr
    text = (workdir / "opsdesk.yaml").read_text(encoding="utf-8")
    assert text.startswith("# opsdesk policy")
    assert text.count("- {id: ") == 6
    assert opsdesk("check").returncode == 0
    checked = opsdesk("rota", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip() == "the rota keeps every rule"
    again = opsdesk("init")
    assert again.returncode == 1
    assert "already exists; give --force" in again.stderr


def test_who_on_the_example_now_names_people(opsdesk: Run) -> None:
    assert opsdesk("init").returncode == 0
    answer = json.loads(opsdesk("who", "--json").stdout)
    assert abs((datetime.fromisoformat(answer["at"]) - datetime.now(UTC)).total_seconds()) < 30
    on_duty = answer if answer["cover"] != "none" else answer["next"]
    roles = ["support"] if on_duty["cover"] == "support" else ["primary", "secondary"]
    for role in roles:
        assert on_duty[role]["id"] in {"alice", "bilal", "chen", "dana", "eve", "femi"}


def test_who_for_people(opsdesk: Run, workdir: Path) -> None:
    (workdir / "opsdesk.yaml").write_text(json.dumps(team()), encoding="utf-8")
    result = opsdesk("who", "--at", "2026-12-01T16:30")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Tue 01 Dec 2026 16:30 GMT: on-call hours (working day) until 22:00 GMT",
        "  primary:   Alice (alice)",
        "  secondary: Bilal (bilal)",
    ]
    bad = opsdesk("who", "--at", "teatime")
    assert bad.returncode == 2
    assert "--at 'teatime'" in bad.stderr


def test_who_during_an_override_says_until_it_ends(opsdesk: Run, workdir: Path) -> None:
    override = {"role": "primary", "engineer": "dana", "from": "2026-12-02T18:00", "to": "2026-12-02T20:00"}
    (workdir / "opsdesk.yaml").write_text(json.dumps(team(overrides=[override])), encoding="utf-8")
    result = opsdesk("who", "--at", "2026-12-02T18:30")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [
        "Wed 02 Dec 2026 18:30 GMT: on-call hours (working day) until 20:00 GMT",
        "  primary:   Dana (dana)  [override]",
    ]
    answer = json.loads(opsdesk("who", "--at", "2026-12-02T18:30", "--json").stdout)
    assert (answer["until"], answer["cover_until"]) == (
        "2026-12-02T20:00:00+00:00",
        "2026-12-02T22:00:00+00:00",
    )


def test_who_answers_every_at_in_order(opsdesk: Run, workdir: Path) -> None:
    (workdir / "opsdesk.yaml").write_text(json.dumps(team()), encoding="utf-8")
    result = opsdesk("who", "--at", "2026-12-01T10:00", "--at", "2026-12-01T16:30")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Tue 01 Dec 2026 10:00 GMT: support hours (working day) until 16:00 GMT",
        "  support:   Dana (dana)",
        "Tue 01 Dec 2026 16:30 GMT: on-call hours (working day) until 22:00 GMT",
        "  primary:   Alice (alice)",
        "  secondary: Bilal (bilal)",
    ]
    answers = opsdesk("who", "--json", "--at", "2026-12-01T16:30", "--at", "2026-12-01T10:00")
    assert [json.loads(line)["cover"] for line in answers.stdout.splitlines()] == ["on-call", "support"]
    bad = opsdesk("who", "--at", "2026-12-01T10:00", "--at", "teatime")
    assert (bad.returncode, bad.stdout) == (2, "")


def test_who_reads_instants_from_standard_input(opsdesk: Run, workdir: Path) -> None:
    (workdir / "opsdesk.yaml").write_text(json.dumps(team()), encoding="utf-8")
    given = "2026-12-01T10:00\nsoon\u202e\r\n2026-12-01T16:30"
    result = opsdesk("who", "--at", "2026-12-01T23:00Z", "--at", "-", stdin=given)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Tue 01 Dec 2026 23:00 GMT: no cover")
    assert lines[lines.index("  support:   Dana (dana)") - 1].startswith("Tue 01 Dec 2026 10:00 GMT")
    assert "error: 'soon\\u202e': not an ISO 8601 date and time" in result.stdout
    assert lines[-3:] == [
        "Tue 01 Dec 2026 16:30 GMT: on-call hours (working day) until 22:00 GMT",
        "  primary:   Alice (alice)",
        "  secondary: Bilal (bilal)",
    ]
    as_json = opsdesk("who", "--json", "--at", "-", stdin="2026-12-01T10:00\nsoon\n")
    assert as_json.returncode == 1
    first, second = (json.loads(line) for line in as_json.stdout.splitlines())
    assert first["support"] == {"id": "dana", "name": "Dana"}
    assert second["input"] == "soon" and second["error"].startswith("not an ISO 8601 date and time")
    twice = opsdesk("who", "--at", "-", "--at", "-", stdin="")
    assert twice.returncode == 2 and "may be given once" in twice.stderr


def test_rota_check_lists_violations_and_exits_1(opsdesk: Run, workdir: Path) -> None:
    document = team(
        leave=[{"engineer": "bilal", "from": "2026-12-05", "to": "2026-12-05", "note": "wedding"}]
    )
    (workdir / "opsdesk.yaml").write_text(json.dumps(document), encoding="utf-8")
    result = opsdesk("rota", "check")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "on-leave: Sat 05 Dec 2026 07:00 GMT to 22:00 GMT: bilal holds secondary but is on leave (wedding); "
        "add an override giving the role to someone else"
    ]
    as_json = [json.loads(line) for line in opsdesk("rota", "check", "--json").stdout.splitlines()]
    assert as_json[0]["code"] == "on-leave"
    assert as_json[0]["people"] == ["bilal"]


def test_generate_shows_a_proposal_and_write_keeps_comments(opsdesk: Run, workdir: Path) -> None:
    assert opsdesk("init").returncode == 0
    path = workdir / "opsdesk.yaml"
    original = path.read_text(encoding="utf-8")
    edited = original.replace("engineers:", "# The team, as of this quarter.\nengineers:", 1)
    path.write_text(edited, encoding="utf-8")
    proposal = opsdesk("rota", "generate", "--from", "2027-01-04", "--weeks", "4", env={"COLUMNS": "150"})
    assert proposal.returncode == 0, proposal.stderr
    assert "On-call rota: 4 weeks from 2027-01-04" in proposal.stdout
    assert "solved in" in proposal.stdout and ": optimal" in proposal.stdout
    assert "nothing written: add --write" in proposal.stdout
    assert path.read_text(encoding="utf-8") == edited
    written = opsdesk("rota", "generate", "--from", "2027-01-04", "--weeks", "4", "--write")
    assert written.returncode == 0, written.stderr
    after = path.read_text(encoding="utf-8")
    for line in edited.splitlines():
        assert line in after.splitlines()  # every comment and line people wrote is still there
    assert after.count("- {week: 2027-01-") == 4
    assert opsdesk("rota", "check").returncode == 0


def test_generate_refuses_bad_weeks_and_writes_nothing(opsdesk: Run, workdir: Path) -> None:
    assert opsdesk("init").returncode == 0
    before = (workdir / "opsdesk.yaml").read_text(encoding="utf-8")
    for weeks in ("0", "-2"):
        result = opsdesk("rota", "generate", "--from", "2027-01-04", "--weeks", weeks, "--write")
        assert result.returncode == 2
        assert f"--weeks {weeks}: give a number of weeks from 1 to 156" in result.stderr
    assert (workdir / "opsdesk.yaml").read_text(encoding="utf-8") == before


def test_ics_and_hours_report_from_the_command_line(opsdesk: Run, workdir: Path) -> None:
    (workdir / "opsdesk.yaml").write_text(json.dumps(team()), encoding="utf-8")
    result = opsdesk("rota", "ics", "--engineer", "alice", "--out", "alice.ics")
    assert result.returncode == 0, result.stderr
    feed = (workdir / "alice.ics").read_text(encoding="utf-8")
    assert feed.startswith("BEGIN:VCALENDAR")
    assert "DTSTART;TZID=Europe/London:20261130T070000" in feed
    unknown = opsdesk("rota", "ics", "--engineer", "zed")
    assert unknown.returncode == 2
    assert "--engineer 'zed': not in engineers" in unknown.stderr
    csv_text = opsdesk("report", "hours", "--from", "2026-11-30", "--to", "2026-12-06", "--csv").stdout
    lines = csv_text.splitlines()
    assert lines[0].startswith("engineer,primary_working_day_hours,primary_weekend_hours,")
    assert lines[1].startswith("alice,40.0,30.0,0.0,")
    backwards = opsdesk("report", "hours", "--from", "2026-12-06", "--to", "2026-11-30")
    assert backwards.returncode == 2


def test_rota_check_on_an_empty_rota_reports_the_gap(opsdesk: Run, workdir: Path) -> None:
    (workdir / "opsdesk.yaml").write_text(json.dumps(team(rota={})), encoding="utf-8")
    result = opsdesk("rota", "check")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["gap", "gap", "gap"]  # primary, secondary, support
    assert "nobody holds primary; assign someone" in result.stdout
    assert "the policy assigns no rota yet (checked " in result.stderr
    assert "`opsdesk rota generate` plans one" in result.stderr


def test_rota_check_refuses_a_period_that_runs_backwards(opsdesk: Run, workdir: Path) -> None:
    (workdir / "opsdesk.yaml").write_text(json.dumps(team()), encoding="utf-8")
    for extra in ([], ["--json"]):
        backwards = opsdesk("rota", "check", "--from", "2026-12-10", "--to", "2026-12-01", *extra)
        assert backwards.returncode == 2, backwards.stdout
        assert backwards.stdout == ""
        assert "--to 2026-12-01 is before --from 2026-12-10: the period must run forwards" in backwards.stderr


def test_a_huge_bad_line_is_not_echoed_back_whole(opsdesk: Run, workdir: Path) -> None:
    (workdir / "opsdesk.yaml").write_text(json.dumps(team()), encoding="utf-8")
    huge = "x" * 2_000_000
    for command in (["who"], ["hours"]):
        answered = opsdesk(*command, "--at", "-", stdin=huge + "\n")
        assert answered.returncode == 1
        assert len(answered.stdout) < 400, len(answered.stdout)
        assert answered.stdout.startswith("error: 'xxxxxxxx")
        assert "(2,000,000 characters)" in answered.stdout
