"""`opsdesk rota swap|override|leave|changes` end to end: what is written, what is refused, consent,
two writers at once, and the database layer over a read-only policy file (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from ruamel.yaml import YAML
from sqlalchemy import Engine

from tests.e2e.conftest import Run
from tests.rota_builders import lenient_team, team


def block_yaml(document: object) -> str:
    yaml = YAML()
    yaml.default_flow_style = False
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return buffer.getvalue()


def write_team(workdir: Path) -> str:
    """The test team as block YAML with people's comments in it; returns the text."""
    text = block_yaml(lenient_team()).replace("engineers:", "# The team, as of this quarter.\nengineers:", 1)
    text = text.replace("rota:", "rota:  # agreed at the planning meeting", 1)
    (workdir / "opsdesk.yaml").write_text(text, encoding="utf-8")
    return text


def database_env(db: Engine) -> dict[str, str]:
    return {"OPSDESK_DATABASE_URL": db.url.render_as_string(hide_password=False)}


def test_an_override_is_written_keeping_comments_and_says_who_is_on_duty(opsdesk: Run, workdir: Path) -> None:
    original = write_team(workdir)
    done = opsdesk(
        "rota", "override", "primary", "dana", "--from", "2026-12-01T17:00", "--to", "2026-12-02T07:00",
        "--reason", "alice at a wedding", "--as", "alice",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "override #1 written to opsdesk.yaml",
        "  primary: dana from Tue 01 Dec 2026 17:00 to Wed 02 Dec 2026 07:00 GMT (alice at a wedding)",
        "on duty then:",
        "  Tue 01 Dec 2026 17:00 GMT: on-call hours (working day) until 22:00 GMT",
        "    primary:   Dana (dana)  [override: alice at a wedding]",
        "    secondary: Bilal (bilal)",
    ]
    text = (workdir / "opsdesk.yaml").read_text(encoding="utf-8")
    assert text == original + (
        "overrides:\n"
        "- {role: primary, engineer: dana, from: 2026-12-01T17:00+00:00, to: 2026-12-02T07:00+00:00, "
        "reason: alice at a wedding}\n"
    )
    assert opsdesk("who", "--at", "2026-12-01T18:00").stdout.splitlines()[1].startswith("  primary:   Dana")
    listed = opsdesk("rota", "changes").stdout.splitlines()
    assert listed[0].startswith("#1 override written: proposed by alice ")


def test_refusals_write_nothing(opsdesk: Run, workdir: Path) -> None:
    original = write_team(workdir)
    unknown = opsdesk(
        "rota", "override", "primary", "zed", "--from", "2026-12-01T17:00", "--to", "2026-12-02T07:00"
    )
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == (
        "error: engineer 'zed' is not in engineers (known: alice, bilal, chen, dana, eve, omar)"
    )
    on_duty = opsdesk(
        "rota", "leave", "bilal", "--from", "2026-12-05", "--to", "2026-12-05", "--note", "wedding"
    )
    assert on_duty.returncode == 1
    assert on_duty.stderr.splitlines() == [
        "error: refused, nothing written: the change breaks the rota's rules:",
        "  on-leave: Sat 05 Dec 2026 07:00 to Sat 05 Dec 2026 22:00: bilal holds secondary but is on leave "
        "(wedding); add an override giving the role to someone else",
    ]
    newcomer = opsdesk(
        "rota", "override", "secondary", "alice", "--from", "2026-12-01T17:00", "--to", "2026-12-02T07:00"
    )
    assert newcomer.returncode == 1
    assert newcomer.stderr.splitlines()[1].startswith("  same-person-both-roles: Tue 01 Dec 2026 17:00 to")
    hidden = opsdesk("rota", "override", "primary", "chen", "--from", "2026-12-01T17:00", "--to", "2026-12-01T18:00",
                     "--reason", "evil\u202etxt.exe")  # fmt: skip
    assert hidden.returncode == 1
    assert "bidirectional control" in hidden.stderr
    long = opsdesk(
        "rota", "leave", "omar", "--from", "2026-12-05", "--to", "2026-12-05", "--note", "x" * 100_000
    )
    assert long.returncode == 1
    assert "--note is 100000 characters; at most 200" in long.stderr
    assert (workdir / "opsdesk.yaml").read_text(encoding="utf-8") == original
    assert opsdesk("rota", "changes").stdout.startswith("no rota changes yet")


