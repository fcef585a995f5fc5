"""Email over SMTP (smtplib): 4xx answers are retried, 5xx and refused recipients are not."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from opsdesk.domain.outbox import DeliveryError, OutgoingMessage


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
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.destination
        email["Subject"] = str(message.payload.get("subject", "opsdesk"))[:250]
        email["Message-ID"] = f"<{message.idempotency_key}@opsdesk>"  # lets mail clients drop a repeat
        email.set_content(str(message.payload.get("text", "")))
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


def _codes(exc: smtplib.SMTPRecipientsRefused) -> str:
    return ", ".join(f"{code}" for code, _ in exc.recipients.values())
