"""Carrying a change out: who may (its assigned engineer or an admin), when each phase's items are ticked,
when it may start (its window open, give or take the policy's tolerance, and the before items ticked), what
it needs to be completed (the during items) and whether it overran its window."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from opsdesk.domain.changes.checklist import PHASE_WORDS, Checklist, ChecklistItem, Phase
from opsdesk.domain.changes.model import ChangePolicy, ChangeRequest, ChangeState
from opsdesk.domain.durations import spoken
from opsdesk.domain.errors import ChangeError, ChangeNotAllowedError
from opsdesk.domain.people import People
from opsdesk.domain.timeline import Actor

# The states in which each phase's items are ticked.
TICKED_WHEN = {
    Phase.BEFORE: (ChangeState.APPROVED,),
    Phase.DURING: (ChangeState.IN_PROGRESS,),
    Phase.AFTER: (ChangeState.COMPLETED, ChangeState.ROLLED_BACK),
}
TICKED_SAID = {
    Phase.BEFORE: "once it is approved and until it starts",
    Phase.DURING: "once it has started and until it is completed or rolled back",
    Phase.AFTER: "once it is completed or rolled back",
}


def check_assigned(change: ChangeRequest, actor: Actor, people: People, what: str) -> None:
    """The checklist, the start and the finish are the assigned engineer's (by any of their names), or an
    admin's; anyone else is refused, told who can."""
    if actor.admin or (change.assigned is not None and people.same(actor.name, change.assigned)):
        return
    who = f"its assigned engineer ({change.assigned}) or an admin" if change.assigned else "an admin"
    raise ChangeNotAllowedError(f"{actor.name} cannot {what} {change.reference}: only {who} can")


def check_tick(change: ChangeRequest, item: ChecklistItem) -> None:
    """An item is ticked in its phase: before items before the start, during items while the change runs,
    after items once it is over."""
    if change.state not in TICKED_WHEN[item.phase]:
        raise ChangeError(
            f"{item.label!r} is ticked {PHASE_WORDS[item.phase]}, {TICKED_SAID[item.phase]}; "
            f"{change.reference} is {change.state}"
        )


def check_start(change: ChangeRequest, policy: ChangePolicy, now: datetime, tz: ZoneInfo) -> None:
    """Every reason the change cannot start at `now`, said at once: before items not ticked, its window
    not yet open (earlier than the policy's tolerance), or closed."""
    reasons = []
    missing = policy.checklist.missing(Phase.BEFORE, change.checklist)
    if missing:
        reasons.append(f"tick the checklist first ({', '.join(i.label for i in missing)})")
    window = change.window
    if window is None:
        reasons.append("it has no window")
    elif now < window.start - policy.start_tolerance:
        opens = window.start.astimezone(tz)
        earliest = (window.start - policy.start_tolerance).astimezone(tz)
        reasons.append(
            f"its window opens {opens:%a %d %b %Y %H:%M} {tz.key}, in {spoken(window.start - now)}; it may "
            f"start from {earliest:%H:%M} ({spoken(policy.start_tolerance)} before)"
            if policy.start_tolerance
            else f"its window opens {opens:%a %d %b %Y %H:%M} {tz.key}, in {spoken(window.start - now)}"
        )
    elif now >= window.end:
        closed = window.end.astimezone(tz)
        reasons.append(
            f"its window closed {closed:%a %d %b %Y %H:%M} {tz.key}: the requester moves it "
            "(an edit) and it is approved again"
        )
    if reasons:
        raise ChangeError(f"{change.reference} cannot start: {'; '.join(reasons)}")


def check_complete(change: ChangeRequest, checklist: Checklist) -> None:
    """Completed once the during items are ticked (a roll-back needs none: it may be urgent)."""
    missing = checklist.missing(Phase.DURING, change.checklist)
    if missing and change.state is ChangeState.IN_PROGRESS:
        raise ChangeError(
            f"{change.reference} cannot be completed yet: tick the checklist's during items first "
            f"({', '.join(i.label for i in missing)}), or roll it back"
        )


def overrun(change: ChangeRequest, finished: datetime) -> timedelta | None:
    """How long after its window closed the change finished; None when inside it."""
    if change.window is None or finished <= change.window.end:
        return None
    return finished - change.window.end