def test_a_swap_needs_the_other_engineers_consent(opsdesk: Run, workdir: Path) -> None:
    original = write_team(workdir)
    proposed = opsdesk(
        "rota", "swap", "--with", "chen", "--role", "primary", "--on", "2026-12-01", "--back", "2026-12-08",
        "--as", "alice",
    )  # fmt: skip
    assert proposed.returncode == 0, proposed.stderr
    assert proposed.stdout.splitlines()[:4] == [
        "swap #1 proposed; not in force until chen accepts it",
        "  needs the consent of chen: `opsdesk rota swap accept 1 --as chen`",
        "  primary: chen from Mon 30 Nov 2026 07:00 to Mon 07 Dec 2026 07:00 GMT (swap alice/chen)",
        "  primary: alice from Mon 07 Dec 2026 07:00 to Mon 14 Dec 2026 07:00 GMT (swap alice/chen)",
    ]
    assert (workdir / "opsdesk.yaml").read_text(encoding="utf-8") == original
    not_theirs = opsdesk("rota", "swap", "accept", "1", "--as", "bilal")
    assert not_theirs.returncode == 3
    assert not_theirs.stderr.strip() == (
        "error: swap #1 needs the consent of chen, not bilal: chen accepts it (`opsdesk rota swap accept 1 --as chen`)"
    )
    not_held = opsdesk(
        "rota", "swap", "--with", "alice", "--role", "primary", "--on", "2026-12-01", "--as", "dana"
    )
    assert not_held.returncode == 1
    assert (
        "dana is not down for primary in the on-call turn from Mon 30 Nov 2026 (alice is)" in not_held.stderr
    )
    accepted = opsdesk("rota", "swap", "accept", "1", "--as", "chen")
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout.splitlines()[0] == "swap #1 written to opsdesk.yaml"
    assert accepted.stdout.splitlines()[1].startswith("  accepted by chen ")
    assert "    primary:   Chen (chen)  [override: swap alice/chen]" in accepted.stdout
    assert opsdesk("who", "--at", "2026-12-08T18:00").stdout.splitlines()[1].startswith("  primary:   Alice")
    again = opsdesk("rota", "swap", "accept", "1", "--as", "chen")
    assert again.returncode == 1
    assert "rota change #1 is a swap that is written: only a proposed swap can be accepted" in again.stderr
    record = json.loads(opsdesk("rota", "changes", "--json").stdout.splitlines()[0])
    assert (record["proposed_by"], record["partner"], record["accepted_by"], record["state"]) == (
        "alice", "chen", "chen", "written",
    )  # fmt: skip


def test_a_declined_swap_changes_nothing(opsdesk: Run, workdir: Path) -> None:
    original = write_team(workdir)
    assert (
        opsdesk(
            "rota",
            "swap",
            "--with",
            "chen",
            "--role",
            "primary",
            "--on",
            "2026-12-01",
            "--back",
            "2026-12-08",
            "--as",
            "alice",
        ).returncode
        == 0
    )
    assert opsdesk("rota", "swap", "decline", "1", "--as", "dana").returncode == 3
    declined = opsdesk("rota", "swap", "decline", "1", "--as", "chen")
    assert declined.stdout.strip() == "swap #1 declined by chen; nothing changes"
    assert opsdesk("rota", "swap", "accept", "1", "--as", "chen").returncode == 1
    listed = opsdesk("rota", "changes").stdout
    assert "  declined (or withdrawn): it never came into force" in listed
    assert "needs the consent" not in listed
    assert (workdir / "opsdesk.yaml").read_text(encoding="utf-8") == original


