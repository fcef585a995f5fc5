"""What every support-request use case shares: the unit of work, the rota, the policy, the clock and the
notifier; and the steps they all take (find a request, record a step in its history, tell the channel, the
assignee or the request's issue), and the support-hours clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from opsdesk.domain.changes.model import Problem, RequestText
from opsdesk.domain.elapsed import elapsed
from opsdesk.domain.errors import UnknownSupportRequestError
from opsdesk.domain.hours import Cover, CoverEngine
from opsdesk.domain.notices import ChannelPost, DirectMessage, IssueReply, Offer
from opsdesk.domain.people import People
from opsdesk.domain.rota import EngineerId, Role, holding
from opsdesk.domain.support.model import SupportPolicy, SupportRequest
from opsdesk.domain.timeline import Actor, TimelineEntry
from opsdesk.services.clock import Clock
from opsdesk.services.notifier import Notifier
from opsdesk.services.rota import RotaService
from opsdesk.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

LOG_FALLBACK = "support"  # where the log files an announcement when the team has no channel


def support_time(engine: CoverEngine, start: datetime, end: datetime) -> timedelta:
    """The support hours in [start, end) (the cover engine's clock); zero when it does not run forwards."""
    return elapsed(engine, start, end, Cover.SUPPORT) if start < end else timedelta(0)


@dataclass
class SupportContext:
    uow: UnitOfWorkFactory
    rota: RotaService
    policy: SupportPolicy
    clock: Clock
    notifier: Notifier
    # How a change request's text is read (adapters.github.form): an issue that reads as the team's
    # change-request form belongs to the change workflow, never to the support board.
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

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Support hours in [start, end), by the cover engine in force."""
        return support_time(self.rota.engine, start, end)

    def on_duty(self, engineer: EngineerId, at: datetime) -> bool:
        """Whether `engineer` holds the support duty at `at` (said in the history of a triage)."""
        return holding(self.rota.rota, Role.SUPPORT, at, self.rota.engine.timezone).engineer == engineer

    def _get(self, uow: UnitOfWork, request_id: int) -> SupportRequest:
        found = uow.support.get(request_id)
        if found is None:
            raise UnknownSupportRequestError(
                f"no support request SR-{request_id}: `opsdesk support list` shows the board"
            )
        return found

    def _record(  # noqa: PLR0917  (the request, when, who, what and the words)
        self, uow: UnitOfWork, request: SupportRequest, at: datetime, actor: Actor, kind: str, said: str
    ) -> None:
        uow.support.entry(request.id, TimelineEntry(at, actor.name, actor.source, kind, said, {}))

    def _announce(self, uow: UnitOfWork, request: SupportRequest, now: datetime) -> None:
        """A new request in the team's support channel (Slack escapes the title: it is the requester's)."""
        where = f" ({request.issue_reference})" if request.issue_reference else ""
        text = (
            f"New support request {request.reference} from {request.requested_by}: {request.title}{where}. "
            f"Untriaged: the support engineer accepts it with a priority or declines it with a reason."
        )
        key = f"support:{request.id}:new"
        offer = Offer("support", request.id, ("triage", "assign"))  # the Slack app's buttons
        post = ChannelPost(self.policy.channel, text, key, LOG_FALLBACK, offer=offer)
        self.notifier.send(uow.outbox, post, now)

    def _tell_assignee(self, uow: UnitOfWork, request: SupportRequest, actor: Actor, now: datetime) -> None:
        if request.assignee is None:
            return
        subject = f"[opsdesk] {request.reference}: {request.title}"[:200]
        text = f"{actor.name} assigned you support request {request.reference}: {request.title}"
        key = f"support:{request.id}:assigned:{request.assignee}:{now.isoformat()}"
        message = DirectMessage(EngineerId(request.assignee), subject, text, key)
        self.notifier.send(uow.outbox, message, now)

    def _reply(
        self,
        uow: UnitOfWork,
        request: SupportRequest,
        text: str,
        what: str,
        now: datetime,
        *,
        issue: bool = True,
    ) -> None:
        """A reply to the requester where the request came from: on its GitHub issue (unless not `issue`;
        GitHub escapes the text), and in the thread of the Slack message it was made of (Slack's renderer
        escapes it)."""
        key = f"support:{request.id}:{what}:{now.isoformat()}"
        if issue and request.repository and request.issue:
            self.notifier.send(uow.outbox, IssueReply(request.repository, request.issue, text, key), now)
        if request.slack_channel and request.slack_thread:
            where = request.slack_channel
            post = ChannelPost(where, text, f"{key}:thread"[:255], LOG_FALLBACK, thread=request.slack_thread)
            self.notifier.send(uow.outbox, post, now)
