"""The unit of work: one transaction holding every store a use case touches.

A use case opens one (`with self.uow() as uow: ...; uow.commit()`), reads and changes its noun, writes
its outgoing messages (the outbox) and its timed follow-ups (jobs) in the same transaction, and commits;
leaving the block without `commit()` rolls everything back, so a crash never leaves a page sent for an
incident that was not stored, nor an incident without its escalation. Reads lock what they return until
the unit ends. There is one implementation over SQLAlchemy (adapters/db/unit_of_work.py) and one in
memory for service tests (tests/fakes.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self

if TYPE_CHECKING:  # types only: a command that never opens a unit of work does not import these
    from datetime import timedelta

    from opsdesk.domain.announcements.model import Announcement, AnnouncementKind, Mention
    from opsdesk.domain.asks import AskThread
    from opsdesk.domain.changes.model import Booked, ChangeRequest, ChangeState
    from opsdesk.domain.handover.model import (
        Acknowledgement,
        AlarmCount,
        Briefing,
        HandoverKind,
        HandoverRecord,
        Note,
        PageLine,
    )
    from opsdesk.domain.hours import Cover
    from opsdesk.domain.incidents.email import EmailRecord
    from opsdesk.domain.incidents.model import Alarm, Incident, IncidentState
    from opsdesk.domain.incidents.timeline import TimelinePage
    from opsdesk.domain.outbox import OutgoingMessage
    from opsdesk.domain.support.model import Comment, Status, SupportRequest, Triage
    from opsdesk.domain.timeline import TimelineEntry


class IncidentStore(Protocol):
    def open_or_join(self, alarm: Alarm, cover: Cover, now: datetime) -> tuple[Incident, bool]:
        """Join the open incident with this alarm's service and dedup key, or open one (True)."""

    def join_open(self, joins: Sequence[tuple[Alarm, TimelineEntry]]) -> list[Incident | None]:
        """Many alerts joining open incidents at once (an alarm storm); None where none is open."""

    def get(self, incident_id: int) -> Incident | None: ...
    def get_many(self, incident_ids: Sequence[int]) -> dict[int, Incident]:
        """The incidents that exist of these, by number, locked for this unit of work as `get` locks."""

    def find_open(self, service: str, dedup_key: str) -> Incident | None: ...
    def update(self, incident_id: int, changes: Mapping[str, Any]) -> Incident: ...
    def entry(self, incident_id: int, entry: TimelineEntry) -> None: ...
    def timeline(
        self, incident_id: int, *, limit: int, before: int | None = None, alerts: bool = True
    ) -> TimelinePage: ...
    def entries_after(
        self, incident_id: int, after: int | None, limit: int, *, alerts: bool = True
    ) -> list[TimelineEntry]: ...
    def incidents(
        self, state: IncidentState | None = None, service: str | None = None, limit: int = 100
    ) -> list[Incident]: ...
    def opened_between(self, start: datetime, end: datetime) -> list[Incident]: ...


class ChangeStore(Protocol):
    def create(self, values: Mapping[str, Any]) -> ChangeRequest: ...
    def get(self, change_id: int) -> ChangeRequest | None: ...
    def by_issue(self, repository: str, issue: int) -> ChangeRequest | None: ...
    def update(self, change_id: int, values: Mapping[str, Any]) -> ChangeRequest: ...
    def entry(self, change_id: int, entry: TimelineEntry) -> None: ...
    def history(self, change_id: int) -> list[TimelineEntry]: ...
    def changes(self, state: ChangeState | None = None, limit: int = 100) -> list[ChangeRequest]: ...
    def booked(self, other_than: int | None = None) -> list[Booked]:
        """Approved and in-progress changes holding windows (all but `other_than`)."""


