"""`opsdesk hours` end to end: instants, streams, periods, and what a person sees on a mistake."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.e2e.conftest import Run


def lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def test_json_for_an_instant_has_the_documented_shape(opsdesk: Run) -> None:
    result = opsdesk("hours", "--at", "2026-12-28T16:00", "--json")
    assert result.returncode == 0, result.stderr
    assert lines(result.stdout) == [
        {
            "at": "2026-12-28T16:00:00+00:00",
            "cover": "on-call",
            "day": "bank-holiday",
            "holiday": "Boxing Day (substitute day)",
            "until": "2026-12-28T22:00:00+00:00",
        }
    ]


def test_several_instants_answer_in_order_in_the_policy_time_zone(opsdesk: Run) -> None:
    result = opsdesk(
        "hours",
        "--json",
        "--at",
        "2026-07-01T08:00Z",
        "--at",
        "2026-07-01T09:00",
        "--at",
        "2026-07-01T23:00+01:00",
    )
    assert result.returncode == 0, result.stderr
    assert [(o["at"], o["cover"], o["until"]) for o in lines(result.stdout)] == [
        ("2026-07-01T09:00:00+01:00", "support", "2026-07-01T16:00:00+01:00"),
        ("2026-07-01T09:00:00+01:00", "support", "2026-07-01T16:00:00+01:00"),
        ("2026-07-01T23:00:00+01:00", "none", "2026-07-02T07:00:00+01:00"),
    ]


def test_no_at_means_now(opsdesk: Run) -> None:
    before = datetime.now(UTC)
    result = opsdesk("hours", "--json")
    assert result.returncode == 0, result.stderr
    (answer,) = lines(result.stdout)
    at = datetime.fromisoformat(str(answer["at"]))
    assert before - timedelta(seconds=1) <= at <= datetime.now(UTC)
    assert answer["cover"] in {"support", "on-call", "none"}


def test_a_person_gets_a_sentence(opsdesk: Run) -> None:
    result = opsdesk("hours", "--at", "2026-12-24T21:30", "--at", "2026-12-25T23:00")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Thu 24 Dec 2026 21:30 GMT: on-call hours (working day) until 22:00 GMT",
        "Fri 25 Dec 2026 23:00 GMT: no cover (bank holiday: Christmas Day) until Sat 26 Dec 2026 07:00 GMT",
    ]


def test_standard_input_streams_one_answer_per_line_and_bad_lines_do_not_stop_it(opsdesk: Run) -> None:
    given = [
        "2026-12-01T09:00",
        "not a time",
        "",
        "2026-03-29T01:30",
        "2026-12-01T16:00Z",
        "2026-12-01T22:00",
    ]
    result = opsdesk("hours", "--json", "--at", "-", stdin="\n".join(given) + "\n")
    assert result.returncode == 1
    answers = lines(result.stdout)
    assert len(answers) == len(given)
    assert [a.get("cover") for a in answers] == ["support", None, None, None, "on-call", "none"]
    assert answers[1]["input"] == "not a time"
    assert "not an ISO 8601 date and time" in str(answers[1]["error"])
    assert answers[2] == {"input": "", "error": answers[2]["error"]}
    assert "does not exist in Europe/London" in str(answers[3]["error"])


def test_a_clean_stream_exits_0_and_a_last_line_without_newline_counts(opsdesk: Run) -> None:
    result = opsdesk("hours", "--json", "--at", "-", stdin="2026-12-01T09:00\r\n2026-12-01T10:00")
    assert result.returncode == 0, result.stderr
    assert [a["cover"] for a in lines(result.stdout)] == ["support", "support"]


def test_the_stream_answers_each_line_as_it_arrives(workdir: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "opsdesk", "hours", "--json", "--at", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=workdir,
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        for when, cover in [("2026-12-01T09:00", "support"), ("2026-12-01T07:00", "on-call")]:
            process.stdin.write(when + "\n")
            process.stdin.flush()
            assert json.loads(process.stdout.readline())["cover"] == cover  # would hang if buffered
        process.stdin.close()
        assert process.wait(timeout=30) == 0


def test_a_bad_at_on_the_command_line_exits_2_and_names_the_value(opsdesk: Run) -> None:
    result = opsdesk("hours", "--at", "2026-12-01T09:00", "--at", "next tuesday", "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "--at 'next tuesday'" in result.stderr
    assert "expected e.g. 2026-12-24T16:00" in result.stderr


def test_a_skipped_wall_clock_time_exits_2_and_says_why(opsdesk: Run) -> None:
    result = opsdesk("hours", "--at", "2027-03-28T01:15")
    assert result.returncode == 2
    assert "'2027-03-28T01:15'" in result.stderr and "does not exist in Europe/London" in result.stderr


def test_a_period_lists_its_windows(opsdesk: Run) -> None:
    result = opsdesk("hours", "--from", "2026-10-25", "--to", "2026-10-25", "--json")
    assert result.returncode == 0, result.stderr
    assert lines(result.stdout) == [
        {
            "start": "2026-10-25T00:00:00+01:00",
            "end": "2026-10-25T07:00:00+00:00",
            "cover": "none",
            "day": "weekend",
            "holiday": None,
        },
        {
            "start": "2026-10-25T07:00:00+00:00",
            "end": "2026-10-25T22:00:00+00:00",
            "cover": "on-call",
            "day": "weekend",
            "holiday": None,
        },
        {
            "start": "2026-10-25T22:00:00+00:00",
            "end": "2026-10-26T00:00:00+00:00",
            "cover": "none",
            "day": "weekend",
            "holiday": None,
        },
    ]


def test_a_period_as_a_table_for_people(opsdesk: Run) -> None:
    result = opsdesk("hours", "--from", "2026-12-25", "--to", "2026-12-25", env={"COLUMNS": "100"})
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if "Fri 25 Dec 2026" in line]
    assert len(rows) == 3
    assert [cell.strip() for cell in rows[1].split("│")[1:6]] == [
        "Fri 25 Dec 2026",
        "07:00 GMT",
        "22:00 GMT",
        "on-call",
        "bank holiday: Christmas Day",
    ]


def test_a_stream_for_people_gets_sentences_and_errors_in_place(opsdesk: Run) -> None:
    result = opsdesk("hours", "--at", "-", stdin="2026-12-01T09:00\nsoon\n")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "Tue 01 Dec 2026 09:00 GMT: support hours (working day) until 16:00 GMT",
        "error: 'soon': not an ISO 8601 date and time; expected e.g. 2026-12-24T16:00 (wall-clock time), "
        "2026-12-24T16:00Z or 2026-12-24T16:00+01:00",
    ]


def test_period_mistakes_are_usage_errors(opsdesk: Run) -> None:
    assert opsdesk("hours", "--from", "2026-12-25").returncode == 2
    backwards = opsdesk("hours", "--from", "2026-12-25", "--to", "2026-12-24")
    assert backwards.returncode == 2
    assert "--to 2026-12-24 is before --from 2026-12-25" in backwards.stderr
    both = opsdesk("hours", "--from", "2026-12-25", "--to", "2026-12-26", "--at", "2026-12-25T10:00")
    assert both.returncode == 2


def test_the_policy_file_in_the_working_folder_is_used(opsdesk: Run, workdir: Path) -> None:
    (workdir / "opsdesk.yaml").write_text(
        "timezone: UTC\nhours:\n  working-day: {support: ['00:00-24:00']}\n  weekend: {}\n  bank-holiday: {}\n",
        encoding="utf-8",
    )
    result = opsdesk("hours", "--at", "2026-12-01T03:00", "--json")
    assert result.returncode == 0, result.stderr
    assert lines(result.stdout)[0]["cover"] == "support"
    assert lines(result.stdout)[0]["until"] == "2026-12-05T00:00:00+00:00"


def test_an_invalid_policy_runs_nothing(opsdesk: Run, workdir: Path) -> None:
    (workdir / "opsdesk.yaml").write_text("timezone: Nowhere/City\n", encoding="utf-8")
    result = opsdesk("hours", "--json", "--at", "2026-12-01T09:00")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "opsdesk.yaml: 1 problem; nothing was run" in result.stderr
    assert "line 1: timezone: got 'Nowhere/City': not a known IANA time zone" in result.stderr
