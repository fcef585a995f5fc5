"""Critical-incident email in: a message opens an incident on the policy's email service (routed by cover as
alarms are), or becomes a note on the incident of its thread; the sender is answered, threaded, through the
outbox. Everything for one message happens in one unit of work, so it is kept whole or not at all, and a
message kept once (by Message-ID) is never taken again."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from opsdesk.domain.errors import IncidentError
from opsdesk.domain.hours import Cover, CoverAt
from opsdesk.domain.incidents.email import EmailOutcome, EmailRecord, IncidentEmail, why_silent
from opsdesk.domain.incidents.email_reply import (
    CHANNEL_ID,
    Situation,
    channel_text,
    reply_id,
    reply_subject,
    reply_text,
)
from opsdesk.domain.incidents.model import Alarm, Incident, IncidentState, MonitoredService
from opsdesk.domain.incidents.routing import Routing
from opsdesk.domain.notices import ChannelPost, DirectMessage, EmailReply
from opsdesk.domain.rota import Role, holding
from opsdesk.domain.timeline import Actor, Source, TimelineEntry
from opsdesk.services.incidents.intake import IntakeSteps
from opsdesk.services.unit_of_work import UnitOfWork

FACTS_ON_TIMELINE = 4000  # characters of the known facts on the timeline entry (all are in the details)
AUTOMATIC_REPLIES = (
    "auto-submitted: auto-replied",
    "a delivery report",
    "x-autoreply",
    "x-autorespond",
    "precedence: auto_reply",
)
BOUNCERS = ("mailer-daemon", "postmaster")
IGNORED_RAW = 64 * 1024  # of a bounce or auto-reply, kept for audit (anyone may send those)
REFERENCES_KEPT = 19  # ids of the thread in a reply's References, before the message answered


@dataclass(frozen=True)
class Received:
    """What became of a message: for the SMTP answer and the log."""

    outcome: EmailOutcome | None  # None: a repeat of a message kept already
    incident: int | None

    def said(self) -> str:
        """The end of the `250` line: what the sender's mail server logs."""
        if self.outcome is None:
            return f"already received (incident #{self.incident})" if self.incident else "already received"
        if self.outcome is EmailOutcome.OPENED:
            return f"incident #{self.incident} opened"
        if self.outcome is EmailOutcome.FOLLOW_UP:
            return f"added to incident #{self.incident}"
        return "received; automatic mail is not answered"


