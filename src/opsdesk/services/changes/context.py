"""What every change-request use case shares: the unit of work, the rota, the policy, the clock, the
notifier and how a request's text is read; and the steps they all take (find a request, move it to its
next state with a history entry, keep its issue's status comment, announce, message the engineer)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from opsdesk.domain.changes.model import (
    ChangeAction,
    ChangePolicy,
    ChangeRequest,
    ChangeState,
    CheckResult,
    Problem,
    RequestText,
)
from opsdesk.domain.changes.workflow import next_change_state
from opsdesk.domain.errors import UnknownChangeError
from opsdesk.domain.hours import Cover
from opsdesk.domain.notices import ChannelPost, DirectMessage, IssueReply, IssueStatus, Offer
from opsdesk.domain.people import People
from opsdesk.domain.rota import EngineerId, Role, holding
from opsdesk.domain.timeline import Actor, TimelineEntry
from opsdesk.services.clock import Clock
from opsdesk.services.notifier import Notifier
from opsdesk.services.rota import RotaService
from opsdesk.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

REMINDER_JOB = "change-reminder"
CHANNEL_NAME = re.compile(r"#?[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{2,20}")
REMINDERS = (timedelta(hours=24), timedelta(hours=1))
TITLE_LIMIT = 300
REVIEW = ("approve", "reject")  # the buttons on a request awaiting review (the Slack app answers them)


@dataclass(frozen=True)
class Suggestion:
    engineer: EngineerId | None  # on call in the window; None: ask for a volunteer
    reason: str


@dataclass
class ChangeContext:
    uow: UnitOfWorkFactory
    rota: RotaService
    policy: ChangePolicy
    clock: Clock
    notifier: Notifier
    # How a request's text is read into its sections (the team's form: adapters.github.form).
    read: Callable[[str], RequestText | Problem] = field(kw_only=True)

    @property
    def people(self) -> People:
        return self.notifier.people

    @contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        """One unit of work, committed when the block ends without an exception (rolled back else)."""
        with self.uow() as uow:
            yield uow
            uow.commit()

    def suggest(self, change: ChangeRequest) -> Suggestion:
        """Whoever is on call in the window, or a call for a volunteer when it is outside on-call hours."""
        if change.window is None:
            return Suggestion(None, "the window is not known yet")
        engine = self.rota.engine
        on_call = [
            w for w in engine.windows(change.window.start, change.window.end) if w.cover is Cover.ON_CALL
        ]
        if not on_call:
            return Suggestion(None, "the window is outside on-call hours: ask for a volunteer")
        held = holding(self.rota.rota, Role.PRIMARY, on_call[0].start, engine.timezone).engineer
        if held is None:
            return Suggestion(None, "nobody holds primary then: ask for a volunteer")
        return Suggestion(held, f"{held} is the primary on call then")

    def _get(self, uow: UnitOfWork, change_id: int) -> ChangeRequest:
        found = uow.changes.get(change_id)
        if found is None:
            raise UnknownChangeError(f"no change request CR-{change_id}")
        return found

    def _move(  # noqa: PLR0917  (the request, the step, who, and what it records)
        self,
        uow: UnitOfWork,
        change: ChangeRequest,
        action: ChangeAction,
        actor: Actor,
        extra: Mapping[str, Any],
        said: str,
    ) -> ChangeRequest:
        state = next_change_state(change.reference, change.state, action)
        now = self.clock.now()
        updated = uow.changes.update(change.id, {"state": state, **extra})
        uow.changes.entry(change.id, TimelineEntry(now, actor.name, actor.source, str(state), said, {}))
        self._status(uow, updated, now)
        return updated

    def _status(self, uow: UnitOfWork, change: ChangeRequest, now: datetime) -> None:
        """The one status comment on the request's issue, edited in place, and the state's label."""
        if not (change.repository and change.issue):
            return
        key = f"change:{change.id}:status:{now.isoformat()}:{change.state}:{len(change.checklist)}"
        tz = self.rota.engine.timezone
        status = IssueStatus(change, self.suggest(change).reason, tz, key, self.policy.checklist)
        self.notifier.send(uow.outbox, status, now)

    def _announce(self, uow: UnitOfWork, change: ChangeRequest, what: str, text: str, now: datetime) -> None:
        """In the ask channel, and on the request's issue (but for its submission: the status says it). In
        the ask channel a request awaiting review carries its Approve and Reject buttons."""
        if self.policy.ask_channel:
            offer = Offer("change", change.id, REVIEW) if change.state is ChangeState.UNDER_REVIEW else None
            post = ChannelPost(
                self.policy.ask_channel,
                text,
                f"change:{change.id}:{what}:ask",
                self.policy.ask_channel,
                offer=offer,
            )
            self.notifier.send(uow.outbox, post, now)
        if change.repository and change.issue and what != "submitted":
            reply = IssueReply(change.repository, change.issue, text, f"change:{change.id}:{what}:github")
            self.notifier.send(uow.outbox, reply, now)

    def _post(self, uow: UnitOfWork, channel: str, text: str, key: str, now: datetime) -> None:
        self.notifier.send(uow.outbox, ChannelPost(channel, text, key, channel), now)

    def _direct(self, uow: UnitOfWork, change: ChangeRequest, text: str, key: str, now: datetime) -> None:
        """A message to the assigned engineer (the notifier chooses Slack, email or the log)."""
        if change.assigned is None:
            return
        subject = f"[opsdesk] {change.reference}: {change.title}"[:200]
        self.notifier.send(uow.outbox, DirectMessage(EngineerId(change.assigned), subject, text, key), now)


def checked(result: CheckResult) -> str:
    """A check's result as a history entry."""
    if not result.problems:
        return "checked: no problems"
    listed = "; ".join(f"{p.code}: {p.message}" for p in result.problems)
    return f"checked: {'ok with warnings' if result.ok else 'needs information'}: {listed}"
