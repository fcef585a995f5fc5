"""`opsdesk hours elapsed` end to end: the time of one cover in a period, its JSON, and mistakes."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.conftest import Run


def test_a_request_from_friday_afternoon_to_monday_morning_waited_15_support_minutes(opsdesk: Run) -> None:
    result = opsdesk("hours", "elapsed", "--from", "2026-12-04T15:55", "--to", "2026-12-07T09:10", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "from": "2026-12-04T15:55:00+00:00",
        "to": "2026-12-07T09:10:00+00:00",
        "cover": "support",
        "seconds": 900,
    }
    assert result.stdout.count("\n") == 1
    assert '"seconds": 900}' in result.stdout  # a whole number, not 900.0


@pytest.mark.parametrize(
    ("cover", "seconds"),
    [("support", 7 * 3600), ("on-call", 68 * 3600), ("none", 44 * 3600)],
)
def test_each_cover_over_easter_and_the_spring_change(opsdesk: Run, cover: str, seconds: int) -> None:
    # Thursday 12:00 GMT to Tuesday 12:00 BST, Good Friday and Easter Monday 2027 in between: 119 hours.
    result = opsdesk(
        "hours",
        "elapsed",
        "--from",
        "2027-03-25T12:00",
        "--to",
        "2027-03-30T12:00",
        "--cover",
        cover,
        "--json",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "from": "2027-03-25T12:00:00+00:00",
        "to": "2027-03-30T12:00:00+01:00",
        "cover": cover,
        "seconds": seconds,
    }


def test_offsets_and_fractions_of_a_second(opsdesk: Run) -> None:
    result = opsdesk(
        "hours", "elapsed", "--from", "2026-07-01T08:00:00Z", "--to", "2026-07-01T10:00:00.25+01:00", "--json"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "from": "2026-07-01T09:00:00+01:00",
        "to": "2026-07-01T10:00:00.250000+01:00",
        "cover": "support",
        "seconds": 3600.25,
    }


def test_a_person_gets_one_line(opsdesk: Run) -> None:
    weekend = opsdesk("hours", "elapsed", "--from", "2026-12-04T15:55", "--to", "2026-12-07T09:10")
    assert weekend.returncode == 0, weekend.stderr
    assert weekend.stdout == (
        "15 minutes in support hours from Fri 04 Dec 2026 15:55 GMT to Mon 07 Dec 2026 09:10 GMT\n"
    )
    night = opsdesk(
        "hours", "elapsed", "--from", "2027-10-30T21:00", "--to", "2027-10-31T08:00", "--cover", "none"
    )
    assert (
        night.stdout == "10 hours with no cover from Sat 30 Oct 2027 21:00 BST to Sun 31 Oct 2027 08:00 GMT\n"
    )
    year = opsdesk(
        "hours", "elapsed", "--from", "2026-12-01T10:00", "--to", "2027-12-01T10:00", "--cover", "on-call"
    )
    # A year of working days (8 on-call hours) and other days (15), counted in hours, not days.
    assert year.stdout == (
        f"{253 * 8 + 112 * 15} hours in on-call hours from Tue 01 Dec 2026 10:00 GMT to Wed 01 Dec 2027 10:00 GMT\n"
    )
    day = opsdesk(
        "hours", "elapsed", "--from", "2026-12-01T10:00", "--to", "2026-12-01T12:00", "--cover", "on-call"
    )
    assert day.stdout == "no time in on-call hours from Tue 01 Dec 2026 10:00 GMT to 12:00 GMT\n"


def test_now_is_accepted_at_either_end(opsdesk: Run) -> None:
    before = datetime.now(UTC)
    result = opsdesk(
        "hours", "elapsed", "--from", "now", "--to", "2100-01-01T00:00Z", "--cover", "none", "--json"
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert before - timedelta(seconds=1) <= datetime.fromisoformat(answer["from"]) <= datetime.now(UTC)
    assert answer["to"] == "2100-01-01T00:00:00+00:00"
    assert 0 < answer["seconds"] < (datetime(2100, 1, 1, tzinfo=UTC) - before).total_seconds()
    empty = opsdesk("hours", "elapsed", "--from", "now", "--to", "NOW", "--json")
    assert empty.returncode == 0, empty.stderr
    answer = json.loads(empty.stdout)
    assert (answer["from"] == answer["to"], answer["seconds"]) == (True, 0)  # one `now`, read once


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (
            ["--from", "2026-12-08T09:00", "--to", "2026-12-01T09:00"],
            "error: --to 2026-12-01T09:00 is before --from 2026-12-08T09:00: the period must run forwards",
        ),
        (
            ["--from", "soon", "--to", "2026-12-01T09:00"],
            "error: --from 'soon': not an ISO 8601 date and time",
        ),
        (
            ["--from", "2027-03-01T09:00", "--to", "2027-03-28T01:30"],
            "error: --to '2027-03-28T01:30': this wall-clock time does not exist in Europe/London",
        ),
        (["--from", "2026-12-01T09:00", "--to", "2101-06-01"], "error: --to '2101-06-01': outside the years"),
        (["--from", "2026-12-01T09:00", "--to", "now", "--cover", "daytime"], "Invalid value for '--cover'"),
        (["--to", "2026-12-01T09:00"], "Missing option '--from'"),
    ],
)
def test_mistakes_exit_2_naming_the_option(opsdesk: Run, arguments: list[str], said: str) -> None:
    result = opsdesk("hours", "elapsed", *arguments)
    assert result.returncode == 2
    assert result.stdout == ""
    assert said in result.stderr


def test_the_clock_does_not_load_the_database_layer(workdir: Path) -> None:
    period = ["--from", "2026-01-01T00:00", "--to", "2027-01-01T00:00", "--json"]
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "opsdesk", "hours", "elapsed", *period],
        capture_output=True,
        text=True,
        cwd=workdir,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["seconds"] == 1771 * 3600
    imported = {line.split("|")[-1].strip().split(".")[0] for line in result.stderr.splitlines()}
    assert "opsdesk" in imported
    assert not imported & {"sqlalchemy", "fastapi", "pydantic", "rich"}
