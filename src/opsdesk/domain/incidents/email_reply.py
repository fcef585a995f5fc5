"""What opsdesk answers to a critical-incident email, and what it posts in the channel the sender named:
the incident's number and what happens next first, then what the sender can do."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from opsdesk.domain.hours import Cover
from opsdesk.domain.incidents.email import IncidentEmail
from opsdesk.domain.incidents.routing import Routing

SUBJECT_LIMIT = 200
CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{8,12}")


@dataclass(frozen=True)
class Situation:
    """What happened to the incident an email opened, as the reply tells it."""

    incident: int
    cover: Cover  # the cover when it arrived
    routing: Routing
    now: datetime
    when: str  # routing.page_at (or the end of the night) as people read it ("07:00 Sat 05 Dec")
    support_channel: str | None  # the team's support channel, named in support hours


def shown_channel(channel: str) -> str:
    """A Slack channel as a reader knows it: `#name`, or "the Slack channel C0123..." for an id."""
    name = channel.lstrip("#")
    return f"the Slack channel {name}" if CHANNEL_ID.fullmatch(name) else f"#{name}"


def reply_id(key: str, address: str) -> str:
    """The Message-ID of the reply kept under `key`, in the domain of the address it is sent from."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    domain = address.rpartition("@")[2].lower() or "opsdesk.invalid"
    return f"<{digest}.reply@{domain}>"


def reply_subject(incident: int, subject: str) -> str:
    cut = subject if len(subject) <= SUBJECT_LIMIT else f"{subject[: SUBJECT_LIMIT - 3]}..."
    return f"Re: {cut} [incident #{incident}]"


def reply_text(email: IncidentEmail, situation: Situation) -> str:
    """The reply: what happens next (paged now, paged when cover starts, the support engineer told), where
    the engineer will answer, or a request for the channel; then how to add facts."""
    number = f"Incident #{situation.incident}"
    lines = [_first(number, situation), ""]
    if email.channel:
        if situation.cover is not Cover.SUPPORT:
            lines.append(f"The engineer will answer in {shown_channel(email.channel)} on Slack.")
    else:
        lines.append(
            "Which Slack channel will you talk in? Reply to this email with it (for example "
            "#your-team-incident), so the engineer can find you."
        )
    lines += [
        "",
        f"To add facts, reply to this email: your reply is added to incident #{situation.incident}.",
        "This address is for critical incidents on the platform only. For other help, ask in support hours"
        + (f" in {shown_channel(situation.support_channel)}." if situation.support_channel else "."),
        "",
        "opsdesk (sent automatically)",
    ]
    return "\n".join(lines)


def _first(number: str, situation: Situation) -> str:
    """The most important sentence: who has been told, and when."""
    routing, when = situation.routing, situation.when
    paged, _ = routing.first_paged()
    if situation.cover is Cover.SUPPORT:
        where = (
            f" Talk to them in {shown_channel(situation.support_channel)} on Slack."
            if situation.support_channel
            else ""
        )
        if routing.name is None:
            return f"{number} is open. It is support hours, but nobody holds support right now.{where}"
        return f"{number} is open. It is support hours: the support engineer has been told.{where}"
    if routing.page_at is not None and routing.page_at <= situation.now and paged:
        return f"{number} is open, and the on-call engineer has been paged."
    if routing.page_at is not None and paged:
        return (
            f"{number} is recorded, but nobody is on call now. The on-call engineer will be paged when "
            f"cover starts, at {when}, unless it is resolved first."
        )
    if situation.cover is Cover.NONE:
        return (
            f"{number} is recorded, but nobody is on call now. The team will pick it up when cover "
            f"starts, at {when}."
        )
    return f"{number} is open and posted to the on-call team's channel; nobody could be paged automatically."


def channel_text(email: IncidentEmail, situation: Situation, on_call: str) -> str:
    """The post in the channel the sender named: the incident, who wrote, and who will answer (the same
    cases as the reply's first sentence)."""
    who = email.author or email.sender
    text = f"Incident #{situation.incident} is open, from an email by {who}: {email.subject}"
    routing = situation.routing
    paged, role = routing.first_paged()
    if situation.cover is Cover.SUPPORT:
        told = "the support engineer has been told" if routing.name else "but nobody holds support right now"
        return f"{text}\nIt is support hours: {told}. {on_call}"
    if routing.page_at is not None and routing.page_at <= situation.now and paged:
        return f"{text}\nThe on-call {role} has been paged and will answer here. {on_call}"
    if routing.page_at is not None and paged:
        return f"{text}\nNobody is on call now: the on-call {role} is paged at {situation.when}. {on_call}"
    return f"{text}\nNobody could be paged automatically: {routing.reason}. {on_call}"
