"""An announcement makes exactly two messages, linked: the post to the update channel, then the forward
to the ask channel naming it by its Slack permalink; once each, whichever worker dies where. Against the
real outbox on SQLite and PostgreSQL and a local fake of Slack's Web API."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.domain.announcements.model import AnnouncementKind, Mention
from opsdesk.domain.outbox import OutboxState
from tests.announcement_world import ASK, LONDON, UPDATES, AnnouncementWorld
from tests.fake_slack import Answer, FakeSlack, conversation, permalink

START = datetime(2026, 12, 2, 10, 0, tzinfo=LONDON)  # a Wednesday morning


def world(db: Engine, cache_dir: Path) -> AnnouncementWorld:
    return AnnouncementWorld(db, cache_dir, START)


def posts(slack: FakeSlack) -> list[tuple[str, str]]:
    """(channel as posted to, text) of every post Slack took, in the order it took them."""
    return [(str(body["channel"]), str(body["text"])) for body in slack.delivered]


def link_to_first(slack: FakeSlack) -> str:
    first = slack.delivered[0]
    return permalink(str(first["_conversation"]), str(first["ts"]))


def test_one_announcement_makes_a_post_then_a_forward_linking_to_it(
    db: Engine, cache_dir: Path, fake_slack: FakeSlack
) -> None:
    w = world(db, cache_dir)
    record = w.announce(title="Database failover", mention=Mention.HERE)
    worker = w.worker("w1", fake_slack)
    for _ in range(3):
        worker.run_once()
    (post, forward) = posts(fake_slack)
    assert post == (
        UPDATES,
        "<!here> *Maintenance: Database failover*\nWrites pause for about a minute.\n"
        f"opsdesk announcement #{record.id}",
    )
    assert forward == (
        ASK,
        f"\u21aa Forwarded from <{link_to_first(fake_slack)}|{UPDATES}>: *Maintenance: Database failover*\n"
        f"Writes pause for about a minute.\nopsdesk announcement #{record.id}",
    )
    assert fake_slack.permalinks == [(conversation(UPDATES), str(fake_slack.delivered[0]["ts"]))]
    rows = SqlOutbox(db).rows()
    assert {r.state for r in rows} == {OutboxState.DELIVERED}
    first = next(r for r in rows if r.message.idempotency_key.endswith(":post"))
    assert first.reference == {"channel": conversation(UPDATES), "ts": fake_slack.delivered[0]["ts"]}


def test_the_forward_waits_for_the_post(db: Engine, cache_dir: Path, fake_slack: FakeSlack) -> None:
    """Slack refuses the post for a while (a 503, then a rate limit): the forward is not sent before it."""
    w = world(db, cache_dir)
    w.announce()
    fake_slack.script += [
        (503, {"ok": False, "error": "service_unavailable"}, {}),
        (429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"}),
    ]
    worker = w.worker("w1", fake_slack)
    assert worker.run_once() == 1  # only the post is due: the forward waits for it
    assert SqlOutbox(db).lag(w.clock.now()) == 0  # a forward waiting for its post is not lag
    w.clock.advance(timedelta(minutes=1))
    assert worker.run_once() == 1  # the post again: rate limited
    assert fake_slack.delivered == []
    w.clock.advance(timedelta(minutes=1))
    worker.run_once()
    worker.run_once()
    assert [channel for channel, _ in posts(fake_slack)] == [UPDATES, ASK]


def test_a_worker_gone_after_the_post_leaves_the_forward_to_another(
    db: Engine, cache_dir: Path, fake_slack: FakeSlack
) -> None:
    w = world(db, cache_dir)
    w.announce()
    first = w.worker("w1", fake_slack)
    assert first.run_once() == 1  # the post; then the worker is gone (stopped or killed)
    first.stop()
    assert [channel for channel, _ in posts(fake_slack)] == [UPDATES]
    second = w.worker("w2", fake_slack)
    second.run_once()
    second.run_once()
    assert [channel for channel, _ in posts(fake_slack)] == [UPDATES, ASK]
    assert f"<{link_to_first(fake_slack)}|{UPDATES}>" in posts(fake_slack)[1][1]
    assert {r.state for r in SqlOutbox(db).rows()} == {OutboxState.DELIVERED}


def test_a_forward_whose_answer_was_lost_is_checked_not_sent_again(
    db: Engine, cache_dir: Path, fake_slack: FakeSlack
) -> None:
    """The worker dies while Slack takes the forward (its answer cut short): the next worker finds it in
    the ask channel by its metadata and records it, sending nothing more."""
    w = world(db, cache_dir)
    w.announce()
    fake_slack.plan = lambda body, tries: Answer(cut_short="Forwarded" in str(body["text"]) and tries == 1)
    first = w.worker("w1", fake_slack)
    first.run_once()
    first.run_once()
    forward = next(r for r in SqlOutbox(db).rows() if r.message.after is not None)
    assert forward.in_doubt
    w.clock.advance(timedelta(minutes=5))
    w.worker("w2", fake_slack).run_once()
    assert [channel for channel, _ in posts(fake_slack)] == [UPDATES, ASK]
    assert fake_slack.looks == 1
    assert {r.state for r in SqlOutbox(db).rows()} == {OutboxState.DELIVERED}


def test_a_post_whose_answer_was_lost_is_found_and_the_forward_still_links_to_it(
    db: Engine, cache_dir: Path, fake_slack: FakeSlack
) -> None:
    """Slack takes the post but its answer is lost, so its ts is not kept: the next worker finds the post by
    its metadata (not posting it again), and the forward links to it all the same."""
    w = world(db, cache_dir)
    w.announce()
    fake_slack.plan = lambda body, tries: Answer(cut_short=str(body["channel"]) == UPDATES and tries == 1)
    first = w.worker("w1", fake_slack)
    assert first.run_once() == 1
    assert first.run_once() == 0  # the post is in doubt, not delivered: the forward still waits
    w.clock.advance(timedelta(minutes=5))
    second = w.worker("w2", fake_slack)
    second.run_once()  # the post: found, recorded as delivered without its ts
    second.run_once()  # the forward: the post found again by its metadata, then its permalink
    assert [channel for channel, _ in posts(fake_slack)] == [UPDATES, ASK]
    assert f"<{link_to_first(fake_slack)}|{UPDATES}>" in posts(fake_slack)[1][1]


def test_without_a_permalink_the_forward_names_the_post_in_words(
    db: Engine, cache_dir: Path, fake_slack: FakeSlack
) -> None:
    w = world(db, cache_dir)
    record = w.announce()
    fake_slack.permalink_script.append((200, {"ok": False, "error": "message_not_found"}, {}))
    worker = w.worker("w1", fake_slack)
    worker.run_once()
    worker.run_once()
    forward = posts(fake_slack)[1]
    assert forward[1].startswith(f"\u21aa Forwarded from {UPDATES} (opsdesk announcement #{record.id}): ")
    assert "<https://" not in forward[1]


def test_a_rate_limited_permalink_is_asked_again_and_the_forward_sent_once(
    db: Engine, cache_dir: Path, fake_slack: FakeSlack
) -> None:
    w = world(db, cache_dir)
    w.announce()
    fake_slack.permalink_script.append((429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "5"}))
    worker = w.worker("w1", fake_slack)
    worker.run_once()
    worker.run_once()  # the forward: no permalink yet, nothing posted
    assert len(fake_slack.delivered) == 1
    w.clock.advance(timedelta(seconds=30))
    worker.run_once()
    assert [channel for channel, _ in posts(fake_slack)] == [UPDATES, ASK]
    assert f"<{link_to_first(fake_slack)}|{UPDATES}>" in posts(fake_slack)[1][1]


def test_without_slack_both_go_to_the_log_in_order_the_forward_naming_the_post(
    db: Engine, cache_dir: Path
) -> None:
    w = AnnouncementWorld(db, cache_dir, START, channels=frozenset({"log"}))
    record = w.announce(kind=AnnouncementKind.SCHEDULED_WORK, starts_at=w.local("2026-12-09 22:00"))
    worker = w.worker("w1")
    assert worker.run_once() == 1
    assert worker.run_once() == 1
    post, forward = (r for r in w.outbox() if r.message.idempotency_key.startswith(record.key))
    assert (post.message.channel, post.message.destination) == ("log", UPDATES)
    assert (forward.message.channel, forward.message.destination) == ("log", ASK)
    assert forward.message.after == post.message.idempotency_key
    assert post.delivered_at is not None and forward.delivered_at is not None
    assert post.delivered_at <= forward.delivered_at
    assert f"Forwarded from {UPDATES} (opsdesk announcement #{record.id})" in forward.message.payload["text"]