def test_two_writers_at_once_both_land(opsdesk: Run, workdir: Path) -> None:
    write_team(workdir)
    assert opsdesk("db", "upgrade").returncode == 0
    hours = ["17:00", "18:00", "19:00", "20:00"]
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "opsdesk",
                "rota",
                "override",
                "primary",
                "chen",
                "--from",
                f"2026-12-01T{h}",
                "--to",
                f"2026-12-01T{h[:2]}:30",
                "--reason",
                f"writer {h}",
            ],
            cwd=workdir,
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for h in hours
    ]
    results = [w.communicate(timeout=60) for w in writers]
    assert [w.returncode for w in writers] == [0, 0, 0, 0], results
    text = (workdir / "opsdesk.yaml").read_text(encoding="utf-8")
    for h in hours:
        assert f"reason: writer {h}" in text
    assert opsdesk("check").returncode == 0
    assert len(opsdesk("rota", "changes", "--json").stdout.splitlines()) == 4


def test_a_read_only_file_keeps_changes_in_the_database_until_written(
    opsdesk: Run, workdir: Path, db: Engine
) -> None:
    original = write_team(workdir)
    env = {**database_env(db), "OPSDESK_POLICY_READ_ONLY": "true"}
    kept = opsdesk(
        "rota",
        "override",
        "primary",
        "dana",
        "--from",
        "2026-12-01T17:00",
        "--to",
        "2026-12-02T07:00",
        env=env,
    )
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout.splitlines()[0] == (
        f"override #1 kept in the database {db.url.render_as_string(hide_password=True)} "
        "(the deployment sets policy-read-only (OPSDESK_POLICY_READ_ONLY)); "
        "`opsdesk rota changes --write` writes it into the file later"
    )
    assert (workdir / "opsdesk.yaml").read_text(encoding="utf-8") == original
    who = opsdesk("who", "--at", "2026-12-01T18:00", env=env)
    assert who.stdout.splitlines()[1] == "  primary:   Dana (dana)  [override]"
    # The layer counts when checking the next change: leave for alice is fine now dana covers her evening.
    assert opsdesk("rota", "changes", env=env).stdout.splitlines()[0].startswith("#1 override layered")
    refused = opsdesk("rota", "changes", "--write", env=env)
    assert refused.returncode == 1
    assert (
        "cannot write the changes into the policy file: the deployment sets policy-read-only"
        in refused.stderr
    )
    writable = database_env(db)
    written = opsdesk("rota", "changes", "--write", env=writable)
    assert written.stdout.strip() == "wrote 1 rota change from the database into opsdesk.yaml"
    assert (workdir / "opsdesk.yaml").read_text(encoding="utf-8") == original + (
        "overrides:\n"
        "- {role: primary, engineer: dana, from: 2026-12-01T17:00+00:00, to: 2026-12-02T07:00+00:00}\n"
    )
    assert opsdesk("rota", "changes", env=writable).stdout.splitlines()[0].startswith("#1 override folded")
    assert opsdesk("who", "--at", "2026-12-01T18:00", env=writable).stdout.splitlines()[1] == (
        "  primary:   Dana (dana)  [override]"
    )
    assert opsdesk("rota", "changes", "--write", env=writable).stdout.strip() == (
        "no rota changes are waiting in the database"
    )


