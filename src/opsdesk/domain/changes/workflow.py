"""The change-request workflow: which step may follow which, and who may take each step."""

from __future__ import annotations

from opsdesk.domain.changes.model import OPEN_CHANGE_STATES, ChangeAction, ChangeState
from opsdesk.domain.errors import ChangeError

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
