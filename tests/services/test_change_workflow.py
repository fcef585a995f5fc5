"""Change requests through their whole life, on a real database; every illegal step refused with why."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from opsdesk.domain.changes.model import ChangeAction, ChangeState
from opsdesk.domain.changes.workflow import CHANGE_MOVES, next_change_state
from opsdesk.domain.errors import ChangeError, ChangeNotAllowedError
from opsdesk.domain.timeline import Actor, Source
from tests.builders import utc
from tests.change_world import REQUESTER, REVIEWER, ChangeWorld, request_body

SUBMITTED = "2027-02-20 10:00"


def world(cache_dir: Path, **extra: object) -> ChangeWorld:
    """Over the in-memory unit of work (the stores are tested on both databases elsewhere)."""
    return ChangeWorld(None, cache_dir, utc(SUBMITTED), dict(extra))


def test_a_request_from_submission_to_monitoring(cache_dir: Path) -> None:
    w = world(cache_dir)
    change = w.changes.submit("Payments: database upgrade", request_body(), REQUESTER)
    assert change.state is ChangeState.UNDER_REVIEW
    assert w.changes.suggest(change).reason == "dana is the primary on call then"
    late = w.changes.submit("Late", request_body("Tuesday 2nd March 2027 23:00-01:00"), REQUESTER)
    assert w.changes.suggest(late).reason == "the window is outside on-call hours: ask for a volunteer"
    w.changes.cancel(late.id, REQUESTER)
    assert _with_buttons(w.messages("slack")[0]) == (
        "#ask-platform",
        "New out-of-hours change request CR-1: Payments: database upgrade (under-review)",
        ["change:approve", "change:reject"],  # awaiting review: Approve and Reject (the Slack app's)
    )
    with pytest.raises(ChangeError, match="payments-team is not one of the team's engineers"):
        w.changes.approve(change.id, REQUESTER, "alice", instructions="x")
    approved = w.changes.approve(change.id, REVIEWER, "alice", instructions="Take a snapshot first")
    assert (approved.state, approved.assigned, approved.channel) == (
        ChangeState.APPROVED,
        "alice",
        "#platform-changes",
    )
    posted = [d for d, _ in w.messages("slack")]
    assert posted[-3:] == ["#ask-platform", "#platform-changes", "UALICE"]
    assert w.messages("slack")[-2][1]["text"].startswith(
        "Approved: CR-1 Payments: database upgrade, Tue 02 Mar 2027 18:00 Europe/London. Engineer: Alice (alice)."
    )
    # The assigned engineer is told directly: the window, the instructions and what to tick before.
    assert w.messages("slack")[-1][1]["text"] == (
        "You are assigned CR-1 Payments: database upgrade: Tue 02 Mar 2027 18:00 to Tue 02 Mar 2027 20:00 "
        "(Europe/London). Updates in #platform-changes. Before you start, tick: stakeholders informed "
        "(stakeholders-informed); backup and rollback verified (backup-and-rollback-verified) (opsdesk change "
        "tick 1 ITEM). Start from Tue 02 Mar 17:45 GMT, 15 minutes before the window opens (opsdesk change start 1).\n"
        "Instructions: Take a snapshot first"
    )
    start = utc("2027-03-02 18:00")
    assert w.jobs() == sorted(
        [
            ("change:1:reminder:3600", start - timedelta(hours=1)),
            ("change:1:reminder:86400", start - timedelta(hours=24)),
        ]
    )
    w.run_jobs(start - timedelta(minutes=30))
    reminders = [p["text"] for d, p in w.messages("slack") if d == "UALICE" and "Reminder" in p["text"]]
    assert [r.split(",")[0] for r in reminders] == [
        "Reminder: you are assigned CR-1 Payments: database upgrade",
        "Reminder: you are assigned CR-1 Payments: database upgrade",
    ]
    assert "starting in 24 hours" in reminders[0] and "starting in 1 hour (" in reminders[1]
    alice = Actor("alice", Source.CLI)
    with pytest.raises(ChangeError) as early:
        w.changes.start(change.id, alice)
    assert str(early.value) == (
        "CR-1 cannot start: tick the checklist first (stakeholders informed, backup and rollback verified); "
        "its window opens Tue 02 Mar 2027 18:00 Europe/London, in 30 minutes; it may start from 17:45 "
        "(15 minutes before)"
    )
    w.changes.tick(change.id, alice, "stakeholders-informed")
    w.clock.instant = start - timedelta(minutes=20)
    w.changes.tick(change.id, alice, "Backup and rollback  verified")  # its words work too
    with pytest.raises(ChangeError, match=r"its window opens .*, in 20 minutes; it may start from 17:45"):
        w.changes.start(change.id, alice)
    w.clock.instant = start - timedelta(minutes=15)
    assert w.changes.start(change.id, alice).state is ChangeState.IN_PROGRESS
    with pytest.raises(ChangeError, match="tick the checklist's during items first"):
        w.changes.finish(change.id, alice, "Upgraded; checks green")
    for item in ("assigned-engineer-available", "updates-posted-in-the-designated-channel"):
        w.changes.tick(change.id, alice, item)
    w.clock.instant = start + timedelta(hours=1)
    done = w.changes.finish(change.id, alice, "Upgraded; checks green")
    assert (done.state, done.started_at, done.finished_at) == (
        ChangeState.COMPLETED,
        start - timedelta(minutes=15),
        start + timedelta(hours=1),
    )
    assert done.monitoring_until == start + timedelta(hours=25)  # 24 hours from completion
    w.clock.instant = start + timedelta(hours=2)
    after = w.changes.tick(change.id, alice, "success-confirmed-in-the-designated-channel")
    assert [(t.item, t.by, t.at) for t in after.checklist] == [
        ("stakeholders-informed", "alice", start - timedelta(minutes=30)),
        ("backup-and-rollback-verified", "alice", start - timedelta(minutes=20)),
        ("assigned-engineer-available", "alice", start - timedelta(minutes=15)),
        ("updates-posted-in-the-designated-channel", "alice", start - timedelta(minutes=15)),
        ("success-confirmed-in-the-designated-channel", "alice", start + timedelta(hours=2)),
    ]
    assert [c.id for c in w.changes.monitoring()] == [change.id]
    w.clock.instant = start + timedelta(hours=26)
    assert w.changes.monitoring() == []
    assert w.kinds(change.id) == [
        "submitted",
        "checked",
        "approved",
        "reminded",
        "reminded",
        "ticked",
        "ticked",
        "in-progress",
        "ticked",
        "ticked",
        "completed",
        "ticked",
    ]
    assert w.changes.history(change.id)[5].message == "ticked: stakeholders informed (before the change)"
    history = w.changes.history(change.id)
    assert (history[2].actor, history[2].source, history[2].at) == ("chen", Source.CLI, utc(SUBMITTED))


def test_a_request_with_problems_needs_info_until_an_edit_fixes_it(cache_dir: Path) -> None:
    w = world(cache_dir)
    change = w.changes.submit("Payments", request_body(**{"Rollback Plan": "_No response_"}), REQUESTER)
    assert change.state is ChangeState.NEEDS_INFO
    assert [str(p.code) for p in change.problems] == ["missing-field"]
    with pytest.raises(ChangeError, match="is needs-info: to approve it, it must be under-review"):
        w.changes.approve(change.id, REVIEWER, "alice", instructions="x")
    with pytest.raises(ChangeError, match="only the requester"):
        w.changes.edit(change.id, REVIEWER, request_body())
    moved = w.changes.edit(change.id, REQUESTER, request_body("Wednesday 3rd March 2027 18:00-20:00"))
    assert moved.state is ChangeState.UNDER_REVIEW
    assert moved.window is not None and moved.window.start == utc("2027-03-03 18:00")
    edited = w.changes.history(change.id)[-2]
    assert edited.message == (
        "edited: Scheduled Time, Rollback Plan changed; the window moved: Tue 02 Mar 2027 18:00 to "
        "Tue 02 Mar 2027 20:00 (Europe/London) -> "
        "Wed 03 Mar 2027 18:00 to Wed 03 Mar 2027 20:00 (Europe/London)"
    )
    late = w.changes.edit(change.id, REQUESTER, request_body("Saturday 20th February 2027 22:00-23:00"))
    assert late.state is ChangeState.NEEDS_INFO  # an edit that moves the window is checked again
    assert [str(p.code) for p in late.problems] == ["short-notice"]


def test_overlapping_approvals_are_refused(cache_dir: Path) -> None:
    w = world(cache_dir)
    first = w.changes.submit("One", request_body(), REQUESTER)
    second = w.changes.submit(
        "Two", request_body("Tuesday 2nd March 2027 19:00-21:00"), Actor("other-team", Source.API)
    )
    w.changes.approve(first.id, REVIEWER, "alice", instructions="go")
    with pytest.raises(ChangeError, match="CR-2 overlaps approved change CR-1"):
        w.changes.approve(second.id, REVIEWER, "bilal", instructions="go")
    third = w.changes.submit(
        "Three", request_body("Tuesday 2nd March 2027 19:30-20:30"), Actor("x", Source.API)
    )
    assert [str(p.code) for p in third.problems] == ["conflict"]
    assert third.state is ChangeState.NEEDS_INFO


def test_an_engineer_on_leave_cannot_be_assigned(cache_dir: Path) -> None:
    w = world(cache_dir, leave=[{"engineer": "alice", "from": "2027-03-02", "to": "2027-03-02"}])
    change = w.changes.submit("One", request_body(), REQUESTER)
    with pytest.raises(ChangeError, match="alice is not free then"):
        w.changes.approve(change.id, REVIEWER, "alice", instructions="go")
    with pytest.raises(ChangeError, match="no engineer 'zed'"):
        w.changes.approve(change.id, REVIEWER, "zed", instructions="go")
    by_login = w.changes.approve(change.id, REVIEWER, "@bilal-k", instructions="go")
    assert by_login.assigned == "bilal"


def test_reject_cancel_and_roll_back(cache_dir: Path) -> None:
    w = world(cache_dir)
    one = w.changes.submit("One", request_body(), REQUESTER)
    with pytest.raises(ChangeError, match="reason is needed"):
        w.changes.reject(one.id, REVIEWER, "  ")
    assert w.changes.reject(one.id, REVIEWER, "clashes with the release").state is ChangeState.REJECTED
    two = w.changes.submit("Two", request_body("Wednesday 3rd March 2027 18:00-20:00"), REQUESTER)
    with pytest.raises(ChangeError, match="only the requester"):
        w.changes.cancel(two.id, REVIEWER)
    assert w.changes.cancel(two.id, REQUESTER, "not needed").state is ChangeState.CANCELLED
    three = w.changes.submit("Three", request_body("Thursday 4th March 2027 18:00-20:00"), REQUESTER)
    w.changes.approve(three.id, REVIEWER, "chen", instructions="go")
    for item in ("stakeholders-informed", "backup-and-rollback-verified"):
        w.changes.tick(three.id, REVIEWER, item)
    w.clock.instant = utc("2027-03-04 18:00")
    w.changes.start(three.id, REVIEWER)
    # A roll-back may be urgent: it waits for no during item.
    back = w.changes.finish(three.id, REVIEWER, "errors after the upgrade; restored", rolled_back=True)
    assert back.state is ChangeState.ROLLED_BACK
    with pytest.raises(ChangeError, match="is rolled-back: to complete it, it must be in-progress"):
        w.changes.finish(three.id, REVIEWER, "again")


@pytest.mark.parametrize(("state", "action"), list(itertools.product(ChangeState, ChangeAction)))
def test_every_transition_is_allowed_or_refused_with_a_reason(
    state: ChangeState, action: ChangeAction
) -> None:
    allowed, result = CHANGE_MOVES[action]
    if state in allowed:
        assert next_change_state("CR-1", state, action) == result
        return
    with pytest.raises(ChangeError) as refused:
        next_change_state("CR-1", state, action)
    assert str(refused.value).startswith(
        f"change CR-1 is {state}: to {str(action).replace('-', ' ')} it, it must be "
    )


def test_an_engineer_cannot_approve_their_own_request_under_another_name(cache_dir: Path) -> None:
    w = world(cache_dir)
    mine = w.changes.submit("Mine", request_body(), Actor("alice-a", Source.GITHUB))  # alice's GitHub login
    with pytest.raises(ChangeError, match="Alice asked for CR-1, so another engineer must approve it"):
        w.changes.approve(mine.id, Actor("Alice", Source.CLI), "bilal", instructions="go")
    with pytest.raises(ChangeError, match="stranger is not one of the team's engineers"):
        w.changes.reject(mine.id, Actor("stranger", Source.CLI), "no")
    with pytest.raises(ChangeError, match="is not a Slack channel"):
        w.changes.approve(mine.id, REVIEWER, "bilal", instructions="go", channel="#chg <!here>")
    approved = w.changes.approve(mine.id, REVIEWER, "bilal", instructions="go")
    with pytest.raises(ChangeNotAllowedError) as refused:
        w.changes.tick(approved.id, Actor("stranger", Source.CLI), "stakeholders-informed")
    assert str(refused.value) == (
        "stranger cannot tick the checklist of CR-1: only its assigned engineer (bilal) or an admin can"
    )
    cancelled = w.changes.cancel(mine.id, Actor("alice", Source.CLI), "not needed")  # the same person
    assert cancelled.state is ChangeState.CANCELLED
    assert w.messages("slack")[-1][1]["text"] == "Cancelled: CR-1 Mine: not needed"


def test_an_edit_of_substance_withdraws_the_approval_and_whitespace_keeps_it(cache_dir: Path) -> None:
    w = world(cache_dir)
    change = w.changes.submit("One", request_body(), REQUESTER)
    w.changes.approve(change.id, REVIEWER, "alice", instructions="go")
    reflowed = request_body(**{"Impact Assesment": "Payments  read-only\nfor 10 minutes"})
    assert w.changes.edit(change.id, REQUESTER, reflowed, " One ").state is ChangeState.APPROVED
    assert w.changes.history(change.id)[-2].message == "edited: nothing of substance changed"
    # The window stays, but what was approved does not: the impact, then the rollback plan.
    impact = w.changes.edit(change.id, REQUESTER, request_body(**{"Impact Assesment": "None at all"}))
    assert impact.state is ChangeState.UNDER_REVIEW
    assert w.changes.history(change.id)[-1].message == (
        "CR-1 changed after approval (edited: Impact Assesment changed): the approval is withdrawn; "
        "review it again"
    )
    assert _with_buttons(w.messages("slack")[-1]) == (
        "#ask-platform",
        "CR-1 changed after approval (edited: Impact Assesment changed): the approval is "
        "withdrawn; review it again",
        ["change:approve", "change:reject"],
    )
    w.changes.approve(change.id, REVIEWER, "alice", instructions="go")
    rollback = w.changes.edit(
        change.id, REQUESTER, request_body(**{"Impact Assesment": "None at all", "Rollback Plan": "None"})
    )
    assert rollback.state is ChangeState.UNDER_REVIEW
    w.changes.approve(change.id, REVIEWER, "alice", instructions="go")
    w.clock.instant = utc("2027-02-27 10:00")
    moved = w.changes.edit(change.id, REQUESTER, request_body("Wednesday 3rd March 2027 18:00-20:00"))
    assert moved.state is ChangeState.UNDER_REVIEW
    assert w.kinds(change.id)[-1] == "approval-withdrawn"
    late = w.changes.edit(change.id, REQUESTER, request_body("Sunday 28th February 2027 18:00-20:00"))
    # Notice for a moved window counts from the edit: 32 hours is too little.
    assert [str(p.code) for p in late.problems] == ["short-notice"]


def _with_buttons(message: tuple[str, dict[str, Any]]) -> tuple[str, str, list[str]]:
    """A Slack post's channel, text and buttons (their action ids)."""
    channel, posted = message
    elements = posted["blocks"][-1]["elements"] if "blocks" in posted else []
    return channel, posted["text"], [e["action_id"] for e in elements]
