"""The final tier and the lead and scribe rules as pure values: whom routing names when nobody holds a
step, whom a held page goes to, and who may lead and write for an incident."""

from __future__ import annotations

from datetime import datetime

import pytest

from opsdesk.domain.errors import IncidentError
from opsdesk.domain.hours import Cover, CoverAt, DayKind
from opsdesk.domain.incidents.escalation import FinalTier
from opsdesk.domain.incidents.model import Priority, RoutingMode, check_lead_and_scribe
from opsdesk.domain.incidents.routing import HeldPage, route_alarm
from opsdesk.domain.rota import EngineerId, Holding, Role
from tests.builders import utc

TEAM = ["alice", "bilal", "erin"]
ERIN = FinalTier((EngineerId("erin"),))


def nobody(_at: datetime) -> list[Holding]:
    return [Holding(Role.PRIMARY, None), Holding(Role.SECONDARY, None)]


def test_with_nobody_on_call_routing_names_the_final_tier() -> None:
    cover = CoverAt(
        utc("2026-12-01 16:00"), Cover.ON_CALL, DayKind.WORKING_DAY, None, utc("2026-12-01 22:00")
    )
    routing = route_alarm(RoutingMode.PAGE, cover, None, holders=nobody, final=ERIN)
    assert routing.reason == (
        "on-call hours: the final tier, erin (manager), is paged now, as nobody holds primary and nobody "
        "holds secondary"
    )
    assert (routing.page_at, routing.first_paged()) == (cover.at, (("erin",), "manager"))
    without = route_alarm(RoutingMode.PAGE, cover, None, holders=nobody)
    assert without.reason.startswith("nobody is paged") and without.first_paged() == ((), "")


def test_a_held_page_says_whom_it_pages_or_that_nobody_holds_a_step() -> None:
    at = utc("2026-12-02 07:00")
    two = HeldPage(at, (EngineerId("erin"), EngineerId("femi")), "manager")
    assert two.said("Wed 02 Dec 07:00") == (
        "held for cover: erin (manager) and femi (manager) are paged at Wed 02 Dec 07:00 unless it is "
        "resolved first"
    )
    assert (
        HeldPage(at, (), "")
        .said("Wed 02 Dec 07:00")
        .startswith(
            "held for cover: the escalation starts at Wed 02 Dec 07:00, but nobody holds a step of it then"
        )
    )


@pytest.mark.parametrize(
    ("changed", "priority", "before", "refused"),
    [
        ({"lead": "alice"}, Priority.P1, {}, None),
        ({"lead": "alice", "scribe": "bilal"}, Priority.P1, {}, None),
        ({"lead": "alice", "scribe": "alice"}, Priority.P2, {}, None),  # one person may do both below P1
        ({"lead": "alice", "scribe": "alice"}, Priority.P3, {}, None),
        ({"lead": "alice", "scribe": "alice"}, None, {}, None),
        ({"lead": "zoe"}, Priority.P3, {}, "lead 'zoe' is not an engineer of the team; choose one of: alice"),
        ({"scribe": "Alice"}, None, {}, "scribe 'Alice' is not an engineer"),  # ids, exactly
        ({"lead": "alice", "scribe": "alice"}, Priority.P1, {}, "scribe: on a P1 the lead and the scribe"),
        ({"lead": "bilal"}, Priority.P1, {"scribe": "bilal"}, "lead: on a P1 the lead and the scribe must"),
        ({}, Priority.P1, {"lead": "erin", "scribe": "erin"}, "priority: on a P1 the lead and the scribe"),
    ],
)
def test_who_may_lead_and_write(
    changed: dict[str, str], priority: Priority | None, before: dict[str, str], refused: str | None
) -> None:
    roles: dict[str, str | None] = {"lead": None, "scribe": None, **before, **changed}
    if refused is None:
        check_lead_and_scribe(TEAM, changed, priority, roles)
        return
    with pytest.raises(IncidentError, match=refused.replace("(", r"\(")) as caught:
        check_lead_and_scribe(TEAM, changed, priority, roles)
    assert str(caught.value).startswith(refused)


def test_a_team_without_engineers_says_how_to_fix_it() -> None:
    with pytest.raises(IncidentError, match="the policy lists no engineers"):
        check_lead_and_scribe([], {"lead": "alice"}, None, {"lead": "alice"})
