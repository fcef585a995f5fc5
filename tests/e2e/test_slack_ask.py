"""The ask channel in the Slack app, as people use it: questions posted as Slack's Events API sends them
(JSON, signed), the app's job handlers run as a worker would, and what opsdesk posts read back from the
fake of Slack's Web API, in the question's thread; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from opsdesk.domain.jobs import JobState
from tests.fake_slack import FakeSlack
from tests.slack_ask_world import (
    ASK,
    ask_world,
    in_thread,
    message_body,
    post_event,
    run_all_jobs_until,
    say,
    slack_ts,
    stamp,
)
from tests.slack_requests import event_callback
from tests.slack_world import World

FRIDAY = datetime(2026, 12, 4, 15, 50, tzinfo=UTC)  # 15:50 in London (GMT): ten minutes of support left
MONDAY = datetime(2026, 12, 7, 9, 20, tzinfo=UTC)  # thirty minutes of support later
MONDAY_0930 = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)  # thirty minutes after support resumes
SATURDAY = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
CRITICAL = "If it is critical, email incidents@example.org: the engineer on call is paged."
ASKER = "UASKER"  # not on the team
REMINDER = (
    "this question has had no answer from the team for 30 minutes of support hours: please answer it in "
    "this thread."
)
# bilal takes Friday afternoon's support duty (the day is alice's)
AFTERNOON = {"role": "support", "engineer": "bilal", "from": "2026-12-04T12:00", "to": "2026-12-04T16:00"}


@pytest.fixture
def world(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    with ask_world(
        db, tmp_path, cache_dir, fake_slack, monkeypatch, **{"out-of-hours-text": CRITICAL}
    ) as made:
        yield made


def ask_jobs(world: World) -> list[str]:
    return [j.key for j in world.context.jobs.jobs(JobState.PENDING, limit=1000) if j.kind == "ask:remind"]


def test_a_question_at_1550_on_friday_is_reminded_at_0920_on_monday_not_over_the_weekend(
    world: World,
) -> None:
    world.clock.instant = FRIDAY
    question = slack_ts(FRIDAY)
    say(world, "How do I get access to the staging database?", user=ASKER, ts=question)

    run_all_jobs_until(world, MONDAY - timedelta(seconds=1))
    assert in_thread(world, question) == []  # nothing on Friday evening, nor over the weekend
    assert world.fake.delivered == []

    run_all_jobs_until(world, MONDAY)
    (reminder,) = in_thread(world, question)
    assert reminder["text"] == f"<@UDANA> {REMINDER}"  # Monday's support engineer (Friday's was Alice)
    (row,) = [r for r in world.context.outbox.rows(limit=100) if r.message.idempotency_key.startswith("ask:")]
    assert row.created_at == MONDAY

    run_all_jobs_until(world, MONDAY + timedelta(days=3))
    assert len(in_thread(world, question)) == 1  # once


def test_a_team_engineers_reply_in_the_thread_before_the_time_means_no_reminder(world: World) -> None:
    world.clock.instant = FRIDAY
    question = slack_ts(FRIDAY)
    say(world, "Is the VPN down?", user=ASKER, ts=question)
    world.clock.instant = FRIDAY + timedelta(minutes=5)
    say(world, "Looking now", user="UBILAL", ts=slack_ts(world.clock.instant), thread=question)

    run_all_jobs_until(world, MONDAY + timedelta(hours=2))
    assert in_thread(world, question) == []


def test_a_reply_by_someone_outside_the_team_does_not_answer_it(world: World) -> None:
    world.clock.instant = FRIDAY
    question = slack_ts(FRIDAY)
    say(world, "Is the VPN down?", user=ASKER, ts=question)
    say(world, "Same here", user="UOTHER", ts=slack_ts(FRIDAY + timedelta(minutes=1)), thread=question)
    run_all_jobs_until(world, MONDAY)
    assert len(in_thread(world, question)) == 1


def test_a_question_out_of_hours_is_answered_once_and_reminded_30_minutes_after_support_resumes(
    world: World,
) -> None:
    world.clock.instant = SATURDAY
    question = slack_ts(SATURDAY)
    say(world, "Can someone restart the build agent?", user=ASKER, ts=question)
    (answer,) = in_thread(world, question)
    assert answer["text"] == (
        f"{CRITICAL} Otherwise, support resumes Mon 7 Dec at 09:00 and your question will be answered then "
        "in this thread."
    )

    world.clock.instant = SATURDAY + timedelta(minutes=10)
    say(world, "Anyone?", user=ASKER, ts=slack_ts(world.clock.instant), thread=question)
    assert len(in_thread(world, question)) == 1  # once per thread

    other = slack_ts(SATURDAY + timedelta(minutes=20))
    say(world, "A second question", user="UOTHER", ts=other)
    assert len(in_thread(world, other)) == 1  # its own thread, its own answer

    run_all_jobs_until(world, MONDAY_0930 - timedelta(seconds=1))
    assert len(in_thread(world, question)) == 1  # nothing more over the weekend, nor at 09:00
    run_all_jobs_until(world, MONDAY_0930)
    (_, reminder) = in_thread(world, question)
    assert reminder["text"] == f"<@UDANA> {REMINDER}"  # Monday's support engineer
    assert in_thread(world, other)[-1]["text"] == f"<@UDANA> {REMINDER}"
    run_all_jobs_until(world, MONDAY + timedelta(days=3))
    assert len(in_thread(world, question)) == 2  # once


def test_a_team_reply_out_of_hours_means_no_reminder_when_support_resumes(world: World) -> None:
    world.clock.instant = SATURDAY
    question = slack_ts(SATURDAY)
    say(world, "Can someone restart the build agent?", user=ASKER, ts=question)
    world.clock.instant = SATURDAY + timedelta(hours=2)
    say(world, "Done", user="UALICE", ts=slack_ts(world.clock.instant), thread=question)
    run_all_jobs_until(world, MONDAY + timedelta(days=1))
    assert len(in_thread(world, question)) == 1  # the answer out of hours only


@pytest.mark.parametrize(
    "run_at",
    [
        datetime(2026, 12, 4, 16, 3, tzinfo=UTC),  # three minutes late: support ended at 16:00
        datetime(2026, 12, 5, 10, 0, tzinfo=UTC),  # the worker was down until Saturday
    ],
)
def test_a_reminder_run_late_names_who_held_support_when_it_fell_due(
    db: Engine,
    tmp_path: Path,
    cache_dir: Path,
    fake_slack: FakeSlack,
    monkeypatch: pytest.MonkeyPatch,
    run_at: datetime,
) -> None:
    with ask_world(db, tmp_path, cache_dir, fake_slack, monkeypatch, overrides=[AFTERNOON]) as world:
        asked = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
        world.clock.instant = asked
        question = slack_ts(asked)
        say(world, "Who can grant me access to the logs?", user=ASKER, ts=question)
        (job,) = [j for j in world.context.jobs.jobs(JobState.PENDING, limit=10) if j.kind == "ask:remind"]
        assert job.due_at == datetime(2026, 12, 4, 16, 0, tzinfo=UTC)  # support's very end

        world.clock.instant = run_at
        run_all_jobs_until(world, run_at)
        (reminder,) = in_thread(world, question)
        assert reminder["text"] == f"<@UBILAL> {REMINDER}"  # the afternoon's, not nobody nor the day's


def test_a_support_engineer_without_a_slack_id_is_named(world: World) -> None:
    wednesday = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)  # chen's support day; chen has no Slack id
    world.clock.instant = wednesday
    question = slack_ts(wednesday)
    say(world, "Is the wiki down?", user=ASKER, ts=question)
    run_all_jobs_until(world, wednesday + timedelta(minutes=30))
    (reminder,) = in_thread(world, question)
    assert reminder["text"] == f"Chen (support engineer): {REMINDER}"


def test_a_slack_retry_does_nothing_twice(world: World) -> None:
    world.clock.instant = SATURDAY
    question = slack_ts(SATURDAY)
    body = message_body("Is prod down?", user=ASKER, ts=question)
    first = stamp()
    assert post_event(world, body, at=first).status_code == 200
    retried = post_event(world, body, retry=1, at=first - 2)  # the same event id, a new signature
    assert retried.status_code == 200
    same = post_event(world, body, retry=2, at=first)  # the same signature too: not a replay, a retry
    assert same.status_code == 200
    assert len(in_thread(world, question)) == 1

    world.clock.instant = FRIDAY
    asked = slack_ts(FRIDAY)
    body = message_body("And staging?", user=ASKER, ts=asked)
    assert post_event(world, body, at=first).status_code == 200
    assert post_event(world, body, retry=2, at=first - 3).status_code == 200
    assert sorted(ask_jobs(world)) == sorted(
        [f"ask:{ASK}:{question}:reminder", f"ask:{ASK}:{asked}:reminder"]
    )
    run_all_jobs_until(world, MONDAY_0930)
    assert len(in_thread(world, asked)) == 1
    assert len(in_thread(world, question)) == 2  # the answer, then one reminder


@pytest.mark.parametrize(
    "shape",
    [
        {"bot_id": "B0BOT", "subtype": "bot_message", "user": None},
        {"bot_id": "B0BOT"},
        {"subtype": "message_changed"},
        {"subtype": "channel_join"},
        {"channel": "C0OTHER001"},
    ],
)
def test_bots_edits_joins_and_other_channels_are_ignored(world: World, shape: dict[str, object]) -> None:
    world.clock.instant = SATURDAY
    ts = slack_ts(SATURDAY)
    event = {"type": "message", "channel": ASK, "user": ASKER, "text": "hi", "ts": ts, **shape}
    answer = post_event(world, event_callback({k: v for k, v in event.items() if v is not None}))
    assert answer.status_code == 200
    world.clock.instant = FRIDAY
    answer = post_event(
        world, event_callback({**event, "ts": slack_ts(FRIDAY)}, event_id="Ev2"), at=stamp() - 1
    )
    assert answer.status_code == 200
    world.deliver()
    assert world.fake.delivered == []
    assert ask_jobs(world) == []


HOSTILE = [
    {"text": "\x00\u202e<!channel> " + "x" * 1_000_000},
    {"channel": ["C0ASK00001"]},
    {"ts": "<!here>"},
    {"thread_ts": {"a": 1}},
    {"user": 12},
    {"subtype": ["bot_message"]},
]


@pytest.mark.parametrize("shape", HOSTILE)
def test_hostile_events_never_answer_500(world: World, shape: dict[str, object]) -> None:
    world.clock.instant = SATURDAY
    ts = slack_ts(SATURDAY)
    event = {"type": "message", "channel": ASK, "user": ASKER, "text": "hi", "ts": ts, **shape}
    answer = post_event(world, event_callback(event))
    assert answer.status_code < 500
    for posted in in_thread(world, ts):
        assert "<!channel>" not in str(posted["text"]) and "\u202e" not in str(posted["text"])


def test_an_event_id_with_a_nul_or_of_another_type_never_answers_500(world: World) -> None:
    world.clock.instant = SATURDAY
    for n, event_id in enumerate(("Ev\x00NUL", 12, ["Ev1"], "\x00")):
        ts = slack_ts(SATURDAY + timedelta(seconds=n))
        body = json.loads(message_body("hi", user=ASKER, ts=ts))
        body["event_id"] = event_id
        assert post_event(world, json.dumps(body)).status_code == 200
    world.deliver()
    answered = [slack_ts(SATURDAY + timedelta(seconds=n)) for n in range(4)]
    assert [len(in_thread(world, ts)) for ts in answered] == [1, 1, 0, 0]  # cleaned ids act; no id, nothing


def test_an_event_without_an_event_id_does_nothing(world: World) -> None:
    world.clock.instant = SATURDAY
    ts = slack_ts(SATURDAY)
    body = json.loads(message_body("hi", user=ASKER, ts=ts))
    del body["event_id"]
    assert post_event(world, json.dumps(body)).status_code == 200
    assert in_thread(world, ts) == []
