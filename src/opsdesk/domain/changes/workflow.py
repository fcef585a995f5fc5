"""The change-request workflow: which step may follow which, and who may take each step."""

from __future__ import annotations

from collections.abc import Sequence

from opsdesk.domain.changes.model import (
    OPEN_CHANGE_STATES,
    ChangeAction,
    ChangeRequest,
    ChangeState,
    CheckResult,
)
from opsdesk.domain.errors import ChangeError, ChangeNotAllowedError
from opsdesk.domain.people import People

CHANGE_MOVES: dict[ChangeAction, tuple[tuple[ChangeState, ...], ChangeState | None]] = {
    ChangeAction.CHECK: ((*OPEN_CHANGE_STATES, ChangeState.APPROVED), None),  # the check decides which
    ChangeAction.APPROVE: ((ChangeState.UNDER_REVIEW,), ChangeState.APPROVED),
    ChangeAction.REJECT: ((*OPEN_CHANGE_STATES, ChangeState.APPROVED), ChangeState.REJECTED),
    ChangeAction.START: ((ChangeState.APPROVED,), ChangeState.IN_PROGRESS),
    ChangeAction.COMPLETE: ((ChangeState.IN_PROGRESS,), ChangeState.COMPLETED),
    ChangeAction.ROLL_BACK: ((ChangeState.IN_PROGRESS,), ChangeState.ROLLED_BACK),  # "roll back"
    ChangeAction.CANCEL: ((*OPEN_CHANGE_STATES, ChangeState.APPROVED), ChangeState.CANCELLED),
}


def next_change_state(reference: str, state: ChangeState, action: ChangeAction) -> ChangeState | None:
    """The state after `action` (None for CHECK: the check decides), or ChangeError saying why not."""
    allowed, result = CHANGE_MOVES[action]
    if state not in allowed:
        names = [str(s) for s in allowed]
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
        verb = str(action).replace("-", " ")
        raise ChangeError(f"change {reference} is {state}: to {verb} it, it must be {listed}")
    return result


def check_requester(change: ChangeRequest, actor: str, people: People, what: str) -> None:
    """Only the requester (by any of their names) may edit or cancel their request."""
    if not people.same(actor, change.requester):
        raise ChangeNotAllowedError(f"only the requester ({change.requester}) can {what} {change.reference}")


def check_reviewer(change: ChangeRequest, reviewer: str, people: People, what: str) -> None:
    """A reviewer is a team engineer and never the requester, by whichever name either is known."""
    check_engineer(change, reviewer, people, what)
    if people.same(change.requester, reviewer):
        raise ChangeNotAllowedError(
            f"{reviewer} asked for {change.reference}, so another engineer must {what} it"
        )


def check_engineer(change: ChangeRequest, actor: str, people: People, what: str) -> None:
    """The checklist, the start and the finish are a team engineer's."""
    if people.find(actor) is None:
        raise ChangeNotAllowedError(
            f"{actor} is not one of the team's engineers (by id or GitHub login), so cannot {what} "
            f"{change.reference}"
        )


def state_after_edit(change: ChangeRequest, result: CheckResult, changed: Sequence[str]) -> ChangeState:
    """A request checked again after an edit: under review when it passes, needs-info when not; an
    approval stands only when nothing of substance changed and the window is where it was."""
    if change.state is ChangeState.APPROVED and not changed and result.window == change.window and result.ok:
        return ChangeState.APPROVED
    return ChangeState.UNDER_REVIEW if result.ok else ChangeState.NEEDS_INFO
