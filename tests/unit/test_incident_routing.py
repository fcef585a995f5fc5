"""Alarm routing by the cover at its moment, and the default escalation timetable."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from opsdesk.domain.hours import Cover, CoverEngine
from opsdesk.domain.incidents import EscalationPolicy, EscalationStep, Priority, RoutingMode, route_alarm
from opsdesk.domain.instants import parse_instant
from opsdesk.domain.rota import EngineerId, Role

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("when", "mode", "posts", "names", "page_at"),
    [
        ("2026-12-01T15:59", RoutingMode.PAGE, True, "dana", None),  # support hours never page
        ("2026-12-01T16:00", RoutingMode.PAGE, True, None, "2026-12-01T16:00:00+00:00"),
        ("2026-12-01T16:00", RoutingMode.NOTIFY, True, None, None),
        ("2026-12-01T23:30", RoutingMode.PAGE, True, None, "2026-12-02T07:00:00+00:00"),  # held for cover
        ("2026-12-24T21:50", RoutingMode.PAGE, True, None, "2026-12-24T21:50:00+00:00"),
        ("2026-12-24T22:00", RoutingMode.PAGE, True, None, "2026-12-25T07:00:00+00:00"),  # bank holiday next
        ("2026-03-29T05:30Z", RoutingMode.PAGE, True, None, "2026-03-29T07:00:00+01:00"),  # 06:30 BST
    ],
)
def test_an_alarm_is_routed_by_the_cover_at_its_moment(
    engine: CoverEngine, when: str, mode: RoutingMode, posts: bool, names: str | None, page_at: str | None
) -> None:
    cover = engine.cover_at(parse_instant(when, LONDON))
    routing = route_alarm(mode, cover, EngineerId("dana"))
    assert routing.post_to_channel is posts
    assert routing.name == names
    assert (routing.page_at.astimezone(LONDON).isoformat() if routing.page_at else None) == page_at
    assert routing.reason


def test_the_default_escalation_pages_primary_then_secondary_nine_times() -> None:
    start = parse_instant("2026-12-01T16:05", LONDON)
    pages = EscalationPolicy().pages(start)
    assert len(pages) == 18
    offsets = [(p.at - start, p.role, p.cycle) for p in pages[:4]]
    assert offsets == [
        (timedelta(0), Role.PRIMARY, 1),
        (timedelta(minutes=20), Role.SECONDARY, 1),
        (timedelta(minutes=30), Role.PRIMARY, 2),
        (timedelta(minutes=50), Role.SECONDARY, 2),
    ]
    assert pages[-1].at - start == timedelta(minutes=8 * 30 + 20)
    assert len({p.dedup_key for p in pages}) == 18
    assert EscalationPolicy().following(1, 1) == (1, 2)
    assert EscalationPolicy().following(1, 2) == (2, 1)
    assert EscalationPolicy().following(9, 2) is None


def test_a_policy_needs_steps_and_cycles() -> None:
    with pytest.raises(ValueError, match="at least one step"):
        EscalationPolicy(steps=())
    with pytest.raises(ValueError, match="at least one step"):
        EscalationPolicy(steps=(EscalationStep(Role.PRIMARY, timedelta(minutes=5)),), cycles=0)


def test_p1_and_p2_need_a_lead_and_a_scribe() -> None:
    assert [p.needs_lead_and_scribe for p in Priority] == [True, True, False]


def test_a_night_that_ends_in_support_hours_pages_nobody() -> None:
    from datetime import UTC, datetime

    from opsdesk.domain.hours import CoverAt, DayKind

    night = CoverAt(
        at=datetime(2026, 12, 1, 23, 0, tzinfo=UTC),
        cover=Cover.NONE,
        day=DayKind.WORKING_DAY,
        holiday=None,
        until=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
    )
    routing = route_alarm(RoutingMode.PAGE, night, None, Cover.SUPPORT)
    assert (routing.post_to_channel, routing.page_at) == (True, None)
    assert routing.reason == "no cover: posted to the channel for support hours, which start next"
    assert route_alarm(RoutingMode.PAGE, night, None, Cover.ON_CALL).page_at == night.until
