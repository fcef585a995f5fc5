"""People acting on briefings: the support engineer's notes, acknowledgements, and the chase of a briefing
nobody acknowledged (the receivers reminded, then the giver told)."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

from opsdesk.domain.errors import HandoverError, HandoverNotAllowedError, UnknownHandoverError
from opsdesk.domain.handover.acks import check_acknowledge, giver_told_due, name
from opsdesk.domain.handover.model import Acknowledgement, HandoverRecord, Note
from opsdesk.domain.jobs import Job
from opsdesk.domain.notices import ChannelPost, ChatMessage, DirectMessage, HandoverNotice, MessageUpdate
from opsdesk.domain.rota import Engineer
from opsdesk.domain.timeline import Actor
from opsdesk.services.handover.context import CHASE_JOB, TICK, HandoverContext
from opsdesk.services.unit_of_work import UnitOfWork

ALLOWED_CONTROLS = "\n\t"
WEEK = timedelta(days=7)  # how far back `ack` without an id looks for a briefing waiting


class ActingSteps(HandoverContext):
    def note(self, text: str, actor: Actor) -> Note:
        """A note for the next handover (kept until it is made, then shown in it)."""
        cleaned = self._checked_note(text)
        with self.transaction() as uow:
            return uow.handovers.add_note(self.clock.now(), actor.name, cleaned)

    def _checked_note(self, text: str) -> str:
        cleaned = text.strip()
        if not cleaned:
            raise HandoverError("the note is empty: write what the on-call engineers should know")
        limit = self.policy.note_limit
        if len(cleaned) > limit:
            raise HandoverError(
                f"a note is at most {limit} characters and this one has {len(cleaned)}: shorten it, or link "
                "to the details"
            )
        bad = next(
            (c for c in cleaned if unicodedata.category(c) == "Cc" and c not in ALLOWED_CONTROLS), None
        )
        if bad is not None:
            raise HandoverError(
                f"the note holds the control character U+{ord(bad):04X}: write it as plain text"
            )
        return cleaned

    def acknowledge(self, handover_id: int | None, engineer: str, actor: Actor) -> HandoverRecord:
        """`engineer` (a receiver) acknowledges the record (by default the latest one they receive that
        nobody has acknowledged); who, when and from where are kept and said in the team's channel."""
        person = self._engineer(engineer)
        now = self.clock.now()
        with self.transaction() as uow:
            record = self._get(uow, handover_id) if handover_id else self._waiting_for(uow, person.id, now)
            return self._acknowledge(uow, record, person, actor, now)

    def acknowledge_from_message(
        self, handover_id: int, engineer: str, actor: Actor, receipt: str, message: ChatMessage | None
    ) -> HandoverRecord | None:
        """Acknowledge as pressed on the briefing's message: taken in once per `receipt` (None: this press
        was taken in before, nothing is done again), in one unit of work with the message's rewrite (through
        the outbox). HandoverError when it cannot be done (not a receiver, acknowledged already)."""
        person = self._engineer(engineer)
        now = self.clock.now()
        with self.transaction() as uow:
            record = self._get(uow, handover_id)
            if not uow.receipts.receipt(receipt, now):
                return None
            done = self._acknowledge(uow, record, person, actor, now)
            if message is not None:
                self.notifier.send(uow.outbox, self._rewrite(done, message), now)
            return done

    def _engineer(self, engineer: str) -> Engineer:
        person = self.people.find(engineer)
        if person is None:
            known = ", ".join(e.id for e in self.people.engineers) or "none (add them under `engineers:`)"
            raise HandoverNotAllowedError(
                f"{engineer!r} is not an engineer of the team; the engineers are: {known}"
            )
        return person

    def _acknowledge(
        self, uow: UnitOfWork, record: HandoverRecord, person: Engineer, actor: Actor, now: datetime
    ) -> HandoverRecord:
        check_acknowledge(record, person.id)
        done = uow.handovers.acknowledge(record.id, Acknowledgement(person.id, now, str(actor.source)))
        post = ChannelPost(
            self.policy.channel, self._acknowledged(done), f"{record.key}:acknowledged", "handover"
        )
        self.notifier.send(uow.outbox, post, now)
        return done

    def _acknowledged(self, record: HandoverRecord) -> str:
        """`The handover #3 was acknowledged by Alice at 16:05 (slack).`"""
        ack = record.acknowledgement
        assert ack is not None  # said only of a record acknowledged
        person = self.people.by_id(ack.by)
        when = ack.at.astimezone(self.rota.engine.timezone)
        who = person.name if person is not None else ack.by
        return f"{name(record).capitalize()} was acknowledged by {who} at {when:%H:%M} ({ack.via})."

    def _rewrite(self, record: HandoverRecord, message: ChatMessage) -> MessageUpdate:
        """The briefing's message as it reads once acknowledged: the briefing, who acknowledged it and
        when, and no button."""
        tz = self.rota.engine.timezone
        briefing = HandoverNotice(record.id, record.briefing, self.policy.channel, (), tz, record.key)
        key = f"update:handover:{record.id}:{message.channel}:{message.ts}"
        return MessageUpdate(message.channel, message.ts, self._acknowledged(record), key, briefing=briefing)

    def _waiting_for(self, uow: UnitOfWork, engineer: str, now: datetime) -> HandoverRecord:
        for record in uow.handovers.between(now - WEEK, now + TICK):
            receivers = [p.id for p in record.briefing.receivers]
            if record.kind.acknowledged and record.acknowledgement is None and engineer in receivers:
                return record
        raise UnknownHandoverError(
            f"nothing is waiting for {engineer} to acknowledge: `opsdesk handover list` shows the ones kept, "
            "and `opsdesk handover ack ID` acknowledges one"
        )

    def run_chase(self, job: Job) -> None:
        """The handler of CHASE_JOB: unacknowledged after the policy's time, the receivers are reminded;
        after the next stretch, the giver is told. Nothing once it is acknowledged."""
        now = self.clock.now()
        with self.transaction() as uow:
            record = uow.handovers.get(int(job.payload["handover"]))
            if record is None or record.acknowledgement is not None:
                return
            if job.payload.get("step") == "remind":
                self._remind(uow, record, now)
            else:
                self._tell_giver(uow, record, now)

    def _remind(self, uow: UnitOfWork, record: HandoverRecord, now: datetime) -> None:
        minutes = int(self.policy.acknowledge_within.total_seconds() // 60)
        subject = f"[opsdesk] Not acknowledged: {name(record)}"
        text = (
            f"Nobody has acknowledged {name(record)} after {minutes} minutes. Read it and acknowledge: "
            f"`opsdesk handover ack {record.id}`."
        )
        for person in record.briefing.receivers:
            message = DirectMessage(person.id, subject, text, f"{record.key}:remind:{person.id}")
            self.notifier.send(uow.outbox, message, now)
        uow.handovers.mark(record.id, reminded_at=now)
        payload = {"handover": record.id, "step": "tell"}
        uow.jobs.schedule(CHASE_JOB, f"{record.key}:tell", giver_told_due(record, self.policy), payload)

    def _tell_giver(self, uow: UnitOfWork, record: HandoverRecord, now: datetime) -> None:
        receivers = " and ".join(p.name for p in record.briefing.receivers)
        subject = f"[opsdesk] Still not acknowledged: {name(record)}"
        text = (
            f"{receivers} {'has' if len(record.briefing.receivers) == 1 else 'have'} not acknowledged "
            f"{name(record)}, even after a reminder. Reach them another way (a call), and say in the "
            "team's channel who has it."
        )
        for person in record.briefing.giver:
            message = DirectMessage(person.id, subject, text, f"{record.key}:tell:{person.id}")
            self.notifier.send(uow.outbox, message, now)
        post = ChannelPost(
            self.policy.channel,
            f"{subject.removeprefix('[opsdesk] ')}: {text}",
            f"{record.key}:told",
            "handover",
        )
        self.notifier.send(uow.outbox, post, now)
        uow.handovers.mark(record.id, escalated_at=now)
