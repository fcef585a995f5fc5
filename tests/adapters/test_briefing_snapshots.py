"""Each kind of briefing as Slack blocks and as an email, kept as snapshots a person can read in review."""

from __future__ import annotations

import json

import pytest

from opsdesk.adapters.email.render import EmailRenderer
from opsdesk.adapters.slack.render import SlackRenderer
from tests.adapters.briefing_cases import CASES, PEOPLE, notice
from tests.adapters.snapshot_files import matches_snapshot


@pytest.mark.parametrize("case", CASES)
def test_slack_blocks_match_their_snapshot(case: str) -> None:
    payload = SlackRenderer().render(notice(CASES[case]()), PEOPLE)
    made = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    matches_snapshot(f"briefing/{case}.slack.json", made)


@pytest.mark.parametrize("case", CASES)
def test_email_matches_its_snapshot(case: str) -> None:
    payload = EmailRenderer().render(notice(CASES[case]()), PEOPLE)
    matches_snapshot(f"briefing/{case}.email.txt", f"Subject: {payload['subject']}\n\n{payload['text']}")


def test_every_kind_has_a_snapshot() -> None:
    kinds = {make().kind for make in CASES.values()}
    assert {str(k) for k in kinds} == {"handover", "hand-back", "turn-change", "digest"}
