"""The ask channel's topic names the support engineer, set (conversations.setTopic, through the outbox) as
each support period starts, when the policy asks for it (`ask.topic`); planned by the workers' planner."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from opsdesk.domain.jobs import JobState
from opsdesk.domain.rota import Role
from tests.fake_slack import FakeSlack
from tests.slack_ask_world import ASK, ask_world, run_all_jobs_until
from tests.slack_world import World, slack_world

THURSDAY_0800 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)  # London is on GMT: support from 09:00
THURSDAY_0900 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
SATURDAY_NOON = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def world(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    with ask_world(db, tmp_path, cache_dir, fake_slack, monkeypatch, topic=True) as made:
        yield made


def topic_jobs(world: World) -> list[datetime]:
    pending = world.context.jobs.jobs(JobState.PENDING, limit=1000)
    return sorted(j.due_at for j in pending if j.kind == "ask:topic")


def support_engineer(world: World, at: datetime) -> str:
    """Who `opsdesk who` says holds the support duty at `at` (the rota's answer, as a user reads it)."""
    holding = world.context.app.rota.who(at).holdings[Role.SUPPORT]
    assert holding.engineer is not None
    person = world.context.app.people.by_id(holding.engineer)
    assert person is not None
    return person.name


def test_each_support_period_sets_the_topic_to_its_support_engineer(world: World) -> None:
    world.clock.instant = THURSDAY_0800
    assert world.context.app.plan_timed(THURSDAY_0800) >= 2
    assert topic_jobs(world) == [THURSDAY_0900, THURSDAY_0900 + timedelta(days=1)]  # Thu, Fri 09:00
    world.context.app.plan_timed(THURSDAY_0800 + timedelta(minutes=1))  # planning again adds none
    assert len(topic_jobs(world)) == 2
    run_all_jobs_until(world, THURSDAY_0900)
    world.deliver()
    (topic,) = world.fake.topics
    name = support_engineer(world, THURSDAY_0900)
    assert (topic["channel"], topic["topic"]) == (
        ASK,
        f"Support engineer: {name} (Thu 3 Dec 09:00-16:00). Questions here are answered in support hours.",
    )
    assert world.fake.delivered == [] or all(b.get("channel") != ASK for b in world.fake.delivered)


def test_no_topic_over_the_weekend_and_a_stale_one_is_not_sent(world: World) -> None:
    world.clock.instant = SATURDAY_NOON
    world.context.app.plan_timed(SATURDAY_NOON)
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert topic_jobs(world) == [monday]  # Saturday and Sunday have no support hours: Monday's next
    world.clock.instant = monday + timedelta(hours=3)  # the workers were down all Monday morning
    app = world.context.app
    assert app.job_runner("late", handlers=app.job_handlers, planner=lambda now: None).run_once() >= 1
    world.deliver()
    assert world.fake.topics == []  # a topic three hours into the period is stale: not set


def test_without_topic_in_the_policy_nothing_is_planned(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ask_world(db, tmp_path, cache_dir, fake_slack, monkeypatch) as made:
        made.clock.instant = THURSDAY_0800
        made.context.app.plan_timed(THURSDAY_0800)
        assert topic_jobs(made) == []


def test_a_day_whose_support_engineer_is_on_leave_says_nobody_holds_it(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    leave = [{"engineer": "dana", "from": "2026-12-03", "to": "2026-12-03", "note": "dentist"}]
    ask = {"channel": ASK, "topic": True}
    with slack_world(db, tmp_path, cache_dir, fake_slack, monkeypatch, ask=ask, leave=leave) as made:
        made.clock.instant = THURSDAY_0800
        made.context.app.plan_timed(THURSDAY_0800)
        run_all_jobs_until(made, THURSDAY_0900)
        made.deliver()
        (topic,) = made.fake.topics
        assert topic["topic"] == (
            "Support engineer: nobody holds the support duty (Thu 3 Dec 09:00-16:00). "
            "Questions here are answered in support hours."
        )