def test_a_file_marked_read_only_is_left_alone(opsdesk: Run, workdir: Path, sqlite_db: Engine) -> None:
    original = write_team(workdir)
    path = workdir / "opsdesk.yaml"
    path.chmod(0o444)
    env = database_env(sqlite_db)
    kept = opsdesk(
        "rota", "leave", "omar", "--from", "2026-12-05", "--to", "2026-12-06", "--note", "away", env=env
    )
    assert kept.returncode == 0, kept.stderr
    url = sqlite_db.url.render_as_string(hide_password=True)
    assert kept.stdout.startswith(f"leave #1 kept in the database {url} (opsdesk.yaml is marked read-only)")
    assert path.read_text(encoding="utf-8") == original
    record = json.loads(opsdesk("rota", "changes", "--json", env=env).stdout)
    assert record["leave"] == [{"engineer": "omar", "from": "2026-12-05", "to": "2026-12-06", "note": "away"}]
    again = opsdesk("rota", "leave", "omar", "--from", "2026-12-06", "--to", "2026-12-07", env=env)
    assert again.returncode == 1
    assert "omar is already on leave from 2026-12-05 to 2026-12-06, which overlaps" in again.stderr


def test_a_swap_that_breaks_a_fatigue_rule_is_refused_naming_it(opsdesk: Run, workdir: Path) -> None:
    """With the default fatigue rules, giving chen alice's turn puts chen on call on his own support day."""
    (workdir / "opsdesk.yaml").write_text(block_yaml(team()), encoding="utf-8")
    original = (workdir / "opsdesk.yaml").read_text(encoding="utf-8")
    refused = opsdesk(
        "rota", "swap", "--with", "chen", "--role", "primary", "--on", "2026-12-01", "--as", "alice"
    )
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: refused, nothing written: the change breaks the rota's rules:")
    assert (
        "support-and-on-call-same-day: Wed 02 Dec 2026 00:00 to Thu 03 Dec 2026 00:00: chen has the support "
        "duty on 2026-12-02 and is on call that day" in refused.stderr
    )
    assert (workdir / "opsdesk.yaml").read_text(encoding="utf-8") == original
    assert (
        opsdesk("rota", "changes").stdout.strip() in {"", "no rota changes"}
        or "proposed" not in opsdesk("rota", "changes").stdout
    )


def test_who_acts_is_a_plain_name(opsdesk: Run, workdir: Path) -> None:
    original = write_team(workdir)
    sneaky = opsdesk(
        "rota",
        "override",
        "primary",
        "dana",
        "--from",
        "2026-12-01T17:00",
        "--to",
        "2026-12-01T18:00",
        "--as",
        "mal\u202elory\x07",
    )
    assert sneaky.returncode == 2
    assert "a name without control or direction characters" in sneaky.stderr
    assert "\u202e" not in sneaky.stderr and "\x07" not in sneaky.stderr
    assert (workdir / "opsdesk.yaml").read_text(encoding="utf-8") == original


def test_a_day_that_does_not_exist_is_said_so(opsdesk: Run, workdir: Path) -> None:
    write_team(workdir)
    leave = opsdesk("rota", "leave", "omar", "--from", "2027-02-30", "--to", "2027-03-02")
    assert leave.returncode == 2
    assert leave.stderr.startswith("error: --from '2027-02-30': there is no such day (day is out of range")
    shapeless = opsdesk("rota", "leave", "omar", "--from", "30/2", "--to", "2027-03-02")
    assert "expected a date as YYYY-MM-DD, e.g. 2026-12-07" in shapeless.stderr


def test_after_a_change_who_is_on_duty_is_shown_when_the_change_first_counts(
    opsdesk: Run, workdir: Path
) -> None:
    """Leave from Saturday: the first cover that day (07:00), not midnight's "nobody is on duty"."""
    write_team(workdir)
    leave = opsdesk("rota", "leave", "omar", "--from", "2026-12-05", "--to", "2026-12-06", "--as", "omar")
    assert leave.returncode == 0, leave.stderr
    lines = leave.stdout.splitlines()
    shown = lines[lines.index("on duty then:") + 1]
    assert shown.startswith("  Sat 05 Dec 2026 07:00 GMT: on-call hours (weekend)"), shown
