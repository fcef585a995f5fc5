"""Email over SMTP (smtplib): 4xx answers are retried, 5xx and refused recipients are not.

Each message's Message-ID is made from its outbox key, so a message sent again after an attempt whose
outcome was lost carries the same Message-ID, and mail systems drop the repeat.
"""

from __future__ import annotations

import hashlib
import re
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage

from opsdesk.domain.outbox import Arrival, DeliveryError, OutgoingMessage

DOMAIN = re.compile(
    r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


def message_id(key: str, sender: str) -> str:
    """An RFC 5322 msg-id, `<id-left@id-right>`, unique per outbox key and the same for every attempt.

    The key may hold any character (colons, spaces): it is hashed, so the left part is a plain dot-atom.
    The right part is the sender's domain when that is a plain host name, else `opsdesk.invalid`.
    """
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    domain = sender.rpartition("@")[2].strip().strip(">").lower()
    return f"<{digest}.opsdesk@{domain if DOMAIN.fullmatch(domain) else 'opsdesk.invalid'}>"


class EmailChannel:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 10,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self._username, self._password = username, password
        self.starttls, self.timeout = starttls, timeout

    def send(self, message: OutgoingMessage) -> None:
        email = self._email(message)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self._username and self._password:
                    smtp.login(self._username, self._password)
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(
                f"SMTP refused the recipient {message.destination}: {_codes(exc)}", permanent=True
            ) from None
        except smtplib.SMTPResponseException as exc:
            text = (
                exc.smtp_error.decode(errors="replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            raise DeliveryError(f"SMTP {exc.smtp_code} {text}", permanent=exc.smtp_code >= 500) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP server unreachable: {exc}") from None

    def _email(self, message: OutgoingMessage) -> EmailMessage:
        """The message with its headers; a reply carries its own Message-ID and the thread (In-Reply-To,
        References), and says it was sent automatically (RFC 3834), so auto-responders leave it be."""
        payload = message.payload
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.destination
        email["Subject"] = _one_line(str(payload.get("subject", "opsdesk")))[:250]
        email["Message-ID"] = str(
            payload.get("message_id") or message_id(message.idempotency_key, self.sender)
        )
        if payload.get("in_reply_to"):
            email["In-Reply-To"] = _one_line(str(payload["in_reply_to"]))
            thread = [_one_line(str(ref)) for ref in payload.get("references", [])][-20:]
            email["References"] = " ".join(thread or [email["In-Reply-To"]])
        if payload.get("reply_to"):
            email["Reply-To"] = _one_line(str(payload["reply_to"]))
        if payload.get("auto_submitted"):
            email["Auto-Submitted"] = str(payload["auto_submitted"])
        email.set_content(str(payload.get("text", "")))
        return email

    def arrival(self, message: OutgoingMessage, since: datetime) -> Arrival:
        """Sent again: the same Message-ID lets mail systems drop a repeat."""
        return Arrival.SEND


def _one_line(text: str) -> str:
    """A header value on one line: any CR, LF or other control character becomes a space."""
    return " ".join("".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in text).split())


def _codes(exc: smtplib.SMTPRecipientsRefused) -> str:
    return ", ".join(f"{code}" for code, _ in exc.recipients.values())