class HandoverStore(Protocol):
    """Briefings made and kept, the support engineer's notes, and the reads a briefing is made from."""

    def add(self, key: str, briefing: Briefing, made_at: datetime) -> HandoverRecord | None:
        """Keep a briefing made for the moment `key`; None when one is kept for it already."""

    def get(self, handover_id: int) -> HandoverRecord | None: ...
    def by_key(self, key: str) -> HandoverRecord | None: ...
    def between(
        self, start: datetime, end: datetime, kind: HandoverKind | None = None, limit: int = 100
    ) -> list[HandoverRecord]:
        """Records whose moment is in [start, end), the latest first."""

    def acknowledge(self, handover_id: int, acknowledgement: Acknowledgement) -> HandoverRecord: ...
    def mark(
        self, handover_id: int, *, reminded_at: datetime | None = None, escalated_at: datetime | None = None
    ) -> None: ...

    def add_note(self, at: datetime, author: str, text: str) -> Note: ...
    def notes_between(self, start: datetime, end: datetime) -> list[Note]:
        """Notes written in [start, end), the oldest first."""

    def alarm_counts(self, start: datetime, end: datetime, top: int = 3) -> list[AlarmCount]:
        """Alarms (incidents opened and alerts joined) in [start, end) per service, the busiest first, with
        each service's `top` noisiest dedup keys."""

    def pages_between(self, start: datetime, end: datetime) -> list[PageLine]:
        """Pages sent in [start, end), the oldest first, with how long each waited for an acknowledgement."""

    def open_incidents(self, limit: int = 200) -> list[Incident]: ...
    def stretch_incidents(self, start: datetime, end: datetime, limit: int = 200) -> list[Incident]:
        """Incidents opened or resolved in [start, end), and every deferred one."""

    def changes_for(self, start: datetime, end: datetime, limit: int = 200) -> list[ChangeRequest]:
        """Change requests a briefing of [start, end) may name: awaiting review; approved or running with a
        window ending after `start`; under monitoring after `start`; finished in [start, end)."""


class SupportStore(Protocol):
    """Support requests, their labels, comments and history; `get` and `by_issue` lock what they return."""

    def create(self, values: Mapping[str, Any]) -> SupportRequest | None:
        """A new request; None when one for its issue exists already (two deliveries of one issue at once:
        its `opened` and `labeled`)."""

    def get(self, request_id: int) -> SupportRequest | None: ...
    def by_issue(self, repository: str, issue: int) -> SupportRequest | None: ...
    def by_message(self, channel: str, ts: str) -> SupportRequest | None:
        """The request made of a Slack message (its channel's id and its ts); locked too."""

    def update(self, request_id: int, values: Mapping[str, Any]) -> SupportRequest: ...
    def entry(self, request_id: int, entry: TimelineEntry) -> None: ...
    def history(self, request_id: int) -> list[TimelineEntry]: ...
    def comment(self, request_id: int, comment: Comment) -> Comment: ...
    def comments(self, request_id: int) -> list[Comment]: ...
    def requests(
        self,
        status: Status | None = None,
        *,
        label: str | None = None,
        assignee: str | None = None,
        triage: Triage | None = None,
        limit: int = 100,
    ) -> list[SupportRequest]:
        """The newest first; `label` matched regardless of case."""

    def untriaged(self, limit: int = 200) -> list[SupportRequest]:
        """Requests still on the board (not done) that nobody has triaged, the oldest first."""

    def created_between(self, start: datetime, end: datetime) -> list[SupportRequest]:
        """Requests that arrived in [start, end), the oldest first."""


class AnnouncementStore(Protocol):
    """Announcements kept: what was said and where, the mention used, the next update promised (and kept),
    and the reminders before scheduled work."""

    def add(self, announcement: Announcement) -> Announcement:
        """Keep a new announcement (its `id` is ignored); the one kept, with its number."""

    def get(self, announcement_id: int) -> Announcement | None: ...
    def listed(
        self,
        limit: int = 50,
        *,
        kind: AnnouncementKind | None = None,
        incident: int | None = None,
        change: int | None = None,
    ) -> list[Announcement]:
        """The newest first, optionally of one kind, or on one incident or change request."""

    def mentions(self, mention: Mention, start: datetime, end: datetime) -> int:
        """Announcements made in [start, end) with `mention`."""

    def open_promises(self, *, incident: int | None = None, change: int | None = None) -> list[Announcement]:
        """Announcements on this incident or change request whose promised update is not kept yet."""

    def keep(self, announcement_ids: Sequence[int], by: int, at: datetime) -> None:
        """Their promises are kept by the announcement `by`, at `at`."""

    def mark_reminded(self, announcement_id: int, at: datetime) -> None:
        """The author (and the incident's lead) were reminded of its promised update at `at`."""

    def mark_reminder_sent(self, announcement_id: int, before: timedelta, at: datetime) -> None:
        """The reminder `before` its work starts was sent at `at`."""

    def overdue_promises(self, now: datetime, limit: int = 200) -> list[Announcement]:
        """Announcements whose promised update is overdue at `now` (past its time and the grace, not
        kept), the longest overdue first: for the handover and the digest."""


