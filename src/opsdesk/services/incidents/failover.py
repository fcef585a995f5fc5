"""Moving on at once when a page's message fails: a vendor (Twilio) reports an SMS failed or undelivered, or
a call busy, unanswered, failed or cancelled. The engineer's next rule is sent now rather than at its
after-minutes; when the failed rule was their last, the escalation's next step is paged now ("phone off:
no-answer, then the next method, then the secondary").

Once only: each rule is sent once (its receipt), each step paged once, and a repeated callback for the
same message writes and sends nothing more. A page by the service's paging ways (no rules) only gets the
failure on its timeline: its other ways may well have reached the engineer.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from opsdesk.domain.incidents.escalation import step_key
from opsdesk.domain.incidents.model import Incident, IncidentState, MonitoredService
from opsdesk.domain.incidents.paging import PageRef, parse_page_key
from opsdesk.domain.incidents.timeline import PAGE_LIMIT
from opsdesk.domain.outbox import OutgoingMessage
from opsdesk.domain.rota import EngineerId
from opsdesk.domain.timeline import TimelineEntry, system_entry
from opsdesk.services.incidents.escalation import EscalationSteps
from opsdesk.services.unit_of_work import UnitOfWork

FAILED_STATUSES = frozenset({"failed", "undelivered", "busy", "no-answer", "canceled"})
STATUS_LIMIT = 80
REPORTED = frozenset({"sms", "voice"})  # methods whose fate Twilio reports, reached or failed


class FailoverSteps(EscalationSteps):
    def method_failed(self, ref: PageRef, engineer: EngineerId, status: str) -> None:
        """The message `ref` to `engineer` failed with the vendor's `status` (e.g. "no-answer"): on the
        timeline ("voice page to alice: no-answer"), and, while nobody has acknowledged, the engineer's
        next rule now, or after their last rule the escalation's next step now."""
        with self.transaction() as uow:
            self.failed_in(uow, ref, engineer, status, self.clock.now())

    def failed_in(
        self, uow: UnitOfWork, ref: PageRef, engineer: EngineerId, status: str, now: datetime
    ) -> None:
        """`method_failed` in the caller's unit of work (a webhook's receipt and its consequence commit
        together). A rule of several methods whose fate Twilio reports (SMS and call) moves on only when
        all of them failed: an answered call outweighs an undelivered SMS."""
        status = "".join(c for c in status if c.isprintable())[:STATUS_LIMIT] or "failed"
        incident = uow.incidents.get(ref.incident)
        if incident is None or not uow.receipts.receipt(f"{ref.key}:failed", now):
            return
        said = f"{ref.method} page to {engineer}: {status}"
        data = {"engineer": engineer, "method": ref.method, "status": status, "rule": ref.rule}
        uow.incidents.entry(incident.id, system_entry(now, "page-failed", said, data))
        if incident.state is not IncidentState.TRIGGERED or ref.rule == 0:
            return
        rules = self._rules(engineer)
        if ref.rule <= len(rules) and self._still_trying(uow, ref, rules[ref.rule - 1].methods):
            return
        self._move_on(uow, incident, (ref, engineer, status, len(rules)), now)

    def _move_on(
        self, uow: UnitOfWork, incident: Incident, failed: tuple[PageRef, EngineerId, str, int], now: datetime
    ) -> None:
        """The engineer's next rule now, or after their last (of `rules` many) the next step now."""
        ref, engineer, status, rules = failed
        service = self.service(incident.service)
        escalation = service.escalation
        if ref.rule < rules:
            whom = (engineer, self._role(service, ref), ref.cycle, ref.step)
            why = f", at once: the {ref.method} page failed ({status})"
            self._send_rule(uow, incident, whom, ref.rule + 1, why, now)
            return
        if ref.cycle > escalation.cycles:
            return  # the final tier: nobody comes after it
        following = escalation.following(ref.cycle, ref.step)
        if following is None:
            why = f"{engineer}'s last method failed ({ref.method}: {status}) at the last step"
            self._end(uow, service, incident, why, now)
            return
        if uow.receipts.marked(f"incident:{incident.id}:stepped:{step_key(*following)}") is not None:
            return  # the next step was paged already
        text = f"{engineer}'s last method failed: the escalation moves on to its next step now"
        uow.incidents.entry(incident.id, system_entry(now, "moved-on", text, {}))
        self._page(uow, service, incident, following, due=now, now=now)

    def _still_trying(self, uow: UnitOfWork, ref: PageRef, methods: tuple[str, ...]) -> bool:
        """Whether another method of the same rule that reports its fate went out and has not failed."""
        others = [m for m in methods if m != ref.method and m in REPORTED and m in self.notifier.channels]
        return any(uow.receipts.marked(f"{ref.stem}:{m}:failed") is None for m in others)

    @staticmethod
    def _role(service: MonitoredService, ref: PageRef) -> str:
        escalation = service.escalation
        if ref.cycle > escalation.cycles:
            return escalation.final.role if escalation.final else "final"
        return str(escalation.step(ref.step).role)

    def delivery_failed(self, message: OutgoingMessage, reason: str) -> None:
        """The outbox gave up on `message` for good (the delivery worker's hook): a page's SMS, call or
        webhook to an engineer with rules counts as that method failing ("not delivered: <reason>")."""
        ref = parse_page_key(message.idempotency_key)
        if ref is None or ref.rule == 0 or ref.method not in ("sms", "voice", "webhook"):
            return
        with self.transaction() as uow:
            engineer = paged_engineer(uow, ref)
            if engineer is not None and self._rules(engineer):
                self.failed_in(uow, ref, engineer, f"not delivered: {reason}", self.clock.now())


def paged_engineer(uow: UnitOfWork, ref: PageRef) -> EngineerId | None:
    """The engineer the page `ref` went to, as its timeline says (each step, and each of the final tier's
    pages, is one engineer's): a phone or webhook may be shared, the page's step is not."""
    for entry in entries(uow, ref.incident):
        data = entry.data
        if entry.kind == "paged" and (data.get("cycle"), data.get("step")) == (ref.cycle, ref.step):
            return EngineerId(str(data.get("engineer")))
    return None


def entries(uow: UnitOfWork, incident_id: int) -> Iterator[TimelineEntry]:
    """The incident's entries but its alerts, oldest first, a page at a time."""
    after: int | None = None
    while True:
        found = uow.incidents.entries_after(incident_id, after, PAGE_LIMIT, alerts=False)
        yield from found
        if len(found) < PAGE_LIMIT:
            return
        after = found[-1].id
