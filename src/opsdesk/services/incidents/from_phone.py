"""Incidents acknowledged or resolved from the phone a page reached: an SMS reply ('4 ack'), the key 1
pressed in a page's call, and Twilio's word on each page's delivery (its status callbacks), on the
incident's timeline. Only the engineer a page went to may answer it, from the phone it went to; each
webhook is taken in once (Twilio retries), keyed by its message or call. A test page is acknowledged the
same ways ('T4821', the key 1 in its call), and touches no incident (services/incidents/page_tests.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from opsdesk.domain.errors import IncidentError
from opsdesk.domain.incidents.model import Action, Incident, IncidentState
from opsdesk.domain.incidents.paging import PageRef
from opsdesk.domain.incidents.phone_reply import HELP, PhoneReply, shorten
from opsdesk.domain.rota import Engineer, EngineerId
from opsdesk.domain.timeline import Actor, Source, system_entry
from opsdesk.services.incidents.actions import ActionSteps
from opsdesk.services.incidents.failover import FAILED_STATUSES, FailoverSteps, entries
from opsdesk.services.incidents.page_tests import AckOutcome, take_ack
from opsdesk.services.unit_of_work import UnitOfWork

NOT_ON_TEAM = (
    "This number is not on the opsdesk team: ask an admin to add it under engineers[].phone, or use Slack."
)
OPEN = (IncidentState.TRIGGERED, IncidentState.ACKNOWLEDGED, IncidentState.DEFERRED)
# Twilio's statuses on the way (a call ringing, an SMS queued): only where a page ended up is on the timeline.
PASSING_STATUSES = frozenset({"queued", "accepted", "scheduled", "sending", "initiated", "ringing"})
NO_KEY = "answered, no key pressed"  # a call read out with no key pressed: voicemail, most likely
UNKNOWN_NUMBER = "an unknown number"  # a status of a page nobody on the team was paged by
CANDIDATES = 100  # open incidents looked through for a bare 'ack'


@dataclass(frozen=True)
class PhoneAnswer:
    """What to answer the phone: `text` (an SMS, or words said in the call); `done` when the incident
    changed."""

    text: str
    done: bool = False


class PhoneSteps(ActionSteps, FailoverSteps):
    def engineer_by_phone(self, phone: str) -> Engineer | None:
        """The engineer whose `phone` (E.164) this is: only the policy's engineers[].phone counts."""
        return next((e for e in self.rota.rota.engineers if e.phone and e.phone == phone), None)

    def reply_by_sms(self, phone: str, reply: PhoneReply, receipt: str) -> PhoneAnswer | None:
        """An SMS reply from `phone` (E.164) as read: the action done as the engineer of that phone, who
        must have been paged for the incident. None when this message (`receipt`) was taken in before.
        A refusal changes nothing and says why and what to send instead."""
        engineer = self.engineer_by_phone(phone)
        if engineer is None:
            return PhoneAnswer(NOT_ON_TEAM)
        if reply.action is None:
            return PhoneAnswer(HELP)
        if reply.test is not None:
            return self._test_reply(engineer, reply.test, "sms", receipt)
        try:
            with self.transaction() as uow:
                return self._sms_action(uow, engineer, reply.action, reply.incident, receipt)
        except IncidentError as exc:  # a change the incident's state does not allow: nothing was kept
            return PhoneAnswer(shorten(f"{str(exc)[:1].upper()}{str(exc)[1:]}."))

    def _sms_action(
        self, uow: UnitOfWork, engineer: Engineer, action: Action, number: int | None, receipt: str
    ) -> PhoneAnswer | None:
        # The receipt first: a retried message is answered with nothing, whatever the first answer was.
        if not uow.receipts.receipt(receipt, self.clock.now()):
            return None
        chosen = self._chosen(uow, engineer, action, number)
        if isinstance(chosen, str):
            return PhoneAnswer(shorten(chosen))
        refused = self._refusal(uow, chosen, engineer, action)
        if refused is not None:
            return PhoneAnswer(shorten(refused))
        extra: dict[str, str | None] = {"note": None} if action is Action.RESOLVE else {}
        updated = self._act(uow, chosen, action, Actor(engineer.id, Source.PHONE), extra)
        return PhoneAnswer(shorten(self._done_text(updated, action)), done=True)

    def acknowledge_by_call(self, ref: PageRef, phone: str, receipt: str) -> PhoneAnswer | None:
        """The key 1 pressed in the call of page `ref`, which rang `phone`: the incident acknowledged by
        the engineer of that phone, who must have been paged for it. None when this key press (`receipt`)
        was taken in before."""
        engineer = self.engineer_by_phone(phone)
        if engineer is None:
            return PhoneAnswer("This call went to a number that is not on the opsdesk team. Goodbye.")
        with self.transaction() as uow:
            if not uow.receipts.receipt(receipt, self.clock.now()):
                return None
            incident = uow.incidents.get(ref.incident)
            if incident is None:
                return PhoneAnswer(f"opsdesk has no incident {ref.incident}. Goodbye.")
            refused = self._refusal(uow, incident, engineer, Action.ACKNOWLEDGE)
            if refused is not None:
                return PhoneAnswer(f"{_spoken(refused)} Goodbye.")
            self._act(uow, incident, Action.ACKNOWLEDGE, Actor(engineer.id, Source.PHONE), {})
        return PhoneAnswer(f"Acknowledged incident {incident.id}. Goodbye.", done=True)

    def acknowledge_test_by_call(self, code: str, phone: str, receipt: str) -> PhoneAnswer | None:
        """The key 1 pressed in test page `code`'s call, which rang `phone`; None when this key press
        (`receipt`) was taken in before."""
        engineer = self.engineer_by_phone(phone)
        if engineer is None:
            return PhoneAnswer("This call went to a number that is not on the opsdesk team. Goodbye.")
        answer = self._test_reply(engineer, code, "voice", receipt)
        if answer is None:
            return None
        return PhoneAnswer(f"{_spoken(answer.text)} Goodbye.", answer.done)

    def _test_reply(self, engineer: Engineer, code: str, method: str, receipt: str) -> PhoneAnswer | None:
        """Test page `code` acknowledged by `method` (sms, voice) as `engineer`, once per `receipt`."""
        now = self.clock.now()
        with self.transaction() as uow:
            if not uow.receipts.receipt(receipt, now):
                return None
            done, at = take_ack(uow, code, engineer.id, method, now)
        how = "by SMS" if method == "sms" else "by call"
        if done is AckOutcome.ACKNOWLEDGED:
            return PhoneAnswer(
                f"Test page {code} acknowledged {how}: opsdesk's pages reach you. Thank you.", True
            )
        if done is AckOutcome.ALREADY:
            return PhoneAnswer(f"Test page {code} was already acknowledged {how}{self._local(at)}.")
        if done is AckOutcome.NOT_YOURS:
            return PhoneAnswer(f"Test page {code} went to someone else: only they can acknowledge it.")
        return PhoneAnswer(
            f"opsdesk sent you no test page {code} {how}. Reply with the code of the test page you got."
        )

    def page_status(self, ref: PageRef, phone: str, status: str, error_code: str | None, receipt: str) -> str:
        """Twilio's status of one page's SMS or call (delivered, answered, failed, busy, no-answer, ...) on
        the incident's timeline, once per `receipt`; what was done, in a few words (an unknown incident is
        ignored: the status may be of a page whose incident is gone). A status on the way (queued,
        ringing) is not written; a failure moves on to the engineer's next method (`method_failed`)."""
        now = self.clock.now()
        if status in PASSING_STATUSES:
            return f"{status}: on its way, not written"
        with self.transaction() as uow:
            incident = uow.incidents.get(ref.incident)
            if incident is None:
                return f"no incident #{ref.incident}: ignored"
            if not uow.receipts.receipt(receipt, now):
                return "taken in before: ignored"
            engineer = self._paged_at(uow, ref, phone)
            code = f" (error {error_code})" if error_code else ""
            said = f"{ref.method} page to {engineer}: {status}{code}"
            data = {"engineer": engineer, "method": ref.method, "status": status, "cycle": ref.cycle}
            data |= {"step": ref.step, "rule": ref.rule, "error_code": error_code}
            if status in (*FAILED_STATUSES, NO_KEY) and engineer != UNKNOWN_NUMBER:
                # on the timeline as the page's failure, and on to the next method, in this transaction
                self.failed_in(uow, ref, EngineerId(engineer), f"{status}{code}", now)
            else:
                uow.incidents.entry(incident.id, system_entry(now, "page-status", said, data))
            return said

    def _paged_at(self, uow: UnitOfWork, ref: PageRef, phone: str) -> str:
        """Who the page `ref` went to: the engineer paged at its cycle and step (the one with this phone,
        when several were), else the engineer of the phone."""
        paged = [
            str(e.data["engineer"])
            for e in entries(uow, ref.incident)
            if e.kind == "paged"
            and e.data.get("cycle") == ref.cycle
            and e.data.get("step") == ref.step
            and e.data.get("engineer")
        ]
        owner = self.engineer_by_phone(phone)
        if owner is not None and (owner.id in paged or not paged):
            return owner.id
        return paged[0] if paged else UNKNOWN_NUMBER

    def _chosen(
        self, uow: UnitOfWork, engineer: Engineer, action: Action, number: int | None
    ) -> Incident | str:
        """The incident a reply names, or the one open incident paged to `engineer` when it names none;
        else what to answer."""
        if number is not None:
            found = uow.incidents.get(number)
            return found if found is not None else f"opsdesk has no incident #{number}. {HELP}"
        states = (IncidentState.TRIGGERED,) if action is Action.ACKNOWLEDGE else OPEN
        lists = [uow.incidents.incidents(state, None, CANDIDATES) for state in states]
        candidates = [i for found in lists for i in found if _was_paged(uow, i.id, engineer.id)]
        verb = "ack" if action is Action.ACKNOWLEDGE else "resolve"
        if not candidates and any(len(found) >= CANDIDATES for found in lists):  # a storm: not all looked at
            return (
                f"Too many incidents are open to tell which you mean: reply with its number, e.g. '4 {verb}'."
            )
        if not candidates:
            return f"No open incident was paged to you. {HELP}"
        if len(candidates) > 1:
            listed = ", ".join(f"#{i.id}" for i in sorted(candidates, key=lambda i: i.id)[:5])
            first = min(i.id for i in candidates)
            return f"You were paged for {listed}: reply with the number, e.g. '{first} {verb}'."
        return candidates[0]

    def _refusal(self, uow: UnitOfWork, incident: Incident, engineer: Engineer, action: Action) -> str | None:
        """Why `engineer` may not do `action` on `incident` from the phone now, or None."""
        if not _was_paged(uow, incident.id, engineer.id):
            return f"You were not paged for #{incident.id}: ask the engineer on call or use Slack."
        if incident.state is IncidentState.RESOLVED:
            at = self._local(incident.resolved_at)
            return f"#{incident.id} is already resolved by {incident.resolved_by}{at}."
        if action is Action.ACKNOWLEDGE and incident.acknowledged_by is not None:
            at = self._local(incident.acknowledged_at)
            return (
                f"#{incident.id} is already acknowledged by {incident.acknowledged_by}{at}. "
                f"Reply '{incident.id} resolve' when it is fixed."
            )
        return None

    def _done_text(self, incident: Incident, action: Action) -> str:
        service = self.service(incident.service).name
        if action is Action.RESOLVE:
            return f"Resolved #{incident.id} ({incident.summary} on {service})."
        return (
            f"Acknowledged #{incident.id} ({incident.summary} on {service}). "
            f"Reply '{incident.id} resolve' when it is fixed."
        )

    def _local(self, at: datetime | None) -> str:
        return "" if at is None else f" at {at.astimezone(self.rota.engine.timezone):%H:%M %a %d %b}"


def _spoken(text: str) -> str:
    """An SMS answer as said in a call: "#4" read as "incident 4", no advice to reply."""
    return text.split(" Reply ", 1)[0].replace("#", "incident ")


def _was_paged(uow: UnitOfWork, incident_id: int, engineer: str) -> bool:
    return any(e.kind == "paged" and e.data.get("engineer") == engineer for e in entries(uow, incident_id))