class EmailStore(Protocol):
    """Critical-incident email taken in: each message once by Message-ID, the incident it opened or joined,
    the raw message (cut) for audit, and the reply sent."""

    def add(self, record: EmailRecord) -> bool:
        """Keep a message taken in; False (and nothing changed) when one with its Message-ID is kept."""

    def get(self, message_id: str) -> EmailRecord | None: ...
    def incident_for(self, message_ids: Sequence[str]) -> int | None:
        """The incident of a kept message whose Message-ID, or whose reply's Message-ID, is one of these
        (the newest such message's); None when none is."""

    def replies_since(self, address: str, since: datetime) -> int:
        """Replies sent to `address` (compared without regard to case) by messages received from `since`."""

    def for_incident(self, incident_id: int, limit: int = 100) -> list[EmailRecord]:
        """The messages of an incident, the oldest first."""


class AskThreadStore(Protocol):
    """The ask channel's question threads, each kept once; what was done about one set once each."""

    def add(self, thread: AskThread) -> bool:
        """Keep a question's thread; False (nothing changed) when one is kept for its channel and ts."""

    def get(self, channel: str, thread: str) -> AskThread | None: ...
    def mark(self, channel: str, thread: str, what: str, at: datetime) -> bool:
        """Set `what` (answered_at, reminded_at, out_of_hours_answered_at) unless set; True if this did."""


class OutboxWriter(Protocol):
    def add(self, message: OutgoingMessage, now: datetime) -> bool:
        """Store a message to send; False when its idempotency key is stored already."""


class JobScheduler(Protocol):
    def schedule(self, kind: str, key: str, due_at: datetime, payload: dict[str, Any]) -> bool:
        """Add a job unless one with `key` exists (from this replica or another); True if added."""

    def finish(self, job_ids: list[int], owner: str, now: datetime) -> int:
        """Mark these jobs done in this unit of work, those `owner` still holds; how many."""


class Receipts(Protocol):
    def receipt(self, key: str, now: datetime) -> bool:
        """Take in something that must be taken in once (a delivery, a message id); False if seen."""

    def marked(self, key: str) -> datetime | None:
        """The time a mark holds (e.g. the newest version of an issue taken in), if ever set."""

    def mark(self, key: str, at: datetime) -> None:
        """Set a mark to `at` unless it holds a later time."""

    def forget(self, prefix: str, before: datetime) -> int:
        """Forget the receipts whose key starts with `prefix` taken in before `before`; how many."""


class UnitOfWork(Protocol):
    @property
    def incidents(self) -> IncidentStore: ...
    @property
    def changes(self) -> ChangeStore: ...
    @property
    def handovers(self) -> HandoverStore: ...
    @property
    def support(self) -> SupportStore: ...
    @property
    def announcements(self) -> AnnouncementStore: ...
    @property
    def emails(self) -> EmailStore: ...
    @property
    def asks(self) -> AskThreadStore: ...
    @property
    def outbox(self) -> OutboxWriter: ...
    @property
    def jobs(self) -> JobScheduler: ...
    @property
    def receipts(self) -> Receipts: ...

    def defer_writes(self) -> None:
        """Write timeline entries and jobs together as the unit commits (many pages written at once)."""

    def __enter__(self) -> Self: ...
    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None: ...
    def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
