"""`opsdesk support ...` and `opsdesk report support` as a user runs them, and the errors they answer."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

from tests.change_world import ENGINEERS
from tests.e2e.conftest import Run
from tests.rota_builders import team


def setup(opsdesk: Run, workdir: Path) -> None:
    document = team(engineers=ENGINEERS, support={"channel": "#ask-platform"})
    (workdir / "opsdesk.yaml").write_text(json.dumps(document), encoding="utf-8")
    assert opsdesk("db", "upgrade").returncode == 0


def test_a_request_at_the_command_line(opsdesk: Run, workdir: Path) -> None:
    setup(opsdesk, workdir)
    filed = opsdesk(
        "support", "new", "--title", "Grafana \x1b[31mlogin", "--file", "-", "--label", "grafana", "--as", "pay-dev",
        stdin="SSO loops.\n",
    )  # fmt: skip
    assert (filed.returncode, filed.stdout) == (0, "SR-1 filed: Grafana ?[31mlogin\n"), filed.stderr
    steps = [
        ("triage", "1", "--accept", "P2", "--as", "alice"),
        ("comment", "1", "Which browser?", "--as", "chen"),
        ("assign", "1", "bilal-k", "--as", "chen"),
        ("move", "1", "in-progress", "--as", "bilal"),
        ("move", "1", "done", "--as", "bilal"),
    ]
    said = [opsdesk("support", *step) for step in steps]
    assert [(s.returncode, s.stdout) for s in said] == [
        (0, "SR-1 accepted as P2\n"),
        (0, "SR-1: comment added\n"),
        (0, "SR-1 assigned to bilal\n"),
        (0, "SR-1 is in-progress\n"),
        (0, "SR-1 is done\n"),
    ]
    back = opsdesk("support", "move", "1", "todo", "--as", "bilal")
    assert back.returncode == 1
    assert back.stderr.startswith("error: SR-1 is done: a done request does not move; reopen it first")
    assert opsdesk("support", "reopen", "1", "--as", "pay-dev").stdout == "SR-1 reopened: todo, accepted\n"
    shown = json.loads(opsdesk("support", "show", "1", "--json").stdout)
    assert (shown["status"], shown["assignee"], shown["labels"], shown["body"]) == (
        "todo",
        "bilal",
        ["grafana"],
        "SSO loops.\n",
    )
    assert [e["what"] for e in shown["history"]] == [
        "created", "triaged", "commented", "assigned", "moved", "moved", "reopened",
    ]  # fmt: skip
    text = opsdesk("support", "show", "1").stdout
    assert text.startswith(
        "SR-1 todo: Grafana ?[31mlogin\n  from pay-dev; accepted as P2\n  assignee: bilal\n"
    )
    listed = opsdesk("support", "list", "--assignee", "bilal")
    assert listed.stdout.startswith("SR-1     todo         P2         bilal")
    assert opsdesk("support", "list", "--untriaged").stdout == "no support requests\n"


def test_refusals_say_why_and_store_nothing(opsdesk: Run, workdir: Path) -> None:
    setup(opsdesk, workdir)
    (workdir / "long.txt").write_text("x" * 16_001, encoding="utf-8")
    long = opsdesk("support", "new", "--title", "Logs", "--file", "long.txt", "--as", "pay-dev")
    assert (long.returncode, long.stderr) == (
        1,
        "error: the body is 16,001 characters; at most 16,000: shorten it, or link to the rest\n",
    )
    both = opsdesk("support", "new", "--title", "Logs", "--body", "b", "--file", "long.txt")
    assert (both.returncode, both.stderr) == (2, "error: give the body with --body or --file, not both\n")
    assert opsdesk("support", "list").stdout == "no support requests\n"
    opsdesk("support", "new", "--title", "Logs", "--as", "pay-dev")
    unknown = opsdesk("support", "move", "1", "doing", "--as", "alice")
    assert (unknown.returncode, unknown.stderr) == (
        1,
        "error: unknown status 'doing': a request is todo, in-progress, blocked, for-review or done\n",
    )
    stranger = opsdesk("support", "triage", "1", "--accept", "P1", "--as", "pay-dev")
    assert stranger.returncode == 3
    assert "pay-dev is not one of the team's engineers" in stranger.stderr
    assert opsdesk("support", "show", "7").stderr.startswith("error: no support request SR-7")
    untriaged = opsdesk("support", "untriaged", "--json")
    assert [r["reference"] for r in json.loads(untriaged.stdout)["untriaged"]] == ["SR-1"]


def test_the_support_report_as_csv(opsdesk: Run, workdir: Path) -> None:
    setup(opsdesk, workdir)
    opsdesk("support", "new", "--title", "Logs", "--label", "logging", "--as", "pay-dev")
    today = datetime.now().astimezone().date().isoformat()
    report = opsdesk("report", "support", "--from", today, "--to", today, "--csv")
    assert report.returncode == 0, report.stderr
    rows = list(csv.DictReader(io.StringIO(report.stdout)))
    assert [(r["by"], r["group"], r["count"]) for r in rows] == [
        ("label", "logging", "1"),
        ("engineer", "(unassigned)", "1"),
        ("all", "all", "1"),
    ]
    assert list(rows[0]) == [
        "by", "group", "count",
        "triage_median_s", "triage_p90_s", "triage_late",
        "first_response_median_s", "first_response_p90_s", "first_response_late",
        "done_median_s", "done_p90_s", "done_late",
    ]  # fmt: skip
    table = opsdesk("report", "support", "--from", today, "--to", today)
    assert table.returncode == 0 and "logging" in table.stdout
    backwards = opsdesk("report", "support", "--from", today, "--to", "2020-01-01")
    assert backwards.returncode == 2
