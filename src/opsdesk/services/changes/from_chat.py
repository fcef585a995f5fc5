"""Review from a chat message (Slack's Approve and Reject buttons on a request's announcement): who may
review is checked before a form opens, and the submitted form acts once per receipt, in one unit of work
with the rewrite of the message it was opened from (through the outbox). And the out-of-hours overview:
the requests awaiting review, and those whose windows fall this week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from opsdesk.domain.changes.model import ChangeAction, ChangeRequest, ChangeState
from opsdesk.domain.changes.seen import check_seen
from opsdesk.domain.changes.window import window_text
from opsdesk.domain.changes.workflow import check_reviewer, next_change_state
from opsdesk.domain.notices import ChatMessage, MessageUpdate
from opsdesk.domain.timeline import Actor
from opsdesk.services.changes.review import ReviewSteps
from opsdesk.services.text import labelled
from opsdesk.services.unit_of_work import UnitOfWork

WEEK_STATES = (ChangeState.APPROVED, ChangeState.IN_PROGRESS, ChangeState.COMPLETED, ChangeState.ROLLED_BACK)
OVERVIEW_LIMIT = 500  # of each state read for the overview: far more than a team has in a week


@dataclass(frozen=True)
class Overview:
    """The out-of-hours requests a reviewer looks at: awaiting review, and this week's (by window start)."""

    awaiting: list[ChangeRequest]
    this_week: list[ChangeRequest]
    week_start: datetime  # Monday 00:00 in the team's zone


class ChatReviewSteps(ReviewSteps):
    def reviewable(self, change_id: int, reviewer: str, action: ChangeAction) -> ChangeRequest:
        """The request when `reviewer` may `action` (approve or reject) it now; else the domain's error
        saying why (not an engineer, the requester, or not in a state to be reviewed)."""
        with self.transaction() as uow:
            change = self._get(uow, change_id)
        check_reviewer(change, reviewer, self.people, str(action))
        next_change_state(change.reference, change.state, action)
        return change

    def approve_from_message(  # noqa: PLR0917  (the approval, and where it came from)
        self,
        change_id: int,
        reviewer: Actor,
        engineer: str,
        instructions: str,
        channel: str | None,
        receipt: str,
        message: ChatMessage | None,
        seen: str | None,
    ) -> ChangeRequest | None:
        """Approve as submitted from a message's form: taken in once per `receipt` (None: taken in before,
        nothing is done again), the message rewritten in the same unit of work. Refused when the request
        is no longer as `seen` when the form opened (seen_version). The domain's error else, and nothing
        is kept (not even the receipt: the form can be corrected and sent again)."""
        now = self.clock.now()
        with self.transaction() as uow:
            change = self._fresh(uow, change_id, receipt, seen, ChangeAction.APPROVE, now)
            if change is None:
                return None
            updated = self._approve(
                uow, change, reviewer, engineer, instructions=instructions, channel=channel
            )
            assigned = self.people.by_id(updated.assigned)
            who = labelled(assigned.name, assigned.id) if assigned else updated.assigned
            tz = self.rota.engine.timezone
            text = (
                f"Approved by {reviewer.name}: {who} carries it out, {window_text(updated.window, tz)}.\n"
                f"{updated.reference} {updated.title}"
            )
            self._rewrite(uow, updated, message, text, now)
            return updated

    def reject_from_message(  # noqa: PLR0917  (the rejection, and where it came from)
        self,
        change_id: int,
        reviewer: Actor,
        reason: str,
        receipt: str,
        message: ChatMessage | None,
        seen: str | None,
    ) -> ChangeRequest | None:
        """Reject as submitted from a message's form: once per `receipt`, only as `seen`, as
        approve_from_message."""
        now = self.clock.now()
        with self.transaction() as uow:
            change = self._fresh(uow, change_id, receipt, seen, ChangeAction.REJECT, now)
            if change is None:
                return None
            updated = self._reject(uow, change, reviewer, reason)
            text = f"Rejected by {reviewer.name}: {updated.reason}\n{updated.reference} {updated.title}"
            self._rewrite(uow, updated, message, text, now)
            return updated

    def overview(self, now: datetime) -> Overview:
        """The requests awaiting review (soonest window first), and those whose windows fall in this week
        (Monday to Sunday in the team's zone) once approved, carried out or rolled back."""
        tz = self.rota.engine.timezone
        today = now.astimezone(tz).date()
        monday = today - timedelta(days=today.weekday())
        start = datetime.combine(monday, time(), tz)
        end = datetime.combine(monday + timedelta(days=7), time(), tz)
        with self.transaction() as uow:
            awaiting = uow.changes.changes(ChangeState.UNDER_REVIEW, OVERVIEW_LIMIT)
            later = [c for state in WEEK_STATES for c in uow.changes.changes(state, OVERVIEW_LIMIT)]
        week = [c for c in later if c.window and c.window.start < end and start < c.window.end]
        return Overview(sorted(awaiting, key=_soonest), sorted(week, key=_soonest), start)

    def _fresh(  # noqa: PLR0917  (the request, the form's receipt and what it saw)
        self,
        uow: UnitOfWork,
        change_id: int,
        receipt: str,
        seen: str | None,
        action: ChangeAction,
        now: datetime,
    ) -> ChangeRequest | None:
        """The request a form acts on, in the form's unit of work: None when the form was taken in before;
        ChangeError when the request changed since the form opened (check_seen)."""
        change = self._get(uow, change_id)
        if not uow.receipts.receipt(receipt, now):
            return None
        check_seen(change, seen, action)
        return change

    def _rewrite(
        self, uow: UnitOfWork, change: ChangeRequest, message: ChatMessage | None, text: str, now: datetime
    ) -> None:
        """The message the review was taken from, rewritten to say it, its buttons gone."""
        if message is None:
            return
        key = f"change:{change.id}:update:{message.channel}:{message.ts}:{change.state}"
        self.notifier.send(uow.outbox, MessageUpdate(message.channel, message.ts, text, key), now)


def _soonest(change: ChangeRequest) -> tuple[bool, datetime, int]:
    return (change.window is None, change.window.start if change.window else change.submitted_at, change.id)
