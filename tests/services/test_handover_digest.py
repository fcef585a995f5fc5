"""The daily digest's GitHub section, made by the real services against a local fake of GitHub: what the
team reads at 09:00, whatever GitHub answers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from opsdesk.domain.handover.model import HandoverKind
from tests.fake_github import TOKEN, FakeGitHub
from tests.handover_world import RhythmWorld
from tests.incident_world import policy_document

LONDON = ZoneInfo("Europe/London")
REPOSITORIES = ["team/api", "team/web"]


def world(db: Engine, cache_dir: Path, fake: FakeGitHub, token: str = TOKEN) -> RhythmWorld:
    document = policy_document(
        date(2026, 11, 30), weeks=2, handover={"channel": "#team", "repositories": REPOSITORIES}
    )
    start = datetime(2026, 12, 2, 8, 30, tzinfo=LONDON)
    return RhythmWorld(db, cache_dir, start, document, github=(token, fake.url))


def digest_text(w: RhythmWorld) -> str:
    """What the team's channel shows of the digest (its Slack post, text and blocks)."""
    (record,) = w.records(HandoverKind.DIGEST)
    (post,) = w.sent(f"{record.key}:channel")
    return json.dumps(post.message.payload, ensure_ascii=False)


def test_dependabot_pull_requests_and_failed_runs_in_the_digest(
    db: Engine, cache_dir: Path, fake_github: FakeGitHub
) -> None:
    fake_github.pull("team/api", 12, "Bump requests from 2.31.0 to 2.32.0", at="2026-12-01T10:00:00Z")
    fake_github.pull("team/api", 13, "Refactor billing", login="alice", at="2026-12-01T10:00:00Z")
    fake_github.run("team/web", 40, "CI", at="2026-12-02T07:00:00Z")
    fake_github.run("team/web", 30, "CI", at="2026-11-30T07:00:00Z")  # more than a day before
    w = world(db, cache_dir, fake_github)
    w.run_until(datetime(2026, 12, 2, 9, 1, tzinfo=LONDON))
    (record,) = w.records(HandoverKind.DIGEST)
    github = record.briefing.github
    assert github is not None and github.state == "ok"
    assert [(i.repository, i.number) for i in github.pull_requests] == [("team/api", 12)]
    assert [(i.repository, i.number) for i in github.failed_runs] == [("team/web", 40)]
    shown = digest_text(w)
    assert "Bump requests from 2.31.0 to 2.32.0" in shown
    assert "Refactor billing" not in shown
    asked = [q for q in fake_github.queries if "status" in q]
    assert {q["created"] for q in asked} == {">=2026-12-01T09:00:00Z"}


def test_a_refused_token_is_a_line_in_the_digest(
    db: Engine, cache_dir: Path, fake_github: FakeGitHub
) -> None:
    fake_github.pull("team/api", 12, "Bump requests")
    w = world(db, cache_dir, fake_github, token="ghp_wrong")
    w.run_until(datetime(2026, 12, 2, 9, 1, tzinfo=LONDON))
    assert "GitHub refused the token (401): check OPSDESK_GITHUB_TOKEN" in digest_text(w)


def test_a_spent_rate_limit_is_a_line_in_the_digest(
    db: Engine, cache_dir: Path, fake_github: FakeGitHub
) -> None:
    reset = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=40)
    fake_github.limit_rate(reset)
    w = world(db, cache_dir, fake_github)
    w.run_until(datetime(2026, 12, 2, 9, 1, tzinfo=LONDON))
    assert (
        f"GitHub's rate limit is reached until {reset:%H:%M} UTC; the next digest tries again"
        in digest_text(w)
    )