class EmailSteps(IntakeSteps):
    """Intake by email, beside alarms (IntakeSteps)."""

    def receive(self, email: IncidentEmail, raw: bytes) -> Received:
        """Take in one message: once per Message-ID, whole or not at all (commit before the SMTP `250`)."""
        policy = self.email_policy
        if not policy.service:
            raise IncidentError("email intake is not set up: name `email.service` in the policy")
        service = self.service(policy.service)
        now = self.clock.now()
        with self.transaction() as uow:
            # The receipt is the claim: a second delivery of the same message at the same moment waits for
            # the first's commit here, then finds it kept.
            if not uow.receipts.receipt(f"email:{_digest(email.message_id)}", now):
                kept = uow.emails.get(email.message_id)
                return Received(None, kept.incident if kept else None)
            record = EmailRecord(
                email.message_id,
                None,
                EmailOutcome.IGNORED,
                email.sender,
                email.author,
                email.subject,
                email.channel,
                now,
                raw[
                    : policy.raw_bytes if not _automatic_reply(email) else min(policy.raw_bytes, IGNORED_RAW)
                ],
                len(raw),
            )
            received, record = self._take(uow, service, email, record, now)
            if not uow.emails.add(record):  # the receipt above makes this impossible: never commit half
                raise IncidentError(f"the message {email.message_id[:80]} is kept already")
            return received

    def _take(
        self,
        uow: UnitOfWork,
        service: MonitoredService,
        email: IncidentEmail,
        record: EmailRecord,
        now: datetime,
    ) -> tuple[Received, EmailRecord]:
        """What a new message becomes: a note in its thread, nothing (automatic replies), or an incident."""
        thread = uow.incidents.get(found) if (found := uow.emails.incident_for(email.thread)) else None
        if _automatic_reply(email):
            return Received(EmailOutcome.IGNORED, None), replace(record, silent=email.automatic or "a bounce")
        if thread is not None and thread.state is not IncidentState.RESOLVED:
            self._follow_up(uow, thread, email, now)
            kept = replace(record, incident=thread.id, outcome=EmailOutcome.FOLLOW_UP, silent="a follow-up")
            return Received(EmailOutcome.FOLLOW_UP, thread.id), kept
        # A new thread, or one whose incident is resolved: "it is down again" is a new incident, routed now.
        cover = self.rota.engine.cover_at(now)
        actor = Actor(email.author or email.sender, Source.EMAIL)
        alarm = _alarm(service.id, email, thread.id if thread else None)
        incident, _ = uow.incidents.open_or_join(alarm, cover.cover, now)
        routing = self._opened(uow, service, incident, actor, cover, now)
        self._email_entry(uow, incident.id, email, now)
        situation = self._situation(incident.id, cover, routing, now)
        self._tell(uow, incident, email, situation)
        sent = uow.emails.replies_since(email.reply_to, now - timedelta(hours=1)) if email.reply_to else 0
        silent = why_silent(email, sent, self.email_policy)
        record = replace(record, incident=incident.id, outcome=EmailOutcome.OPENED, silent=silent)
        if silent is None:
            record = self._reply(uow, record, email, situation, now)
        return Received(EmailOutcome.OPENED, incident.id), record

    def _reply(
        self, uow: UnitOfWork, record: EmailRecord, email: IncidentEmail, situation: Situation, now: datetime
    ) -> EmailRecord:
        """The answer to the sender, threaded under their message, kept with its own Message-ID; replies to it
        come to the intake address."""
        key = f"email:{_digest(email.message_id)}:reply"
        address = self.email_policy.addresses[0] if self.email_policy.addresses else ""
        own = reply_id(key, address)
        reply = EmailReply(
            email.reply_to,
            reply_subject(situation.incident, email.subject),
            reply_text(email, situation),
            email.message_id,
            references(email),
            own,
            key,
            reply_to=address or None,
        )
        self.notifier.send(uow.outbox, reply, now)
        return replace(record, reply_id=own, reply_to=email.reply_to)

    def _tell(self, uow: UnitOfWork, incident: Incident, email: IncidentEmail, situation: Situation) -> None:
        """In support hours the support engineer is told directly; and the channel named hears of it."""
        now = situation.now
        if situation.cover is Cover.SUPPORT and situation.routing.name is not None:
            text = (
                f"Incident #{incident.id} came in by email from {email.author or email.sender} in support "
                f"hours: {email.subject}. Pick it up, or hand it to the on-call engineer: "
                f"opsdesk incident show {incident.id}"
            )
            key = f"email:{_digest(email.message_id)}:support"
            message = DirectMessage(situation.routing.name, f"Incident #{incident.id} by email", text, key)
            self.notifier.send(uow.outbox, message, now)
        self._post_channel(uow, email, situation)

    def _post_channel(self, uow: UnitOfWork, email: IncidentEmail, situation: Situation) -> None:
        """With Slack set up and a channel named, the conversation starts there: the incident is open, and
        who is on call."""
        if not email.channel or "slack" not in self.notifier.channels:
            return
        text = channel_text(email, situation, self._on_call(situation.now))
        key = f"email:{_digest(email.message_id)}:channel"
        paged, _ = situation.routing.first_paged()
        mention = situation.routing.name or (paged[0] if paged else None)
        where = email.channel if CHANNEL_ID.fullmatch(email.channel) else f"#{email.channel}"
        self.notifier.send(uow.outbox, ChannelPost(where, text, key, "email", mention), situation.now)

    def _on_call(self, at: datetime) -> str:
        """Who holds each on-call role at `at` ("On call: primary alice, secondary bob.")."""
        tz = self.rota.engine.timezone
        held = [
            (role, holding(self.rota.rota, role, at, tz).engineer) for role in (Role.PRIMARY, Role.SECONDARY)
        ]
        named = ", ".join(f"{role} {engineer}" for role, engineer in held if engineer)
        return f"On call: {named}." if named else "Nobody holds on-call now."

    def _situation(self, incident: int, cover: CoverAt, routing: Routing, now: datetime) -> Situation:
        """What the reply and the channel post tell of the incident: its cover, routing, and when cover
        resumes (the held page's time, else the end of the current cover)."""
        at = routing.page_at or cover.until
        when = self._when(at) if at is not None else "the next cover window"
        return Situation(incident, cover.cover, routing, now, when, self.email_policy.support_channel)

    def _follow_up(self, uow: UnitOfWork, incident: Incident, email: IncidentEmail, now: datetime) -> None:
        """A message in an incident's thread: a note on its timeline and a post to its service's channel. A
        channel named now, when none was before, becomes the incident's (and hears of it, with Slack)."""
        who = email.author or email.sender
        note = f"email from {who}: {email.subject}\n{email.facts[:FACTS_ON_TIMELINE]}".strip()
        uow.incidents.entry(incident.id, TimelineEntry(now, who, Source.EMAIL, "note", note, _details(email)))
        text = f"Incident #{incident.id}: a follow-up email from {who}: {email.subject}"
        if incident.service not in self._by_id:  # the service left the policy: the note is kept, no posts
            return
        self._post(uow, incident, f"email:{_digest(email.message_id)}", text, now)
        origin = incident.details.get("origin")
        if email.channel and isinstance(origin, dict) and not origin.get("channel"):
            details = {**incident.details, "origin": {**origin, "channel": email.channel}}
            uow.incidents.update(incident.id, {"details": details})
            cover = self.rota.engine.cover_at(incident.opened_at)
            routing = self._route(self.service(incident.service), cover)
            self._post_channel(uow, email, self._situation(incident.id, cover, routing, now))

    def _email_entry(self, uow: UnitOfWork, incident_id: int, email: IncidentEmail, now: datetime) -> None:
        who = email.author or email.sender
        message = f"email from {who}: {email.facts[:FACTS_ON_TIMELINE]}".strip()
        uow.incidents.entry(
            incident_id, TimelineEntry(now, who, Source.EMAIL, "email", message, _details(email))
        )


