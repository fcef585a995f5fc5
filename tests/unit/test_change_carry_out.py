"""Carrying a change out, by the rules alone: the start's tolerance (its boundaries, the DST nights), each
phase's items, who may act, the overrun; and durations said as people say them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from opsdesk.domain.changes.carry_out import check_assigned, check_complete, check_start, check_tick, overrun
from opsdesk.domain.changes.checklist import DEFAULT_CHECKLIST, Phase, Tick, checklist_of, item_id
from opsdesk.domain.changes.model import ChangePolicy, ChangeRequest, ChangeState
from opsdesk.domain.changes.window import ChangeWindow
from opsdesk.domain.durations import spoken
from opsdesk.domain.errors import ChangeError, ChangeNotAllowedError
from opsdesk.domain.people import People
from opsdesk.domain.rota import Engineer, EngineerId
from opsdesk.domain.timeline import Actor, Source
from tests.builders import utc

LONDON = ZoneInfo("Europe/London")
POLICY = ChangePolicy()
BEFORE = tuple(Tick(i.id, "alice", utc("2027-03-01 09:00")) for i in DEFAULT_CHECKLIST.phase(Phase.BEFORE))
PEOPLE = People.of(
    [
        Engineer(EngineerId("alice"), "Alice", "alice@example.org", github="alice-a"),
        Engineer(EngineerId("bilal"), "Bilal", "bilal@example.org", experienced=False),
    ]
)


def change(
    start: str, end: str, state: ChangeState = ChangeState.APPROVED, **fields: object
) -> ChangeRequest:
    values: dict[str, object] = {"checklist": BEFORE, "assigned": "alice"} | fields
    window = ChangeWindow(utc(start), utc(end))
    return replace(
        ChangeRequest(1, "Upgrade", "", "payments", state, utc("2027-01-01 09:00"), window), **values
    )


@pytest.mark.parametrize(
    ("now", "starts"),
    [
        ("2027-03-02 17:44", False),  # 16 minutes before: too early
        ("2027-03-02 17:44:59", False),
        ("2027-03-02 17:45", True),  # 15 minutes before: the tolerance's edge
        ("2027-03-02 18:00", True),
        ("2027-03-02 19:59:59", True),
        ("2027-03-02 20:00", False),  # the window is half-open: closed at its end
    ],
)
def test_a_change_starts_from_fifteen_minutes_before_its_window_until_it_closes(
    now: str, starts: bool
) -> None:
    approved = change("2027-03-02 18:00", "2027-03-02 20:00")
    if starts:
        check_start(approved, POLICY, utc(now), LONDON)
        return
    with pytest.raises(ChangeError, match=r"^CR-1 cannot start: its window (opens|closed) "):
        check_start(approved, POLICY, utc(now), LONDON)


def test_too_early_says_when_it_opens_and_from_when_it_may_start() -> None:
    with pytest.raises(ChangeError) as early:
        check_start(change("2027-03-02 18:00", "2027-03-02 20:00"), POLICY, utc("2027-03-02 17:44"), LONDON)
    assert str(early.value) == (
        "CR-1 cannot start: its window opens Tue 02 Mar 2027 18:00 Europe/London, in 16 minutes; it may start "
        "from 17:45 (15 minutes before)"
    )
    with pytest.raises(ChangeError) as closed:
        check_start(change("2027-03-02 18:00", "2027-03-02 20:00"), POLICY, utc("2027-03-02 20:00"), LONDON)
    assert str(closed.value) == (
        "CR-1 cannot start: its window closed Tue 02 Mar 2027 20:00 Europe/London: the requester moves it "
        "(an edit) and it is approved again"
    )


def test_the_trial_a_change_next_month_cannot_start_today_nor_without_its_checklist() -> None:
    trial = change("2027-04-06 18:00", "2027-04-06 20:00", checklist=())
    with pytest.raises(ChangeError) as refused:
        check_start(trial, POLICY, utc("2027-03-04 10:00"), LONDON)
    assert str(refused.value) == (
        "CR-1 cannot start: tick the checklist first (stakeholders informed, backup and rollback verified); "
        "its window opens Tue 06 Apr 2027 19:00 Europe/London, in 33 days 8 hours; it may start from 18:45 "
        "(15 minutes before)"
    )


def test_the_tolerance_is_real_time_across_the_spring_night() -> None:
    """28 March 2027: 01:00 GMT becomes 02:00 BST. A window from 02:00 BST (01:00 UTC) may start from
    00:45 GMT: 15 minutes earlier, though the wall clock reads 1 hour 15 minutes earlier."""
    night = change("2027-03-28 01:00", "2027-03-28 03:00")
    check_start(night, POLICY, utc("2027-03-28 00:45"), LONDON)
    with pytest.raises(ChangeError) as early:
        check_start(night, POLICY, utc("2027-03-28 00:44"), LONDON)
    assert str(early.value).endswith(
        "opens Sun 28 Mar 2027 02:00 Europe/London, in 16 minutes; it may start from 00:45 (15 minutes before)"
    )


def test_the_tolerance_is_real_time_across_the_autumn_night() -> None:
    """31 October 2027: 01:00-02:00 BST is followed by 01:00-02:00 GMT. A window from the second 01:30
    (01:30 UTC) is not open at the first 01:30 (00:30 UTC), an hour before."""
    night = change("2027-10-31 01:30", "2027-10-31 03:00")
    with pytest.raises(ChangeError, match=r"in 1 hour; it may start from 01:15 \(15 minutes before\)"):
        check_start(night, POLICY, utc("2027-10-31 00:30"), LONDON)
    check_start(night, POLICY, utc("2027-10-31 01:15"), LONDON)


def test_the_tolerance_comes_from_the_policy() -> None:
    strict = replace(POLICY, start_tolerance=timedelta())
    approved = change("2027-03-02 18:00", "2027-03-02 20:00")
    with pytest.raises(ChangeError, match=r"opens Tue 02 Mar 2027 18:00 Europe/London, in 1 second$"):
        check_start(approved, strict, utc("2027-03-02 17:59:59"), LONDON)
    check_start(approved, strict, utc("2027-03-02 18:00"), LONDON)


@pytest.mark.parametrize(
    ("phase", "allowed"),
    [
        (Phase.BEFORE, {ChangeState.APPROVED}),
        (Phase.DURING, {ChangeState.IN_PROGRESS}),
        (Phase.AFTER, {ChangeState.COMPLETED, ChangeState.ROLLED_BACK}),
    ],
)
def test_each_phase_is_ticked_in_its_states(phase: Phase, allowed: set[ChangeState]) -> None:
    item = DEFAULT_CHECKLIST.phase(phase)[0]
    for state in ChangeState:
        one = change("2027-03-02 18:00", "2027-03-02 20:00", state)
        if state in allowed:
            check_tick(one, item)
            continue
        with pytest.raises(
            ChangeError, match=rf"^{item.label!r} is ticked {phase} the change, .*; CR-1 is {state}$"
        ):
            check_tick(one, item)


def test_only_the_assigned_engineer_by_any_name_or_an_admin_acts() -> None:
    approved = change("2027-03-02 18:00", "2027-03-02 20:00")
    check_assigned(approved, Actor("alice-a", Source.GITHUB), PEOPLE, "start")
    check_assigned(approved, Actor("@Alice-A", Source.CLI), PEOPLE, "start")
    check_assigned(approved, Actor("ops-root", Source.API, admin=True), PEOPLE, "start")
    with pytest.raises(ChangeNotAllowedError) as newcomer:
        check_assigned(approved, Actor("bilal", Source.CLI), PEOPLE, "start")
    assert (
        str(newcomer.value) == "bilal cannot start CR-1: only its assigned engineer (alice) or an admin can"
    )
    with pytest.raises(ChangeNotAllowedError, match="only an admin can"):
        check_assigned(replace(approved, assigned=None), Actor("alice", Source.CLI), PEOPLE, "start")


def test_completion_waits_for_the_during_items_and_an_overrun_is_measured() -> None:
    running = change("2027-03-02 18:00", "2027-03-02 20:00", ChangeState.IN_PROGRESS)
    with pytest.raises(ChangeError, match=r"tick the checklist's during items first \(assigned engineer"):
        check_complete(running, DEFAULT_CHECKLIST)
    check_complete(running, checklist_of(["backup"], [], []))  # no during items: nothing to wait for
    assert overrun(running, utc("2027-03-02 20:00")) is None
    assert overrun(running, utc("2027-03-02 21:05")) == timedelta(hours=1, minutes=5)


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (1, "1 second"),
        (45 * 60, "45 minutes"),
        (60 * 60 + 5 * 60 + 30, "1 hour 5 minutes"),
        (2 * 3600, "2 hours"),
        (32 * 3600, "32 hours"),
        (32 * 3600 + 30 * 60, "32 hours 30 minutes"),
        (48 * 3600 - 1, "47 hours 59 minutes"),
        (48 * 3600, "2 days"),
        (33 * 86400 + 8 * 3600 + 59, "33 days 8 hours"),
        (0, "no time"),
    ],
)
def test_durations_are_said_as_people_say_them(seconds: int, said: str) -> None:
    assert spoken(timedelta(seconds=seconds)) == said


def test_an_item_is_named_by_its_words_in_any_case_and_spacing() -> None:
    assert item_id("Backup & rollback  verified!") == "backup-rollback-verified"
    assert item_id("Ünïcode wörds") == "ünïcode-wörds"
    assert DEFAULT_CHECKLIST.find(" Stakeholders  INFORMED ") == DEFAULT_CHECKLIST.phase(Phase.BEFORE)[0]
    assert DEFAULT_CHECKLIST.find("!!!") is None
    assert DEFAULT_CHECKLIST.find("x" * 10_000) is None
