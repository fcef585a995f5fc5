"""What every announcement use case shares: the unit of work, the policy, the clock, the notifier, the team
and its time zone; and how an announcement is said (the notice of its linked pair)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from opsdesk.domain.announcements.model import Announcement, AnnouncementPolicy
from opsdesk.domain.errors import UnknownAnnouncementError
from opsdesk.domain.notices import AnnouncementNotice
from opsdesk.domain.people import People
from opsdesk.services.clock import Clock
from opsdesk.services.notifier import Notifier
from opsdesk.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

PROMISE_JOB = "announcement-promise"  # the promised update is due: remind the author and the lead
REMINDER_JOB = "announcement-reminder"  # scheduled work starts soon: announce it again


@dataclass
class AnnouncementContext:
    uow: UnitOfWorkFactory
    policy: AnnouncementPolicy
    clock: Clock
    notifier: Notifier
    people: People
    tz: ZoneInfo

    @contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        """One unit of work, committed when the block ends without an exception (rolled back else)."""
        with self.uow() as uow:
            yield uow
            uow.commit()

    def _get(self, uow: UnitOfWork, announcement_id: int) -> Announcement:
        found = uow.announcements.get(announcement_id)
        if found is None:
            raise UnknownAnnouncementError(
                f"no announcement #{announcement_id}: `opsdesk announce list` shows the ones made"
            )
        return found

    def when(self, at: datetime) -> str:
        return f"{at.astimezone(self.tz):%a %d %b %Y %H:%M %Z}"

    def notice(
        self, record: Announcement, key: str, heading: str | None = None, mention: bool = True
    ) -> AnnouncementNotice:
        """The pair for `record` (its post to the update channel, the forward to the ask channel) under
        the outbox key stem `key`; `heading` for a reminder, which mentions nobody."""
        lines = []
        if record.subject is not None:
            priority = f" ({record.priority})" if record.priority else ""
            lines.append(f"About {record.subject}{priority}.")
        if record.starts_at is not None:
            lines.append(f"Starts {self.when(record.starts_at)}.")
        if record.promise is not None:
            lines.append(f"Next update by {self.when(record.promise.due)}.")
        return AnnouncementNotice(
            record.id,
            heading or record.kind.words,
            record.title,
            record.body,
            tuple(lines),
            str(record.mention) if mention and record.mention else None,
            record.update_channel,
            record.ask_channel,
            key,
        )
