"""Email against a local SMTP server (aiosmtpd) and the signed webhook against a local HTTP server."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import socket
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from opsdesk.adapters.email.channel import EmailChannel
from opsdesk.adapters.webhook_channel import WebhookChannel
from opsdesk.domain.outbox import DeliveryError, OutgoingMessage

PAGE = OutgoingMessage(
    "email", "oncall@example.org", {"subject": "P1: platform down", "text": "Ack in Slack"}, "page-1"
)


class Mailbox:
    """An SMTP server's handler: records messages; scripted answers come first."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.script: list[str] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address.endswith("@nowhere.invalid"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.script:
            return self.script.pop(0)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


def test_an_email_is_sent(mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    EmailChannel("127.0.0.1", port, "opsdesk@example.org").send(PAGE)
    (mail,) = box.messages
    assert (mail["To"], mail["Subject"]) == ("oncall@example.org", "P1: platform down")
    assert MSG_ID.fullmatch(mail["Message-ID"])
    assert mail.get_payload().strip() == "Ack in Slack"


# RFC 5322 msg-id: "<" dot-atom-text "@" dot-atom-text ">" (no colons, no spaces).
MSG_ID = re.compile(
    r"<[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*>"
)


def test_every_page_email_has_its_own_valid_message_id(mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    channel = EmailChannel("127.0.0.1", port, "opsdesk <pages@ops.example.org>")
    keys = ["page:4:c1s1:email", "page:4:c1s2:email", "page:5:c1s1:email"]
    for key in [*keys, keys[0]]:  # the last: the first page sent again after a lost answer
        channel.send(OutgoingMessage("email", "oncall@example.org", {"subject": "Page", "text": "t"}, key))
    ids = [mail["Message-ID"] for mail in box.messages]
    assert all(MSG_ID.fullmatch(found) for found in ids), ids
    assert all(found.endswith("@ops.example.org>") for found in ids)
    assert len(set(ids[:3])) == 3  # one per message
    assert ids[3] == ids[0]  # the same message again: the same id, so mail systems drop the repeat


def test_smtp_answers_decide_the_retry(mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    channel = EmailChannel("127.0.0.1", port, "opsdesk@example.org")
    box.script.append("451 4.3.0 try again later")
    with pytest.raises(DeliveryError) as later:
        channel.send(PAGE)
    assert not later.value.permanent
    with pytest.raises(DeliveryError) as refused:
        channel.send(OutgoingMessage("email", "someone@nowhere.invalid", {"text": "x"}, "k2"))
    assert refused.value.permanent
    with pytest.raises(DeliveryError) as down:
        EmailChannel("127.0.0.1", free_port(), "opsdesk@example.org", timeout=2).send(PAGE)
    assert not down.value.permanent
    assert box.messages == []


def test_a_webhook_is_signed_and_carries_its_key(httpserver: HTTPServer) -> None:
    seen: list[Request] = []

    def receive(request: Request) -> Response:
        seen.append(request)
        return Response("{}", status=202)

    httpserver.expect_request("/hooks/ops", method="POST").respond_with_handler(receive)
    WebhookChannel({"ops": httpserver.url_for("/hooks/ops")}, b"s3cret").send(
        OutgoingMessage("webhook", "ops", {"event": "page"}, "page-7")
    )
    (request,) = seen
    body = request.get_data()
    expected = hmac.new(
        b"s3cret", request.headers["X-Opsdesk-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert request.headers["X-Opsdesk-Signature"] == f"sha256={expected}"
    assert request.headers["Idempotency-Key"] == "page-7"
    assert json.loads(body) == {"key": "page-7", "event": "page"}


@pytest.mark.parametrize(
    ("status", "headers", "permanent", "retry_after"),
    [(429, {"Retry-After": "12"}, False, 12), (503, {}, False, None), (404, {}, True, None)],
)
def test_webhook_failures(
    httpserver: HTTPServer, status: int, headers: dict[str, str], permanent: bool, retry_after: int | None
) -> None:
    httpserver.expect_request("/hook").respond_with_data("no", status=status, headers=headers)
    with pytest.raises(DeliveryError) as caught:
        WebhookChannel({"ops": httpserver.url_for("/hook")}, b"k").send(
            OutgoingMessage("webhook", "ops", {}, "k")
        )
    assert caught.value.permanent is permanent
    assert (caught.value.retry_after.total_seconds() if caught.value.retry_after else None) == retry_after
    with pytest.raises(DeliveryError, match="no webhook named 'other'"):
        WebhookChannel({}, b"k").send(OutgoingMessage("webhook", "other", {}, "k"))
