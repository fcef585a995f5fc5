"""`opsdesk change check` and `opsdesk github template`, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from ruamel.yaml import YAML
from sqlalchemy import Engine

from tests.e2e.conftest import Run
from tests.rota_builders import team

REQUEST = """### Change Details

Upgrade the platform database <b>now</b>

### Scheduled Time

Thursday, 18th December 2025
Outage window: 17:30 – 00:00

### Impact Assesment

Read-only for ten minutes

### Rollback Plan

_No response_
"""


def test_a_request_checked_from_a_file_and_from_standard_input(opsdesk: Run, workdir: Path) -> None:
    (workdir / "opsdesk.yaml").write_text(json.dumps(team()), encoding="utf-8")
    (workdir / "request.md").write_text(REQUEST, encoding="utf-8")
    checked = opsdesk("change", "check", "request.md", "--submitted-at", "2025-12-15T09:00", "--json")
    assert checked.returncode == 1, checked.stderr
    assert json.loads(checked.stdout) == {
        "ok": False,
        "window": {"start": "2025-12-18T17:30:00Z", "end": "2025-12-19T00:00:00Z"},
        "problems": [
            {
                "code": "missing-field",
                "severity": "error",
                "message": "Rollback Plan is empty: fill in the 'Rollback Plan' field",
            }
        ],
    }
    fixed = REQUEST.replace("_No response_", "Restore the snapshot")
    good = opsdesk("change", "check", "-", "--submitted-at", "2025-12-15T09:00", stdin=fixed)
    assert good.returncode == 0, good.stderr
    assert good.stdout.splitlines() == [
        "window: Thu 18 Dec 2025 17:30 to Fri 19 Dec 2025 00:00 GMT (Europe/London)",
        "ok: the request can go ahead",
    ]
    late = opsdesk("change", "check", "-", "--submitted-at", "2025-12-17T09:00", stdin=fixed)
    assert late.returncode == 1
    assert "error: short-notice: 32:30:00 (h:mm:ss) of notice" in late.stdout
    bad_when = opsdesk("change", "check", "-", "--submitted-at", "last tuesday", stdin=fixed)
    assert bad_when.returncode == 2
    assert bad_when.stderr.startswith("error: --submitted-at 'last tuesday'")
    missing = opsdesk("change", "check", "nope.md", "--submitted-at", "2025-12-15T09:00")
    assert missing.returncode == 1
    assert missing.stderr.startswith("error: nope.md: cannot read it")


def test_the_form_has_the_teams_ids_and_labels(opsdesk: Run) -> None:
    printed = opsdesk("github", "template")
    assert printed.returncode == 0
    assert "save it as .github/ISSUE_TEMPLATE/out-of-hours-support-request.yml" in printed.stderr
    form = YAML(typ="safe").load(printed.stdout)
    assert form["title"] == "Service name: "
    assert form["labels"] == ["support"]
    fields = [
        (item["id"], item["attributes"]["label"], item["validations"]["required"])
        for item in form["body"]
        if item["type"] == "textarea"
    ]
    assert fields == [
        ("change-details", "Change Details", True),
        ("time", "Scheduled Time", True),
        ("impact", "Impact Assesment", True),
        ("rollback", "Rollback Plan", True),
    ]


def test_a_request_through_the_command_line(opsdesk: Run, workdir: Path) -> None:
    document = team()
    document["rota"]["on-call"].append({"week": "2027-03-01", "primary": "dana", "secondary": "bilal"})
    (workdir / "opsdesk.yaml").write_text(json.dumps(document), encoding="utf-8")
    assert opsdesk("db", "upgrade").returncode == 0
    body = REQUEST.replace("_No response_", "Restore").replace(
        "Thursday, 18th December 2025", "Tuesday 2nd March 2027"
    )
    filed = opsdesk("change", "submit", "-", "--title", "Payments: upgrade", "--as", "payments", stdin=body)
    assert filed.returncode == 0, filed.stderr
    assert filed.stdout.splitlines()[:3] == [
        "CR-1 under-review: Payments: upgrade (from payments)",
        "  window: Tue 02 Mar 2027 17:30 to Wed 03 Mar 2027 00:00 GMT",
        "  suggested engineer: dana is the primary on call then",
    ]
    own = opsdesk("change", "approve", "1", "--engineer", "dana", "--instructions", "go", "--as", "payments")
    assert own.returncode == 3  # not allowed: someone else must
    assert own.stderr.strip() == (
        "error: payments is not one of the team's engineers (by id or GitHub login), so cannot approve CR-1"
    )
    assert (
        opsdesk(
            "change", "approve", "1", "--engineer", "dana", "--instructions", "go", "--as", "chen"
        ).stdout.strip()
        == "CR-1 approved: dana assigned"
    )
    early = opsdesk("change", "start", "1", "--as", "dana")
    assert "tick the checklist first" in early.stderr
    assert (
        opsdesk("change", "tick", "1", "stakeholders-informed", "--as", "dana").stdout.strip()
        == "CR-1: 1 of 2 checklist items ticked"
    )
    assert opsdesk("change", "tick", "1", "backup-and-rollback-verified", "--as", "dana").returncode == 0
    assert opsdesk("change", "start", "1", "--as", "dana").stdout.strip() == "CR-1 in progress"
    done = opsdesk(
        "change", "complete", "1", "--note", "rolled back: errors", "--rolled-back", "--as", "dana"
    )
    assert done.stdout.startswith("CR-1 rolled-back; monitored until ")
    assert "CR-1" in opsdesk("change", "list", "--monitoring").stdout
    shown = json.loads(opsdesk("change", "show", "1", "--json").stdout)
    assert [h["what"] for h in shown["history"]] == [
        "submitted",
        "checked",
        "approved",
        "ticked",
        "ticked",
        "in-progress",
        "rolled-back",
    ]
    assert opsdesk("change", "show", "9").stderr.strip() == "error: no change request CR-9"


def test_bidirectional_controls_are_shown_as_question_marks(opsdesk: Run, workdir: Path) -> None:
    (workdir / "opsdesk.yaml").write_text(json.dumps(team()), encoding="utf-8")
    assert opsdesk("db", "upgrade").returncode == 0
    title = "Payments: \u202etxt.exe\u202c upgrade \u2067x\u2069"
    body = REQUEST.replace("_No response_", "Restore")
    assert opsdesk("change", "submit", "-", "--title", title, "--as", "pay", stdin=body).returncode == 0
    listed = opsdesk("change", "list").stdout
    shown = opsdesk("change", "show", "1").stdout
    assert "Payments: ?txt.exe? upgrade ?x?" in listed
    assert shown.startswith("CR-1 needs-info: Payments: ?txt.exe? upgrade ?x? (from pay)")
    assert "submitted: Payments: ?txt.exe? upgrade ?x?" in shown  # the history quotes the title
    for output in (listed, shown):
        assert not any(chr(c) in output for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
    kept = json.loads(opsdesk("change", "show", "1", "--json").stdout)
    assert kept["title"] == title  # stored and given as JSON as written


def test_a_file_with_a_nul_is_refused_and_nothing_stored(opsdesk: Run, workdir: Path, db: Engine) -> None:
    (workdir / "opsdesk.yaml").write_text(json.dumps(team()), encoding="utf-8")
    env = {"OPSDESK_DATABASE_URL": db.url.render_as_string(hide_password=False)}
    (workdir / "request.md").write_bytes(REQUEST.replace("Read-only", "Read\x00only").encode())
    filed = opsdesk("change", "submit", "request.md", "--title", "Payments: upgrade", env=env)
    assert (filed.returncode, filed.stderr) == (
        1,
        "error: request.md holds a NUL character (U+0000) on line 12: give a text file\n",
    )
    checked = opsdesk(
        "change", "check", "-", "--submitted-at", "2025-12-15T09:00", stdin="### Change\x00", env=env
    )
    assert (checked.returncode, checked.stderr) == (
        1,
        "error: standard input holds a NUL character (U+0000) on line 1: give a text file\n",
    )
    assert opsdesk("change", "list", env=env).stdout == "no change requests\n"
