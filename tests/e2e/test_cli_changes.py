"""`opsdesk change check` and `opsdesk github template`, as a user runs them."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ruamel.yaml import YAML
from sqlalchemy import Engine

from opsdesk.adapters.db.unit_of_work import SqlUnitOfWork
from opsdesk.domain.changes.window import ChangeWindow
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
    assert "error: short-notice: 32 hours 30 minutes of notice; at least 48 hours are needed" in late.stdout
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
        == "CR-1: stakeholders informed ticked; before the change: 1 of 2 ticked"
    )
    assert opsdesk("change", "tick", "1", "backup-and-rollback-verified", "--as", "dana").returncode == 0
    today = opsdesk("change", "start", "1", "--as", "dana")
    assert today.returncode == 1
    assert today.stderr.startswith(
        "error: CR-1 cannot start: its window opens Tue 02 Mar 2027 17:30 Europe/London, in "
    )
    shown = json.loads(opsdesk("change", "show", "1", "--json").stdout)
    assert [h["what"] for h in shown["history"]] == ["submitted", "checked", "approved", "ticked", "ticked"]
    assert shown["state"] == "approved"
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


def test_a_change_carried_out_at_the_command_line_shows_who_ticked_what(
    opsdesk: Run, workdir: Path, db: Engine
) -> None:
    document = team()
    document["rota"]["on-call"].append({"week": "2027-03-01", "primary": "dana", "secondary": "bilal"})
    (workdir / "opsdesk.yaml").write_text(json.dumps(document), encoding="utf-8")
    env = {"OPSDESK_DATABASE_URL": db.url.render_as_string(hide_password=False)}
    body = REQUEST.replace("_No response_", "Restore").replace(
        "Thursday, 18th December 2025", "Tuesday 2nd March 2027"
    )
    opsdesk("change", "submit", "-", "--title", "Payments: upgrade", "--as", "payments", stdin=body, env=env)
    opsdesk("change", "approve", "1", "--engineer", "dana", "--instructions", "go", "--as", "chen", env=env)
    # The window is made to open now (the command runs on the real clock).
    now = datetime.now(UTC).replace(microsecond=0)
    with SqlUnitOfWork(db) as uow:
        uow.changes.update(1, {"window": ChangeWindow(now + timedelta(minutes=10), now + timedelta(hours=2))})
        uow.commit()
    newcomer = opsdesk("change", "tick", "1", "stakeholders-informed", "--as", "bilal", env=env)
    assert (newcomer.returncode, newcomer.stderr) == (
        3,
        "error: bilal cannot tick the checklist of CR-1: only its assigned engineer (dana) or an admin can\n",
    )
    refused = opsdesk("change", "start", "1", "--as", "bilal", env=env)
    assert (refused.returncode, refused.stderr) == (
        3,
        "error: bilal cannot start CR-1: only its assigned engineer (dana) or an admin can\n",
    )
    assert opsdesk("change", "tick", "1", "stakeholders-informed", "--as", "dana", env=env).returncode == 0
    admin = opsdesk(
        "change", "tick", "1", "backup and rollback verified", "--as", "bilal", "--admin", env=env
    )
    assert admin.stdout == "CR-1: backup and rollback verified ticked; before the change: 2 of 2 ticked\n"
    assert opsdesk("change", "start", "1", "--as", "dana", env=env).stdout == "CR-1 in progress\n"
    undone = opsdesk("change", "complete", "1", "--note", "done", "--as", "dana", env=env)
    assert undone.returncode == 1
    assert undone.stderr == (
        "error: CR-1 cannot be completed yet: tick the checklist's during items first (assigned engineer "
        "available, updates posted in the designated channel), or roll it back\n"
    )
    for item in ("assigned-engineer-available", "updates-posted-in-the-designated-channel"):
        assert opsdesk("change", "tick", "1", item, "--as", "dana", env=env).returncode == 0
    done = opsdesk("change", "complete", "1", "--note", "upgraded", "--as", "dana", env=env)
    assert re.fullmatch(
        r"CR-1 completed; monitored until \w{3} \d\d \w{3} \d{4} \d\d:\d\d (GMT|BST)\n", done.stdout
    ), done.stdout  # in the team's time, as everything else is said
    shown = opsdesk("change", "show", "1", env=env).stdout.splitlines()
    ticks = [line for line in shown if line.startswith(("  before", "  during", "  after", "    ["))]
    assert [line.split(", ")[0] for line in ticks] == [
        "  before the change:",
        "    [x] stakeholders informed (stakeholders-informed): ticked by dana",
        "    [x] backup and rollback verified (backup-and-rollback-verified): ticked by bilal",
        "  during the change:",
        "    [x] assigned engineer available (assigned-engineer-available): ticked by dana",
        "    [x] updates posted in the designated channel (updates-posted-in-the-designated-channel): ticked by dana",
        "  after the change:",
        "    [ ] success confirmed in the designated channel (success-confirmed-in-the-designated-channel)",
    ]
    history = [line for line in shown if "ticked: backup" in line]
    assert len(history) == 1 and "bilal" in history[0] and "as admin" in history[0]
