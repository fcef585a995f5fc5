"""Alarm routing by the cover at its moment, and the default escalation timetable."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from opsdesk.domain.hours import Cover, CoverAt, CoverEngine, DayKind
from opsdesk.domain.incidents.escalation import EscalationPolicy, EscalationStep
from opsdesk.domain.incidents.model import Priority, RoutingMode
from opsdesk.domain.incidents.routing import route_alarm
from opsdesk.domain.instants import parse_instant
from opsdesk.domain.rota import EngineerId, Holding, Leave, Role

LONDON = ZoneInfo("Europe/London")
ALICE, BILAL = EngineerId("alice"), EngineerId("bilal")


def on_duty(_at: datetime) -> list[Holding]:
    return [Holding(Role.PRIMARY, ALICE, assigned=ALICE), Holding(Role.SECONDARY, BILAL, assigned=BILAL)]


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
    routing = route_alarm(mode, cover, EngineerId("dana"), holders=on_duty)
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
    night = CoverAt(
        at=datetime(2026, 12, 1, 23, 0, tzinfo=UTC),
        cover=Cover.NONE,
        day=DayKind.WORKING_DAY,
        holiday=None,
        until=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
    )
    routing = route_alarm(RoutingMode.PAGE, night, None, Cover.SUPPORT, holders=on_duty)
    assert (routing.post_to_channel, routing.page_at) == (True, None)
    assert routing.reason == (
        "nobody is paged: there is no cover now; the support engineer picks this up from the channel when "
        "support hours start"
    )
    assert route_alarm(RoutingMode.PAGE, night, None, Cover.ON_CALL, holders=on_duty).page_at == night.until


DANA = EngineerId("dana")
UNTIL = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
LEAVE = Leave(ALICE, date(2026, 12, 1), date(2026, 12, 2))


def rota_of(*holdings: Holding) -> Callable[[datetime], list[Holding]]:
    return lambda _at: list(holdings)


HELD = Holding(Role.PRIMARY, ALICE, assigned=ALICE), Holding(Role.SECONDARY, BILAL, assigned=BILAL)
PRIMARY_AWAY = Holding(Role.PRIMARY, None, assigned=ALICE, leave=LEAVE), HELD[1]
NO_PRIMARY = Holding(Role.PRIMARY, None), HELD[1]
NOBODY = Holding(Role.PRIMARY, None, assigned=ALICE, leave=LEAVE), Holding(Role.SECONDARY, None)


@pytest.mark.parametrize(
    ("cover", "mode", "support", "following", "holdings", "reason", "paged"),
    [
        (
            Cover.SUPPORT,
            RoutingMode.PAGE,
            DANA,
            None,
            HELD,
            "support hours: for the support engineer (dana) to pick up; nobody is paged",
            None,
        ),
        (
            Cover.SUPPORT,
            RoutingMode.NOTIFY,
            None,
            None,
            HELD,
            "support hours, but nobody holds support now: whoever sees this should pick it up, and add a "
            "support override to the rota; nobody is paged",
            None,
        ),
        (
            Cover.ON_CALL,
            RoutingMode.NOTIFY,
            None,
            None,
            HELD,
            "nobody is paged: the service is notify-only, so whoever watches its channel picks this up",
            None,
        ),
        (
            Cover.ON_CALL,
            RoutingMode.PAGE,
            None,
            None,
            HELD,
            "on-call hours: alice (primary) is paged now",
            ALICE,
        ),
        (
            Cover.ON_CALL,
            RoutingMode.PAGE,
            None,
            None,
            PRIMARY_AWAY,
            "on-call hours: bilal (secondary) is paged now, as alice (primary) is on leave",
            BILAL,
        ),
        (
            Cover.ON_CALL,
            RoutingMode.PAGE,
            None,
            None,
            NO_PRIMARY,
            "on-call hours: bilal (secondary) is paged now, as nobody holds primary",
            BILAL,
        ),
        (
            Cover.ON_CALL,
            RoutingMode.PAGE,
            None,
            None,
            NOBODY,
            "nobody is paged: it is on-call hours, but alice (primary) is on leave and nobody holds secondary; "
            "call someone on the team and add an override to the rota",
            None,
        ),
        (
            Cover.NONE,
            RoutingMode.PAGE,
            None,
            Cover.ON_CALL,
            HELD,
            "no cover now: alice (primary) is paged when cover starts, unless it is resolved first",
            ALICE,
        ),
        (
            Cover.NONE,
            RoutingMode.PAGE,
            None,
            Cover.ON_CALL,
            PRIMARY_AWAY,
            "no cover now: bilal (secondary) is paged when cover starts, as alice (primary) is on leave, "
            "unless it is resolved first",
            BILAL,
        ),
        (
            Cover.NONE,
            RoutingMode.PAGE,
            None,
            Cover.ON_CALL,
            NOBODY,
            "no cover now, and nobody to page when cover starts: alice (primary) is on leave and nobody "
            "holds secondary then; add an override to the rota, or pick this up from the channel",
            None,
        ),
        (
            Cover.NONE,
            RoutingMode.PAGE,
            None,
            Cover.SUPPORT,
            HELD,
            "nobody is paged: there is no cover now; the support engineer picks this up from the channel "
            "when support hours start",
            None,
        ),
    ],
)
def test_every_routing_reason_names_who_is_really_paged(
    cover: Cover,
    mode: RoutingMode,
    support: EngineerId | None,
    following: Cover | None,
    holdings: tuple[Holding, ...],
    reason: str,
    paged: EngineerId | None,
) -> None:
    at = CoverAt(datetime(2026, 12, 1, 23, 0, tzinfo=UTC), cover, DayKind.WORKING_DAY, None, UNTIL)
    routing = route_alarm(mode, at, support, following, holders=rota_of(*holdings))
    assert routing.reason == reason
    assert (routing.paged.engineer if routing.paged else None) == paged


def test_no_cover_and_none_ahead_says_nobody_is_paged() -> None:
    at = CoverAt(datetime(2026, 12, 1, 23, 0, tzinfo=UTC), Cover.NONE, DayKind.WORKING_DAY, None, None)
    routing = route_alarm(RoutingMode.PAGE, at, None, None, holders=rota_of(*HELD))
    assert (routing.page_at, routing.paged) == (None, None)
    assert routing.reason == (
        "nobody is paged: there is no cover now and none ahead; whoever sees this should pick it up"
    )
