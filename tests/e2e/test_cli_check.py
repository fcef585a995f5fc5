"""`opsdesk check`, `opsdesk policy schema`, `--config` and OPSDESK_CONFIG, end to end."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import Run

GOOD = """\
timezone: Europe/London
hours:
  working-day:
    support: ["09:00-17:00"]
    on-call: ["17:00-22:00"]
  weekend: {}
  bank-holiday: {}
"""


def test_no_file_checks_the_built_in_defaults(opsdesk: Run) -> None:
    result = opsdesk("check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:6] == [
        "built-in defaults: valid",
        "  time zone: Europe/London",
        "  bank holidays: england-and-wales",
        "  working-day: on-call 07:00-09:00, support 09:00-16:00, on-call 16:00-22:00",
        "  weekend: on-call 07:00-22:00",
        "  bank-holiday: on-call 07:00-22:00",
    ]


def test_a_valid_file_named_by_option_or_environment(opsdesk: Run, workdir: Path) -> None:
    (workdir / "team.yaml").write_text(GOOD, encoding="utf-8")
    by_option = opsdesk("--config", "team.yaml", "check")
    by_environment = opsdesk("check", env={"OPSDESK_CONFIG": "team.yaml"})
    for result in (by_option, by_environment):
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("team.yaml: valid")
        assert "  weekend: no cover" in result.stdout


def test_an_invalid_file_exits_1_listing_every_problem(opsdesk: Run, workdir: Path) -> None:
    (workdir / "opsdesk.yaml").write_text(
        "timezone: Europe/London\nhours:\n  working-day: {support: ['09:00-17:00'], on-call: ['16:00-22:00']}\n"
        "  weekend: {}\n  holiday: {}\n",
        encoding="utf-8",
    )
    result = opsdesk("check")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "opsdesk.yaml: 3 problems; nothing was run" in result.stderr
    assert (
        "line 3: hours.working-day: got a mapping: support 09:00-17:00 overlaps on-call 16:00-22:00"
        in result.stderr
    )
    assert "line 2: hours.bank-holiday: required; add this key" in result.stderr
    assert (
        "line 5: hours.holiday: unknown key 'holiday'; expected one of: working-day, weekend, bank-holiday"
        in (result.stderr)
    )


def test_a_missing_named_file_is_an_error(opsdesk: Run) -> None:
    result = opsdesk("--config", "nope.yaml", "check")
    assert result.returncode == 1
    assert "nope.yaml" in result.stderr and "no such file" in result.stderr


def test_an_unreadable_bank_holiday_file_names_the_place(opsdesk: Run, workdir: Path) -> None:
    (workdir / "opsdesk.yaml").write_text("bank-holidays:\n  file: holidays.json\n", encoding="utf-8")
    (workdir / "holidays.json").write_text('{"scotland": {"events": []}}', encoding="utf-8")
    result = opsdesk("check")
    assert result.returncode == 1
    assert "bank-holidays.file:" in result.stderr
    assert "holidays.json is not in GOV.UK's bank-holidays format" in result.stderr


def test_a_govuk_file_is_checked_and_used(opsdesk: Run, workdir: Path) -> None:
    document = {
        "england-and-wales": {
            "division": "england-and-wales",
            "events": [
                {
                    "title": "Extra bank holiday",
                    "date": "2026-12-01",
                    "notes": "Extra bank holiday",
                    "bunting": True,
                },
            ],
        }
    }
    (workdir / "holidays.json").write_text(json.dumps(document), encoding="utf-8")
    (workdir / "opsdesk.yaml").write_text("bank-holidays:\n  file: holidays.json\n", encoding="utf-8")
    assert opsdesk("check").returncode == 0
    result = opsdesk("hours", "--json", "--at", "2026-12-01T10:00", "--at", "2026-12-25T10:00")
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(a["day"], a["holiday"]) for a in answers] == [
        ("bank-holiday", "Extra bank holiday"),
        ("working-day", None),  # the file is authoritative for 2026 and has no Christmas
    ]


def test_the_schema_is_printed(opsdesk: Run) -> None:
    result = opsdesk("policy", "schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "opsdesk policy"
    assert "hours" in schema["properties"]


def test_help_and_version(opsdesk: Run) -> None:
    assert "hours" in opsdesk("--help").stdout
    assert "--at" in opsdesk("hours", "--help").stdout
    assert opsdesk("--version").stdout.startswith("opsdesk ")
