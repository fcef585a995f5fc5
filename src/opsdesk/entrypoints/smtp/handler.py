"""The SMTP dialogue of the critical-incident address (aiosmtpd hooks): who may send, to which address, how
large, and the answer to DATA, which is `250` only once the message is committed to the database.

Every refusal is a 5xx with a reason a person can act on; a failure of ours is a 451, so the sender's mail
server tries again and nothing is lost.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from typing import TYPE_CHECKING

from aiosmtpd.smtp import SMTP, Envelope, Session

from opsdesk.adapters.email.inbound import parse_email
from opsdesk.domain.errors import DomainError
from opsdesk.domain.incidents.email import EmailPolicy, IncidentEmail, Verdict

if TYPE_CHECKING:
    from opsdesk.bootstrap.application import Application

logger = logging.getLogger("opsdesk.smtp")
OK = "250 2.0.0 OK"


class IntakeHandler:
    """aiosmtpd's handler: MAIL, RCPT and DATA checked against the policy in force at each step."""

    def __init__(self, current: Callable[[], Application], executor: Executor) -> None:
        self.current = current
        self.executor = executor

    @property
    def policy(self) -> EmailPolicy:
        return self.current().policy.email

    async def handle_MAIL(  # noqa: N802  (aiosmtpd's hook names)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        policy = self.policy
        refusal = _relay_refusal(policy, session) or _sender_refusal(policy, address)
        if refusal:
            logger.info("refused", extra={"at": "MAIL", "peer": _peer(session), "why": refusal})
            return refusal
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return OK

    async def handle_RCPT(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        policy = self.policy
        if not policy.accepts_recipient(address):
            to = policy.addresses[0] if policy.addresses else "the published on-call address"
            return f"550 5.1.1 No such mailbox here: critical incidents go to {to}"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return OK

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        policy = self.policy
        raw = envelope.original_content or b""
        if len(raw) > policy.max_bytes:  # the listener's limit may have been larger when it connected
            return _too_large(policy)
        sender = envelope.mail_from or ""
        sender = "" if sender in {"<>", ""} else sender
        peer = _peer(session)
        # Parsing a hostile message can take seconds, and storing waits on the database: neither may hold
        # the event loop that every other connection is served from.
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self.executor, self._answer, raw, sender, peer
            )
        except RuntimeError:  # the listener is stopping: a temporary refusal, so the sender tries again
            return "421 4.3.2 opsdesk is restarting; your server will retry"

    def _answer(self, raw: bytes, sender: str, peer: str) -> str:
        try:
            return self._take(raw, sender, peer)
        except Exception as exc:  # a bug of ours: the sender's server keeps the message and tries again
            logger.error("email not taken", extra={"peer": peer, "why": type(exc).__name__})
            return "451 4.3.0 opsdesk could not take the message just now; your server will retry"

    def _take(self, raw: bytes, sender: str, peer: str) -> str:
        """Parse, check and store one message (on a worker thread); the answer to its DATA."""
        app = self.current()
        policy = app.policy.email
        email = parse_email(raw, sender=sender, policy=policy)
        refusal = _content_refusal(policy, email)
        if refusal:
            logger.info("refused", extra={"at": "DATA", "peer": peer, "why": refusal})
            return refusal
        try:
            received = app.incidents.receive(email, raw)
        except DomainError as exc:  # the policy is not set up for email: keep the mail queued upstream
            logger.error("email not taken", extra={"why": str(exc), "message_id": email.message_id[:100]})
            return "451 4.3.0 opsdesk cannot take mail just now (it is not set up); your server will retry"
        except Exception as exc:  # storage down, a bug: the sender keeps the message and tries again
            # The kind of failure only: its text may quote the message.
            logger.error(
                "email not taken", extra={"message_id": email.message_id[:100], "why": type(exc).__name__}
            )
            return "451 4.3.0 opsdesk could not store the message just now; your server will retry"
        logger.info(
            "email taken",
            extra={"message_id": email.message_id[:100], "outcome": received.said(), "peer": peer},
        )
        return f"250 2.0.0 Accepted: {received.said()}"


def _peer(session: Session) -> str:
    peer = session.peer
    return str(peer[0]) if isinstance(peer, tuple) and peer else str(peer)


def _relay_refusal(policy: EmailPolicy, session: Session) -> str | None:
    """With trusted relays named, mail from anywhere else is refused: it would skip the relay's checks."""
    if not policy.trusted_relays:
        return None
    try:
        peer = ipaddress.ip_address(_peer(session))
    except ValueError:
        peer = None
    # Listening on "::", an IPv4 relay connects as ::ffff:10.20.0.5: compare its IPv4 address too.
    mapped = peer.ipv4_mapped if isinstance(peer, ipaddress.IPv6Address) else None
    networks = [ipaddress.ip_network(net, strict=False) for net in policy.trusted_relays]
    if any(address in net for address in (peer, mapped) if address is not None for net in networks):
        return None
    return "550 5.7.1 This address takes mail only through the organisation's mail relay; send it through your usual mail server"


def _sender_refusal(policy: EmailPolicy, address: str) -> str | None:
    if address in {"", "<>"}:  # the null sender of a bounce: taken, kept, never answered
        return None
    if policy.accepts_sender(address):
        return None
    return (
        "550 5.7.1 Mail from this domain is not accepted here: the critical-incident address takes reports "
        "only from the organisations it serves"
    )


def _content_refusal(policy: EmailPolicy, email: IncidentEmail) -> str | None:
    """The From header's domain (whom a reply goes to), and the relay's DMARC verdict."""
    if email.sender and email.author and not policy.accepts_sender(email.author):
        return (
            "550 5.7.1 The From address's domain is not accepted here: write from your organisation's address"
        )
    if policy.authserv_id and email.dmarc is Verdict.FAIL:
        return (
            "550 5.7.1 The sender's domain failed DMARC at our mail relay, so this message may be forged and "
            "was not taken; if it is genuine, ask your mail administrators to check SPF and DKIM"
        )
    if policy.require_dmarc_pass and email.dmarc is not Verdict.PASS:
        return (
            "550 5.7.1 Our mail relay could not confirm the sender's domain (DMARC did not pass), so this "
            "message was not taken; send it from your organisation's mail server"
        )
    return None


def _too_large(policy: EmailPolicy) -> str:
    mb = policy.max_bytes / (1024 * 1024)
    return (
        f"552 5.3.4 The message is larger than this address takes ({mb:g} MB): send the facts as text and "
        "link to large files instead of attaching them"
    )


class IntakeSMTP(SMTP):
    """aiosmtpd's server, saying in a person's words why a message over the size limit was refused."""

    def __init__(self, handler: IntakeHandler, policy: EmailPolicy, **kwargs: object) -> None:
        super().__init__(handler, data_size_limit=policy.max_bytes, **kwargs)  # type: ignore[arg-type]
        self._limit_said = _too_large(policy)

    async def push(self, status: str) -> None:  # type: ignore[override]
        if status.startswith("552 Error"):  # aiosmtpd's own words for "too large"
            status = self._limit_said
        await super().push(status)
