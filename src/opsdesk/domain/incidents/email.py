"""Critical-incident email as values: a message taken in (already parsed), the email policy, the Slack
channel a sender names, and when a reply may be sent (never to automatic mail, at most so many an hour)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

MESSAGE_ID_LIMIT = 255  # a stored Message-ID (longer ones are cut: they are still unique enough)
THREAD_LIMIT = 50  # Message-IDs kept from References and In-Reply-To
ATTACHMENT_LIMIT = 50  # attachments listed per message

# A Slack channel as a sender names it: a link to it, its id, or `#name`. Names are lower-case letters,
# digits, `-`, `_` and `.`, at most 80 characters, and hold a letter (so "incident #12" names none).
# Plain text is full of look-alikes ("CONNECTION REFUSED", "GATEWAY502", "our Slack channel is down",
# "color #fff"), so a bare id counts only after "channel", "in" or "join" and with a digit in it (after "in"
# or "join", not shaped like a word and a number), and a name after "Slack channel" only with a `-`, `_` or
# digit in it.
_LINK = re.compile(r"https?://[A-Za-z0-9-]+\.slack\.com/archives/([CG][A-Z0-9]{8,12})\b")
_APP_LINK = re.compile(r"slack://channel\?[^\s]*?\bid=([CG][A-Z0-9]{8,12})\b")
_NAME = re.compile(r"(?<![\w#&/])#([a-z0-9][a-z0-9._-]{0,79})(?![\w.-]*@)", re.IGNORECASE)
_ID = re.compile(r"(?i:\bchannel(?:[^\S\n]+id)?[^\S\n]*(?:[:=-]|\bis\b)?)[^\S\n]*([CG][A-Z0-9]{8,12})(?!\w)")
_ID_IN = re.compile(r"(?i:\b(?:in|join))[^\S\n]+([CG][A-Z0-9]{8,12})(?!\w)")
_WORD_NUMBER = re.compile(r"[A-Z]+[0-9]+")  # "GATEWAY502", "CLUSTER01"
_SAID = re.compile(
    r"\bslack channel\b[^\S\n]*(?:is|:|-)?[^\S\n]*([a-z0-9][a-z0-9._-]{1,79})\b", re.IGNORECASE
)
_COLOUR = re.compile(r"[0-9a-f]{3}|[0-9a-f]{6}", re.IGNORECASE)  # "#fff", "#ff0000": CSS, not a channel


class Verdict(StrEnum):
    """What the trusted relay's Authentication-Results said of the sender's DMARC."""

    PASS = "pass"  # noqa: S105  (a DMARC result, not a password)
    FAIL = "fail"
    NONE = "none"  # no verdict: no header from the relay, or none for DMARC


@dataclass(frozen=True)
class Attachment:
    """An attachment, listed and never opened."""

    name: str
    content_type: str
    size: int  # bytes, after decoding


@dataclass(frozen=True)
class IncidentEmail:
    """A message to the critical-incident address, parsed from MIME (adapters/email/inbound.py)."""

    message_id: str  # as sent, "<...>"; made from the message's digest when it has none
    sender: str  # the envelope sender (MAIL FROM); "" for the null sender of a bounce
    author: str  # the From header's address ("" when there is none that parses)
    subject: str  # one line: no control characters, at most SUMMARY_LIMIT characters
    facts: str  # the plain text (or the text of an HTML-only body), capped
    channel: str | None = None  # the Slack channel the sender named (an id, or a name without "#")
    thread: tuple[str, ...] = ()  # Message-IDs of the thread, oldest first: References, then In-Reply-To
    attachments: tuple[Attachment, ...] = ()
    automatic: str | None = (
        None  # why it must never be answered (Auto-Submitted, bulk, a list); None: a person
    )
    dmarc: Verdict = Verdict.NONE
    problems: tuple[str, ...] = ()  # what was odd about it (kept with the incident; never a refusal)
    made_id: bool = False  # the Message-ID was made here (the message had none)

    @property
    def reply_to(self) -> str:
        """Whom a reply goes to: the author, else the envelope sender."""
        return self.author or self.sender


class EmailOutcome(StrEnum):
    """What became of a message taken in."""

    OPENED = "opened"  # it opened an incident
    FOLLOW_UP = "follow-up"  # in the thread of an earlier message: a note on that incident
    IGNORED = "ignored"  # a bounce or other automatic mail with no thread: kept, nothing opened


@dataclass(frozen=True)
class EmailRecord:
    """A message taken in, as kept: for idempotency (its Message-ID), threads, the reply limit and audit."""

    message_id: str
    incident: int | None  # the incident it opened or joined (None: ignored)
    outcome: EmailOutcome
    sender: str
    author: str
    subject: str
    channel: str | None
    received_at: datetime
    raw: bytes  # the message as received, cut at the policy's raw-bytes
    raw_size: int  # its whole size
    reply_id: str | None = None  # the Message-ID of the reply sent (None: no reply)
    reply_to: str | None = None  # whom the reply went to
    silent: str | None = None  # why no reply was sent


@dataclass(frozen=True)
class EmailPolicy:
    """The policy's `email:` section, as the domain needs it."""

    enabled: bool = False
    service: str | None = None  # the monitored service whose incidents email opens
    addresses: tuple[str, ...] = ()  # the accepted recipients, lower case
    sender_domains: tuple[str, ...] = ()  # the allow-list, lower case; a domain covers its subdomains
    host: str = "127.0.0.1"
    port: int = 2525
    max_bytes: int = 10 * 1024 * 1024  # a message larger is refused in the SMTP dialogue
    raw_bytes: int = 1024 * 1024  # the raw message kept for audit, cut at this
    facts_chars: int = 20_000  # the known facts kept from the body
    attachment_bytes: int = 5 * 1024 * 1024  # an attachment larger is listed as cut
    replies_per_hour: int = 5  # to one sender
    trusted_relays: tuple[str, ...] = ()  # IP networks of the organisation's mail relay
    authserv_id: str | None = None  # the relay's name in Authentication-Results
    require_dmarc_pass: bool = False  # with a trusted relay: refuse mail without a DMARC pass
    certificate: str | None = None  # a PEM certificate (and key) for STARTTLS
    private_key: str | None = None
    support_channel: str | None = None  # named in the reply in support hours (default: changes.ask-channel)
    hostname: str = "opsdesk"  # the name the listener greets with

    def accepts_recipient(self, address: str) -> bool:
        return address.strip().lower() in self.addresses

    def accepts_sender(self, address: str) -> bool:
        """The address's domain is in the allow-list (or a subdomain of one in it)."""
        domain = address.strip().rpartition("@")[2].lower().rstrip(".>")
        if not domain or "@" not in address:
            return False
        return any(domain == d or domain.endswith(f".{d}") for d in self.sender_domains)


