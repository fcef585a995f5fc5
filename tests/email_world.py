"""A world for critical-incident email: the real application on a real database and a virtual clock, the
real SMTP listener on a loopback port, and a fake SMTP server (aiosmtpd) that the outbox delivers replies to."""

from __future__ import annotations

import json
import smtplib
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.bootstrap import bootstrap
from opsdesk.bootstrap.application import Application
from opsdesk.config.settings import Settings
from opsdesk.domain.incidents.model import Incident
from opsdesk.domain.outbox import OutboxRow
from opsdesk.entrypoints.smtp.listener import Listener
from tests.fakes import SteppingClock
from tests.incident_world import policy_document

LONDON = ZoneInfo("Europe/London")
ADDRESS = "oncall@platform.gov.uk"
SENDER = "ops@dept.gov.uk"
FROM = "opsdesk@platform.gov.uk"  # what opsdesk's mail is sent from: not the intake address


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Mailbox:
    """The outgoing mail server: records each message delivered to it."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.recipients: list[list[str]] = []  # each message's envelope recipients

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.recipients.append(list(envelope.rcpt_tos))
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted"


def email_section(**extra: Any) -> dict[str, Any]:
    return {
        "enabled": True,
        "service": "platform",
        "addresses": [ADDRESS],
        "sender-domains": ["dept.gov.uk", "example.org"],
        "port": 0,
        "support-channel": "#platform-support",
        **extra,
    }


def message(
    subject: str = "Payments API down",
    body: str = "Since 21:10 every request fails with 502. We talk in #payments-incident.",
    *,
    sender: str = SENDER,
    message_id: str | None = "<first@dept.gov.uk>",
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = ADDRESS
    mail["Subject"] = subject
    if message_id:
        mail["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(body)
    return mail


@dataclass
class EmailWorld:
    db: Engine
    folder: Path
    cache_dir: Path
    start: datetime  # in the team's time
    email: dict[str, Any] = field(default_factory=email_section)
    slack: bool = False  # Slack set up (with OPSDESK_SLACK_TOKEN set by the test)
    clock: SteppingClock = field(init=False)
    app: Application = field(init=False)
    mailbox: Mailbox = field(init=False)

    def __post_init__(self) -> None:
        self.clock = SteppingClock(self.start.replace(tzinfo=LONDON))
        self.mailbox = Mailbox()
        self.outgoing_port = free_port()
        service = {"smtp-host": "127.0.0.1", "smtp-port": self.outgoing_port, "smtp-from": FROM}
        if self.slack:  # the token comes from OPSDESK_SLACK_TOKEN (the test sets it)
            service |= {"slack-api-url": "http://127.0.0.1:9/api/"}
        document = policy_document(date(2026, 11, 30), weeks=30, email=self.email, service=service)
        path = self.folder / "opsdesk.yaml"
        path.write_text(json.dumps(document))
        url = self.db.url.render_as_string(hide_password=False)
        settings = Settings(path, policy_path_explicit=True, cache_dir=self.cache_dir, database_url=url)
        self.app = bootstrap(settings, clock=self.clock, migrate=True)
        self.app.engine  # noqa: B018  (migrated now, not at the first message)

    @contextmanager
    def running(self) -> Iterator[EmailWorld]:
        """The listener and the outgoing mail server, for the block."""
        listener = Listener(lambda: self.app, "127.0.0.1", 0).start()
        outgoing = Controller(self.mailbox, hostname="127.0.0.1", port=self.outgoing_port)
        outgoing.start()
        self.port = listener.port
        try:
            yield self
        finally:
            outgoing.stop()
            listener.stop()
            self.app.engine.dispose()

    def at(self, text: str) -> None:
        """Move the clock to a wall-clock time in London, e.g. at("2026-12-02 21:30")."""
        self.clock.instant = datetime.fromisoformat(text).replace(tzinfo=LONDON)

    def send(
        self, mail: EmailMessage | bytes, *, mail_from: str = SENDER, to: str = ADDRESS
    ) -> tuple[int, str]:
        """Send over SMTP; the final answer to the message (its code and text)."""
        raw = mail if isinstance(mail, bytes) else mail.as_bytes()
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as client:
            client.ehlo("relay.dept.gov.uk")
            code, text = client.mail(mail_from)
            if code != 250:
                return code, text.decode()
            code, text = client.rcpt(to)
            if code != 250:
                return code, text.decode()
            code, text = client.data(raw)
            return code, text.decode()

    def deliver(self) -> list[Message]:
        """Run the outbox once; every message the outgoing mail server has received so far."""
        self.app.deliverer(owner="test").run_once()
        return self.mailbox.messages

    def replies(self, to: str = SENDER) -> list[Message]:
        """Run the outbox once; the messages delivered so far to `to` (the pages go to engineers)."""
        return [m for m in self.deliver() if m["To"] == to]

    def outbox(self) -> list[OutboxRow]:
        return sorted(SqlOutbox(self.db).rows(limit=10_000), key=lambda r: r.id)

    def incidents(self) -> list[Incident]:
        return sorted(self.app.incidents.incidents(limit=1000), key=lambda i: i.id)
