"""Hostile and odd mail over real SMTP: each is refused in the dialogue with a reason, or taken cleanly;
the listener never falls over, and a valid message after them is still taken."""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.email_world import ADDRESS, SENDER, EmailWorld, email_section, message

HEADERS = f"From: {SENDER}\r\nTo: {ADDRESS}\r\n".encode()


def world_with(db: Engine, tmp_path: Path, cache_dir: Path, **email: Any) -> EmailWorld:
    return EmailWorld(db, tmp_path, cache_dir, datetime(2026, 12, 2, 21, 30), email_section(**email))


@pytest.fixture
def world(db: Engine, tmp_path: Path, cache_dir: Path) -> EmailWorld:
    return world_with(db, tmp_path, cache_dir)


def still_taking(world: EmailWorld) -> None:
    """The listener still takes a valid message."""
    code, said = world.send(message("After the storm", message_id="<after@dept.gov.uk>"))
    assert code == 250 and "opened" in said


def test_a_20_mb_message_is_refused_with_the_limit_and_what_to_do(world: EmailWorld) -> None:
    line = b"x" * 76 + b"\r\n"
    raw = (
        HEADERS + b"Subject: huge\r\nMessage-ID: <huge@dept.gov.uk>\r\n\r\n" + line * (20 * 1024 * 1024 // 78)
    )
    with world.running():
        code, said = world.send(raw)
        assert code == 552
        assert said.startswith("5.3.4 The message is larger than this address takes (10 MB)")
        assert world.incidents() == []
        still_taking(world)


def test_a_header_injection_in_the_subject_stays_one_line(world: EmailWorld) -> None:
    raw = HEADERS + (
        b"Subject: =?utf-8?q?Disk_full=0D=0ABcc:_victim@evil.example?=\r\n"
        b"Message-ID: <inject@dept.gov.uk>\r\n\r\nDisk is full. #payments-incident\r\n"
    )
    with world.running():
        assert world.send(raw)[0] == 250
        (incident,) = world.incidents()
        assert "\n" not in incident.summary and "\r" not in incident.summary
        assert incident.summary.startswith("Disk full")
        (reply,) = world.replies()
    assert reply["Bcc"] is None and reply["Cc"] is None
    assert reply["To"] == SENDER
    assert sorted(world.mailbox.recipients) == [["alice@example.org"], [SENDER]]  # the page and the reply


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        (
            "malformed MIME",
            HEADERS + b"Subject: broken\r\nMessage-ID: <mime@dept.gov.uk>\r\nContent-Type: multipart/mixed; "
            b'boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nno end boundary, #ops-chat\r\n',
        ),
        (
            "no Message-ID",
            HEADERS + b"Subject: nobody set an id\r\n\r\nDown since 21:00.\r\n",
        ),
        (
            "two Message-IDs",
            HEADERS
            + b"Subject: twice\r\nMessage-ID: <a@dept.gov.uk>\r\nMessage-ID: <b@dept.gov.uk>\r\n\r\nx\r\n",
        ),
        (
            "a latin-1 body said to be utf-8",
            HEADERS + b"Subject: =?iso-8859-1?q?Caf=E9_down?=\r\nMessage-ID: <latin@dept.gov.uk>\r\n"
            b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nCaf\xe9 \xff down\r\n",
        ),
        (
            "HTML only",
            HEADERS + b"Subject: html\r\nMessage-ID: <html@dept.gov.uk>\r\nContent-Type: text/html\r\n\r\n"
            b"<html><script>alert(1)</script><p>Checkout is <b>down</b></p><p>#shop-incident</p></html>\r\n",
        ),
        (
            "NUL and bidi overrides",
            HEADERS
            + b"Subject: =?utf-8?b?"
            + base64.b64encode("Disk \u202efull\x00".encode())
            + b"?=\r\nMessage-ID: <nul@dept.gov.uk>\r\n\r\nfacts\x00here \xe2\x80\xae\r\n",
        ),
    ],
)
def test_odd_messages_are_taken_cleanly(world: EmailWorld, name: str, raw: bytes) -> None:
    with world.running():
        code, said = world.send(raw)
        assert (code, said.split(":")[0]) == (250, "2.0.0 Accepted"), name
        (incident,) = world.incidents()
        assert (
            incident.summary.strip() and "\x00" not in incident.summary and "\u202e" not in incident.summary
        )
        assert "\x00" not in str(incident.details)
        still_taking(world)


def test_the_same_bytes_without_a_message_id_twice_open_one_incident(world: EmailWorld) -> None:
    raw = HEADERS + b"Subject: no id\r\n\r\nDown.\r\n"
    with world.running():
        assert world.send(raw)[1] == "2.0.0 Accepted: incident #1 opened"
        assert world.send(raw)[1] == "2.0.0 Accepted: already received (incident #1)"


def test_an_html_only_message_gives_its_text_and_channel(world: EmailWorld) -> None:
    raw = HEADERS + (
        b"Subject: html\r\nMessage-ID: <html@dept.gov.uk>\r\nContent-Type: text/html\r\n\r\n"
        b"<html><style>p{}</style><p>Checkout is <b>down</b></p><p>We talk in #shop-incident</p></html>\r\n"
    )
    with world.running():
        world.send(raw)
        (incident,) = world.incidents()
    assert "Checkout is down" in incident.details["facts"]
    assert "p{}" not in incident.details["facts"]
    assert incident.details["origin"]["channel"] == "shop-incident"


def test_a_from_header_outside_the_allow_list_is_refused(world: EmailWorld) -> None:
    with world.running():
        code, said = world.send(message(sender="mallory@evil.example"))
        assert code == 550 and "From address's domain is not accepted here" in said
        assert world.incidents() == []


def relayed(verdict: str, authserv: str = "mx.platform.gov.uk") -> Any:
    return message(headers={"Authentication-Results": f"{authserv}; dmarc={verdict} header.from=dept.gov.uk"})


def test_a_dmarc_failure_seen_by_the_trusted_relay_is_refused(
    db: Engine, tmp_path: Path, cache_dir: Path
) -> None:
    world = world_with(
        db, tmp_path, cache_dir, **{"trusted-relays": ["127.0.0.0/8"], "authserv-id": "mx.platform.gov.uk"}
    )
    with world.running():
        code, said = world.send(relayed("fail"))
        assert code == 550 and "failed DMARC at our mail relay" in said
        assert world.incidents() == []
        assert world.send(relayed("pass"))[0] == 250


def test_a_pass_claimed_by_another_server_does_not_count(db: Engine, tmp_path: Path, cache_dir: Path) -> None:
    world = world_with(
        db,
        tmp_path,
        cache_dir,
        **{"trusted-relays": ["127.0.0.1"], "authserv-id": "mx.platform.gov.uk", "require-dmarc-pass": True},
    )
    with world.running():
        code, said = world.send(relayed("pass", authserv="mx.evil.example"))
        assert code == 550 and "DMARC did not pass" in said
        assert world.incidents() == []


def test_mail_that_skips_the_trusted_relay_is_refused(db: Engine, tmp_path: Path, cache_dir: Path) -> None:
    world = world_with(db, tmp_path, cache_dir, **{"trusted-relays": ["10.0.0.0/8"]})
    with world.running():
        code, said = world.send(message())
        assert code == 550 and "only through the organisation's mail relay" in said