def named_channel(*texts: str) -> str | None:
    """The Slack channel named in the texts (the first text that names one wins): a Slack link, a channel
    id ("channel C0123ABCDEF", "in C0123ABCDEF"), `#name`, or "Slack channel: name-with-a-dash"; the id or
    the name without "#"."""
    for text in texts:
        for pattern in (_LINK, _APP_LINK, _NAME, _ID, _ID_IN, _SAID):
            for found in pattern.finditer(text):
                if (value := _channel(pattern, found.group(1))) is not None:
                    return value
    return None


def _channel(pattern: re.Pattern[str], value: str) -> str | None:
    """The channel a match names, or None when it is a look-alike."""
    if pattern in (_ID, _ID_IN):
        if not any(c.isdigit() for c in value):
            return None
        return None if pattern is _ID_IN and _WORD_NUMBER.fullmatch(value) else value
    if pattern not in (_NAME, _SAID):
        return value
    value = value.lower().rstrip(".-_")
    if not any(c.isalpha() for c in value):
        return None
    if pattern is _NAME:
        return None if _COLOUR.fullmatch(value) else value
    return value if any(c.isdigit() or c in "-_" for c in value) else None


def replies_left(sent_last_hour: int, policy: EmailPolicy) -> bool:
    """A sender may get another reply: fewer than the limit in the last hour."""
    return sent_last_hour < policy.replies_per_hour


def why_silent(email: IncidentEmail, sent_last_hour: int, policy: EmailPolicy) -> str | None:
    """Why no reply is sent to this message (None: one is). Loops are impossible: automatic mail, bounces and
    lists are never answered, and a sender gets at most `replies_per_hour` replies an hour."""
    if not email.sender:
        return "the null sender (a bounce)"
    if email.automatic:
        return email.automatic
    if not email.reply_to:
        return "no address to answer"
    if not replies_left(sent_last_hour, policy):
        return f"{policy.replies_per_hour} replies to {email.reply_to} in the last hour already"
    return None
