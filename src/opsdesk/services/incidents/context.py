"""What every incident use case shares: the unit of work, the rota, the monitored services, the clock and
the notifier, and the steps they all take (find an incident, post to its service's channel)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from opsdesk.domain.errors import IncidentError, UnknownIncidentError
from opsdesk.domain.incidents.ack_links import LinkSetup
from opsdesk.domain.incidents.email import EmailPolicy
from opsdesk.domain.incidents.model import Incident, MonitoredService, key_digest
from opsdesk.domain.notices import ChannelPost
from opsdesk.domain.rota import EngineerId
from opsdesk.domain.timeline import system_entry
from opsdesk.services.clock import Clock
from opsdesk.services.notifier import Notifier
from opsdesk.services.rota import RotaService
from opsdesk.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

PAGE_JOB = "incident-page"
END_JOB = "incident-escalation-end"
CONFIRM_JOB = "sns-confirm"
HANDBACK_JOB = "incident-hand-back"
HANDBACK_SEARCH = timedelta(days=21)  # how far ahead to look for the next support hours
TIMELINE_PAGE = 50  # timeline entries shown with an incident


@dataclass
class IncidentContext:
    uow: UnitOfWorkFactory
    rota: RotaService
    services: Sequence[MonitoredService]
    clock: Clock
    notifier: Notifier
    email_policy: EmailPolicy = field(
        default_factory=EmailPolicy
    )  # critical-incident email (services/incidents/email.py)
    links: LinkSetup | None = None  # signed acknowledge links in pages: None, pages carry none
    _by_key: dict[str, MonitoredService] = field(init=False, repr=False)
    _by_id: dict[str, MonitoredService] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {s.id: s for s in self.services}
        self._by_key = {digest: s for s in self.services for digest in s.key_digests}

    @contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        """One unit of work, committed when the block ends without an exception (rolled back else)."""
        with self.uow() as uow:
            yield uow
            uow.commit()

    def service_for_key(self, key: str) -> MonitoredService | None:
        """The service an integration key sends to (compared by digest), or None."""
        return self._by_key.get(key_digest(key))

    def service(self, service_id: str) -> MonitoredService:
        found = self._by_id.get(service_id)
        if found is None:
            known = ", ".join(sorted(self._by_id)) or "none: add one under `services:` in the policy"
            raise IncidentError(f"no service {service_id!r}; the services are: {known}")
        return found

    def _get(self, uow: UnitOfWork, incident_id: int) -> Incident:
        found = uow.incidents.get(incident_id)
        if found is None:
            raise UnknownIncidentError(f"no incident #{incident_id}")
        return found

    def _post(  # noqa: PLR0917  (where, what, and whom it names)
        self,
        uow: UnitOfWork,
        incident: Incident,
        what: str,
        text: str,
        now: datetime,
        mention: EngineerId | None = None,
    ) -> None:
        """A post to the incident's service channel, once per incident and `what`."""
        service = self.service(incident.service)
        # The opening post carries the incident's buttons (acknowledge, resolve) where its channel has them.
        number = incident.id if what == "opened" else None
        post = ChannelPost(service.channel, text, f"post:{incident.id}:{what}", service.id, mention, number)
        self.notifier.send(uow.outbox, post, now)

    def _ask_for_roles(self, uow: UnitOfWork, incident: Incident, now: datetime) -> None:
        """The team's process: P1 and P2 need an incident lead and a scribe; ask on the timeline and channel."""
        missing = incident.missing_roles
        if not missing:
            return
        text = f"{incident.priority} needs an incident lead and a scribe: name the {' and '.join(missing)}"
        uow.incidents.entry(incident.id, system_entry(now, "asked", text, {}))
        self._post(uow, incident, f"asked-{len(missing)}-{incident.priority}", f"#{incident.id}: {text}", now)
