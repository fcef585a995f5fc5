"""`opsdesk announce ...` as a user runs it: post, list, show; the mention budget; promised updates shown
as pending or overdue; and bad input answered with a reason and the right exit code."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from opsdesk.adapters.db.engine import make_engine
from opsdesk.adapters.db.unit_of_work import SqlUnitOfWork
from opsdesk.domain.announcements.model import Announcement, AnnouncementKind, Promise
from tests.e2e.conftest import Run
from tests.rota_builders import team

SERVICES = [{"id": "platform", "name": "Platform", "channel": "#platform-alerts"}]
SECTION = {"update-channel": "#platform-updates", "ask-channel": "#ask-platform"}


def setup(opsdesk: Run, workdir: Path) -> Engine:
    document = team(services=SERVICES, announcements=SECTION)
    (workdir / "opsdesk.yaml").write_text(json.dumps(document), encoding="utf-8")
    assert opsdesk("db", "upgrade").returncode == 0
    return make_engine(f"sqlite:///{workdir / 'opsdesk.db'}")


def test_post_then_list_show_and_the_outbox(opsdesk: Run, workdir: Path) -> None:
    setup(opsdesk, workdir)
    posted = opsdesk(
        "announce", "post", "scheduled-work",
        "--title", "Kernel upgrades <b>tonight</b>",
        "--body", "-",
        "--starts-at", "2099-01-05T22:00",
        "--mention", "here",
        "--as", "alice",
        stdin="Nodes restart one at a time.\nNothing to do.\n",
    )  # fmt: skip
    assert posted.returncode == 0, posted.stderr
    assert posted.stdout.splitlines() == [
        "announcement #1 posted to opsdesk's log (#platform-updates: Slack is not set up), then forwarded to "
        "opsdesk's log (#ask-platform: Slack is not set up), linked to the post",
        "  mentions @here",
        "  starts Mon 05 Jan 2099 22:00 GMT",
        "  reminder 24 hours before, at Sun 04 Jan 22:00: to come",
        "  reminder 1 hour before, at Mon 05 Jan 21:00: to come",
    ]
    listed = opsdesk("announce", "list")
    assert listed.stdout.startswith("#1 scheduled-work ")
    assert '"Kernel upgrades <b>tonight</b>" by alice @here' in listed.stdout
    shown = opsdesk("announce", "show", "1")
    assert shown.stdout.startswith("#1 Scheduled work: Kernel upgrades <b>tonight</b>\n  by alice at ")
    assert shown.stdout.endswith("\nNodes restart one at a time.\nNothing to do.\n")
    outbox = [json.loads(line) for line in opsdesk("outbox", "list", "--json").stdout.splitlines()]
    by_key = {row["idempotency_key"]: row for row in outbox}
    post, forward = by_key["announcement:1:post"], by_key["announcement:1:forward"]
    assert (post["destination"], forward["destination"]) == ("#platform-updates", "#ask-platform")
    assert post["text"].startswith("<!here> *Scheduled work: Kernel upgrades &lt;b&gt;tonight&lt;/b&gt;*")
    assert forward["after"] == "announcement:1:post"
    assert "Forwarded from #platform-updates (opsdesk announcement #1)" in forward["text"]


def test_a_refused_mention_says_why_and_keeps_nothing(opsdesk: Run, workdir: Path) -> None:
    setup(opsdesk, workdir)
    refused = opsdesk(
        "announce", "post", "maintenance", "--title", "Failover", "--body", "Soon.", "--mention", "channel"
    )
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "error: @channel is kept for an incident update on a P1 incident (the policy's "
        "announcements.channel-mention-for); this is maintenance: post it with @here (2 of 2 left this "
        "week) or without a mention"
    )
    assert opsdesk("announce", "list").stdout.strip() == "no announcements made yet"
    assert opsdesk("outbox", "list").stdout.strip() == "the outbox is empty"


def test_an_incident_update_promises_the_next_and_an_overdue_one_shows(opsdesk: Run, workdir: Path) -> None:
    db = setup(opsdesk, workdir)
    opened = opsdesk("incident", "open", "--service", "platform", "--summary", "DB down", "--priority", "P1")
    assert opened.returncode == 0, opened.stderr
    posted = opsdesk(
        "announce", "post", "incident-update", "--incident", "1", "--title", "DB failover",
        "--body", "Failing over.", "--next-update", "30m", "--mention", "channel", "--as", "alice", "--json",
    )  # fmt: skip
    assert posted.returncode == 0, posted.stderr
    view = json.loads(posted.stdout)
    assert (view["incident"], view["priority"], view["mention"]) == (1, "P1", "channel")
    assert view["next_update"]["state"] == "pending"
    due = datetime.fromisoformat(view["next_update"]["due"]) - datetime.fromisoformat(view["at"])
    assert due == timedelta(minutes=30)
    assert "next update pending" in opsdesk("announce", "list").stdout
    # An update promised an hour ago and never given, as a worker would have kept it.
    at = datetime.now(UTC) - timedelta(hours=2)
    with SqlUnitOfWork(db) as uow:
        kept = uow.announcements.add(
            Announcement(
                0, AnnouncementKind.MAINTENANCE, "Storage work", "Under way.", "bilal", at, incident=1,
                promise=Promise(at + timedelta(hours=1), at + timedelta(hours=1, minutes=10)),
            )
        )  # fmt: skip
        uow.commit()
    overdue = opsdesk("announce", "list", "--overdue")
    assert overdue.stdout.startswith(f"#{kept.id} maintenance ")
    assert overdue.stdout.rstrip().endswith("by bilal  next update overdue")
    assert "next update promised by" in opsdesk("announce", "show", str(kept.id)).stdout
    assert ": overdue" in opsdesk("announce", "show", str(kept.id)).stdout


def test_bad_input_is_refused_with_a_reason(opsdesk: Run, workdir: Path) -> None:
    setup(opsdesk, workdir)
    unknown_kind = opsdesk("announce", "post", "outage", "--title", "x", "--body", "y")
    assert unknown_kind.returncode == 2
    assert "'outage' is not one of" in unknown_kind.stderr
    long_title = opsdesk("announce", "post", "maintenance", "--title", "x" * 201, "--body", "y")
    assert (long_title.returncode, long_title.stderr.strip()) == (
        1,
        "error: a title is at most 200 characters and this one has 201: shorten it, and put the details "
        "in the body",
    )
    long_body = opsdesk("announce", "post", "maintenance", "--title", "x", "--body", "y" * 4001)
    assert "a body is at most 4000 characters and this one has 4001" in long_body.stderr
    no_incident = opsdesk(
        "announce", "post", "incident-update", "--incident", "9", "--title", "x", "--body", "y"
    )
    assert (no_incident.returncode, no_incident.stderr.strip()) == (
        1,
        "error: no incident #9: `opsdesk incident list` shows the incidents",
    )
    bad_time = opsdesk(
        "announce",
        "post",
        "maintenance",
        "--change",
        "1",
        "--title",
        "x",
        "--body",
        "y",
        "--next-update",
        "soon",
    )
    assert bad_time.returncode == 2
    assert bad_time.stderr.startswith("error: --next-update 'soon': expected a duration from now (30m, 2h")
    escape = opsdesk("announce", "post", "maintenance", "--title", "x", "--body", "-", stdin="a\x1b[2Jb")
    assert "the body holds the control character U+001B" in escape.stderr
    missing = opsdesk("announce", "show", "7")
    assert (missing.returncode, missing.stderr.strip()) == (
        1,
        "error: no announcement #7: `opsdesk announce list` shows the ones made",
    )
    assert opsdesk("announce", "list").stdout.strip() == "no announcements made yet"