def _alarm(service: str, email: IncidentEmail, follows: int | None) -> Alarm:
    """The incident's alarm: one per thread (its dedup key from the Message-ID), its origin in the details
    (and the resolved incident it follows, for a thread that came back)."""
    details: dict[str, object] = {
        "origin": {"kind": "email", "sender": email.author or email.sender, "channel": email.channel},
        "message_id": email.message_id,
        "facts": email.facts,
        **_details(email),
    }
    if follows is not None:
        details["follows"] = follows
    who = email.author or email.sender
    return Alarm(
        service, f"email:{_digest(email.message_id)}", email.subject, f"email:{who}", "critical", details
    )


def references(email: IncidentEmail) -> tuple[str, ...]:
    """The reply's References (RFC 5322): the thread so far, oldest first, then the message answered; when
    long, the first and the newest are kept."""
    thread = [ref for ref in email.thread if ref != email.message_id]
    kept = thread if len(thread) <= REFERENCES_KEPT else [thread[0], *thread[-(REFERENCES_KEPT - 1) :]]
    return (*kept, email.message_id)


def _details(email: IncidentEmail) -> dict[str, object]:
    found: dict[str, object] = {}
    if email.attachments:
        found["attachments"] = [
            {"name": a.name, "type": a.content_type, "bytes": a.size} for a in email.attachments
        ]
    if email.problems:
        found["problems"] = list(email.problems)
    return found


def _automatic_reply(email: IncidentEmail) -> bool:
    """A bounce, a delivery report or an auto-reply: an answer to something, never a new incident (other
    automatic mail, such as a monitor's alert, opens one and is not answered)."""
    reason = (email.automatic or "").lower()
    bounced = reason.startswith("sent by ") and any(name in reason for name in BOUNCERS)
    return not email.sender or bounced or reason.startswith(AUTOMATIC_REPLIES)


def _digest(message_id: str) -> str:
    return hashlib.sha256(message_id.encode()).hexdigest()[:32]
