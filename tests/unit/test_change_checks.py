"""Checking an out-of-hours change request as written: one test per problem code, and the edges."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from opsdesk.adapters.github.form import read_form, read_request
from opsdesk.domain.changes.model import Booked, CheckResult, Code, Severity
from opsdesk.domain.changes.window import ChangeWindow
from opsdesk.services.changes.views import check_dict
from opsdesk.services.changes.workflow import ChangeService
from tests.builders import policy_from_yaml, utc
from tests.rota_builders import rota_service, team

SUBMITTED = utc("2027-02-20 10:00")


def body(time: str = "Tuesday 2nd March 2027 18:00-20:00", **fields: str) -> str:
    answers = {
        "Change Details": "Upgrade the platform database to PostgreSQL 16",
        "Scheduled Time": time,
        "Impact Assesment": "Applications read-only for 10 minutes",
        "Rollback Plan": "Restore the snapshot taken before the change",
    } | fields
    return "\n\n".join(f"### {label}\n\n{answer}" for label, answer in answers.items()) + "\n"


def check(
    cache_dir: Path, text: str, submitted: Any = SUBMITTED, booked: tuple[Booked, ...] = (), **policy: Any
) -> CheckResult:
    document = team(**policy)
    rota = rota_service(document, cache_dir)
    changes = policy_from_yaml(json.dumps(document)).changes
    return ChangeService(rota, changes, lambda: booked, read=read_request).check(text, submitted)


def codes(result: CheckResult) -> list[tuple[str, str]]:
    return [(str(p.code), str(p.severity)) for p in result.problems]


def test_a_good_request_is_ok(cache_dir: Path) -> None:
    result = check(cache_dir, body())
    assert result.ok
    assert result.problems == []
    assert check_dict(result) == {
        "ok": True,
        "window": {"start": "2027-03-02T18:00:00Z", "end": "2027-03-02T20:00:00Z"},
        "problems": [],
    }


def test_missing_fields_each_named(cache_dir: Path) -> None:
    result = check(cache_dir, body(**{"Impact Assesment": "_No response_", "Rollback Plan": ""}))
    assert codes(result) == [("missing-field", "error"), ("missing-field", "error")]
    assert [p.message for p in result.problems] == [
        "Impact Assesment is empty: fill in the 'Impact Assesment' field",
        "Rollback Plan is empty: fill in the 'Rollback Plan' field",
    ]
    assert result.window is not None  # the time was still read


def test_unreadable_and_ambiguous_times(cache_dir: Path) -> None:
    assert codes(check(cache_dir, body("after the deploy"))) == [("unreadable-time", "error")]
    result = check(cache_dir, body("Tuesday 2nd March 2027 18:00"))
    assert codes(result) == [("ambiguous-time", "error")]
    assert result.problems[0].message.startswith("Scheduled Time: a start time (18:00) but no end time")
    assert result.window is None


def test_notice_of_exactly_48_hours_is_enough_and_a_second_less_is_not(cache_dir: Path) -> None:
    start = utc("2027-03-02 18:00")
    assert check(cache_dir, body(), submitted=start - timedelta(hours=48)).ok
    short = check(cache_dir, body(), submitted=start - timedelta(hours=48) + timedelta(seconds=1))
    assert codes(short) == [("short-notice", "error")]
    assert (
        short.problems[0].message
        == "47 hours 59 minutes of notice; at least 48 hours are needed from submission to the window's start"
    )


def test_notice_is_the_policys(cache_dir: Path) -> None:
    result = check(cache_dir, body(), submitted=utc("2027-02-27 10:00"), changes={"notice-hours": 120})
    assert codes(result) == [("short-notice", "error")]
    assert "at least 120 hours are needed" in result.problems[0].message


def test_a_window_wholly_in_support_hours_needs_no_out_of_hours_support(cache_dir: Path) -> None:
    result = check(cache_dir, body("Tuesday 2nd March 2027 10:00-12:00"))
    assert codes(result) == [("in-hours", "error")]


def test_a_window_partly_in_support_hours_is_a_warning(cache_dir: Path) -> None:
    result = check(cache_dir, body("Tuesday 2nd March 2027 15:00-18:00"))
    assert codes(result) == [("partly-in-hours", "warning")]
    assert result.ok
    assert result.problems[0].message == "1 hour of the window is in support hours"


def test_conflicts_with_an_approved_change_and_a_freeze(cache_dir: Path) -> None:
    other = Booked("#12", ChangeWindow(utc("2027-03-02 19:00"), utc("2027-03-02 21:00")))
    result = check(
        cache_dir,
        body(),
        booked=(other,),
        changes={"freezes": [{"from": "2027-03-01", "to": "2027-03-05", "reason": "year-end freeze"}]},
    )
    assert codes(result) == [("conflict", "error"), ("conflict", "error")]
    assert [p.message for p in result.problems] == [
        "the window overlaps approved change #12",
        "the window falls in a change freeze: year-end freeze",
    ]
    touching = Booked("#13", ChangeWindow(utc("2027-03-02 20:00"), utc("2027-03-02 22:00")))
    assert check(cache_dir, body(), booked=(touching,)).ok  # windows that only meet do not overlap


def test_nobody_free_is_no_engineer(cache_dir: Path) -> None:
    everyone = ["alice", "bilal", "chen", "dana", "eve"]
    leave = [{"engineer": e, "from": "2027-03-01", "to": "2027-03-03"} for e in everyone]
    result = check(cache_dir, body(), leave=leave)
    assert codes(result) == [("no-engineer", "error")]
    one_back = check(cache_dir, body(), leave=leave[1:])
    assert one_back.ok


def test_a_window_longer_than_the_policy_allows(cache_dir: Path) -> None:
    result = check(cache_dir, body("Saturday 6 - Monday 8 March 2027"))
    assert ("too-long", "error") in codes(result)
    assert "the window is 72 hours; the policy allows at most 24" in result.problems[0].message


def test_a_window_ending_before_it_starts(cache_dir: Path) -> None:
    result = check(cache_dir, body("18 March 2027 22:00 to 17 March 2027 02:00"))
    assert codes(result) == [("unreadable-time", "error")]
    assert "ends before it starts" in result.problems[0].message


def test_a_body_not_from_the_form(cache_dir: Path) -> None:
    result = check(cache_dir, "Please can you help with our release on Tuesday evening?")
    assert codes(result) == [("not-form", "error")]
    assert result.window is None


def test_a_1_mb_body_is_refused_whole(cache_dir: Path) -> None:
    result = check(cache_dir, body() + "x" * (1 << 20))
    assert codes(result) == [("too-large", "error")]


def test_html_and_scripts_are_read_as_text() -> None:
    answers = read_form(body(**{"Change Details": "<script>alert(1)</script> & <b>bold</b>"}))
    assert isinstance(answers, dict)
    assert answers["change-details"] == "<script>alert(1)</script> & <b>bold</b>"


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_the_form_as_github_renders_it(line_end: str) -> None:
    text = body().replace("\n", line_end)
    answers = read_form(text)
    assert isinstance(answers, dict)
    assert answers == {
        "change-details": "Upgrade the platform database to PostgreSQL 16",
        "time": "Tuesday 2nd March 2027 18:00-20:00",
        "impact": "Applications read-only for 10 minutes",
        "rollback": "Restore the snapshot taken before the change",
    }
    assert Severity.ERROR.value == "error"
    assert Code.NO_ENGINEER.value == "no-engineer"
