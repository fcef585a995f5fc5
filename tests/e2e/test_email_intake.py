"""Critical-incident email end to end: real SMTP over loopback (smtplib) into the listener, the incident
routed by cover, and the reply read from a fake SMTP server the outbox delivers to."""

from __future__ import annotations

import smtplib
import ssl
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import Engine

from opsdesk.domain.hours import Cover
from opsdesk.domain.incidents.model import IncidentState
from opsdesk.domain.timeline import Actor, Source
from tests.email_world import ADDRESS, SENDER, EmailWorld, email_section, message


@pytest.fixture
def world(db: Engine, tmp_path: Path, cache_dir: Path) -> EmailWorld:
    return EmailWorld(db, tmp_path, cache_dir, datetime(2026, 12, 2, 21, 30))


def body(mail: object) -> str:
    return str(mail.get_content()).strip()  # type: ignore[attr-defined]


def test_in_on_call_hours_the_primary_is_paged_and_the_sender_answered_in_the_thread(
    world: EmailWorld,
) -> None:
    with world.running():
        code, said = world.send(message())
        assert (code, said) == (250, "2.0.0 Accepted: incident #1 opened")
        (incident,) = world.incidents()
        assert incident.summary == "Payments API down"
        assert (incident.cover, incident.state) == (Cover.ON_CALL, IncidentState.TRIGGERED)
        assert incident.details["origin"] == {
            "kind": "email",
            "sender": SENDER,
            "channel": "payments-incident",
        }
        pages = [
            r.message.destination for r in world.outbox() if r.message.idempotency_key.startswith("page:")
        ]
        assert pages == ["alice@example.org"]  # the week's primary, by email (Slack is not set up)
        (reply,) = world.replies()
    assert reply["To"] == SENDER
    assert reply["In-Reply-To"] == "<first@dept.gov.uk>"
    assert reply["References"] == "<first@dept.gov.uk>"
    assert reply["Subject"] == "Re: Payments API down [incident #1]"
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["Reply-To"] == ADDRESS  # an answer to it comes back to the intake
    text = body(reply)
    assert text.splitlines()[0] == "Incident #1 is open, and the on-call engineer has been paged."
    assert "The engineer will answer in #payments-incident on Slack." in text
    assert "reply to this email: your reply is added to incident #1" in text


def test_at_23_00_it_waits_for_07_00_and_the_reply_says_so(world: EmailWorld) -> None:
    world.at("2026-12-02 23:00")
    with world.running():
        assert world.send(message())[0] == 250
        (incident,) = world.incidents()
        assert incident.cover is Cover.NONE
        assert not [
            r for r in world.outbox() if r.message.idempotency_key.startswith("page:")
        ]  # nobody woken
        (reply,) = world.replies()
    first = body(reply).splitlines()[0]
    assert first == (
        "Incident #1 is recorded, but nobody is on call now. The on-call engineer will be paged when cover "
        "starts, at Thu 03 Dec 07:00, unless it is resolved first."
    )


def test_in_support_hours_the_reply_points_to_the_support_channel_and_support_is_told(
    world: EmailWorld,
) -> None:
    world.at("2026-12-02 10:00")
    with world.running():
        assert world.send(message())[0] == 250
        (incident,) = world.incidents()
        assert incident.cover is Cover.SUPPORT
        (told,) = [r.message for r in world.outbox() if ":support:" in r.message.idempotency_key]
        assert told.destination == "chen@example.org"  # Wednesday's support engineer
        assert "came in by email" in str(told.payload["text"])
        assert not [r for r in world.outbox() if r.message.idempotency_key.startswith("page:")]
        replies = world.replies()
    (reply,) = replies
    first = body(reply).splitlines()[0]
    assert first.startswith("Incident #1 is open. It is support hours: the support engineer has been told.")
    assert "#platform-support" in first


def test_on_a_bank_holiday_at_noon_the_primary_is_paged(world: EmailWorld) -> None:
    world.at("2026-12-25 12:00")
    with world.running():
        assert world.send(message())[0] == 250
        (incident,) = world.incidents()
        assert incident.cover is Cover.ON_CALL
        (reply,) = world.replies()
    assert body(reply).startswith("Incident #1 is open, and the on-call engineer has been paged.")


def test_without_a_channel_the_reply_asks_for_one(world: EmailWorld) -> None:
    with world.running():
        assert world.send(message(body="Everything returns 502 since 21:10."))[0] == 250
        (incident,) = world.incidents()
        assert incident.details["origin"]["channel"] is None
        (reply,) = world.replies()
    assert "Which Slack channel will you talk in? Reply to this email with it" in body(reply)


def test_the_same_message_delivered_twice_opens_one_incident_and_sends_one_reply(world: EmailWorld) -> None:
    with world.running():
        assert world.send(message()) == (250, "2.0.0 Accepted: incident #1 opened")
        assert world.send(message()) == (250, "2.0.0 Accepted: already received (incident #1)")
        assert len(world.incidents()) == 1
        assert len(world.replies()) == 1


def test_a_follow_up_in_the_thread_is_a_note_on_the_incident(world: EmailWorld) -> None:
    with world.running():
        world.send(message())
        (reply,) = world.replies()
        follow = message(
            "Re: Payments API down",
            "Now 504s as well; the database team is looking.",
            message_id="<second@dept.gov.uk>",
            headers={
                "In-Reply-To": reply["Message-ID"],
                "References": f"<first@dept.gov.uk> {reply['Message-ID']}",
            },
        )
        assert world.send(follow) == (250, "2.0.0 Accepted: added to incident #1")
        assert len(world.incidents()) == 1
        timeline = world.app.incidents.timeline(1).entries
        notes = [e for e in timeline if e.kind == "note"]
        assert len(notes) == 1 and "Now 504s as well" in notes[0].message
        assert notes[0].actor == SENDER
        assert len(world.replies()) == 1  # no second reply


def test_an_auto_reply_is_never_answered_and_opens_nothing(world: EmailWorld) -> None:
    with world.running():
        auto = message("Out of office", "I am away.", headers={"Auto-Submitted": "auto-replied"})
        assert world.send(auto) == (250, "2.0.0 Accepted: received; automatic mail is not answered")
        bounce = message("Undelivered", "bounce", message_id="<bounce@dept.gov.uk>")
        assert world.send(bounce, mail_from="<>")[0] == 250
        assert world.incidents() == []
        assert world.replies() == []


def test_automatic_alert_mail_opens_an_incident_but_is_not_answered(world: EmailWorld) -> None:
    with world.running():
        alert = message("CRITICAL: db-1 down", "disk", headers={"Auto-Submitted": "auto-generated"})
        assert world.send(alert)[0] == 250
        assert len(world.incidents()) == 1
        assert world.replies() == []


def test_a_sender_gets_at_most_the_configured_replies_an_hour(
    db: Engine, tmp_path: Path, cache_dir: Path
) -> None:
    world = EmailWorld(
        db, tmp_path, cache_dir, datetime(2026, 12, 2, 21, 0), email_section(**{"replies-per-hour": 2})
    )
    with world.running():
        for n in range(4):
            assert world.send(message(f"Outage {n}", message_id=f"<m{n}@dept.gov.uk>"))[0] == 250
        assert len(world.incidents()) == 4
        assert len(world.replies()) == 2
        world.at("2026-12-02 22:01")  # an hour on, one more may go
        world.send(message("Outage 5", message_id="<m5@dept.gov.uk>"))
        assert len(world.replies()) == 3


@pytest.mark.parametrize(
    ("mail_from", "to", "code", "reason"),
    [
        ("intruder@evil.example", ADDRESS, 550, "Mail from this domain is not accepted here"),
        (SENDER, "someone@platform.gov.uk", 550, f"critical incidents go to {ADDRESS}"),
    ],
)
def test_refusals_in_the_dialogue_say_why(
    world: EmailWorld, mail_from: str, to: str, code: int, reason: str
) -> None:
    with world.running():
        got, said = world.send(message(), mail_from=mail_from, to=to)
        assert got == code and reason in said
        assert world.incidents() == []


def test_with_slack_set_up_the_named_channel_hears_of_the_incident_and_who_is_on_call(
    db: Engine, tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSDESK_SLACK_TOKEN", "xoxb-test")
    world = EmailWorld(db, tmp_path, cache_dir, datetime(2026, 12, 2, 21, 30), slack=True)
    with world.running():
        assert world.send(message())[0] == 250
        (post,) = [r.message for r in world.outbox() if r.message.idempotency_key.endswith(":channel")]
    assert (post.channel, post.destination) == ("slack", "#payments-incident")
    text = str(post.payload["text"])
    assert text.startswith(f"Incident #1 is open, from an email by {SENDER}: Payments API down")
    assert "The on-call primary has been paged and will answer here." in text
    assert "On call: primary alice, secondary bilal." in text


def test_a_storage_failure_answers_451_and_keeps_nothing(world: EmailWorld) -> None:
    with world.running():
        with world.db.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE incident_emails RENAME TO incident_emails_away")
        try:
            code, said = world.send(message())
        finally:
            with world.db.begin() as connection:
                connection.exec_driver_sql("ALTER TABLE incident_emails_away RENAME TO incident_emails")
        assert code == 451 and "your server will retry" in said
        assert world.incidents() == []
        code, said = world.send(message())  # the retry (PostgreSQL may have spent a number on the first)
        assert code == 250 and said.endswith("opened")
        assert len(world.incidents()) == 1


def test_starttls_when_a_certificate_is_configured(db: Engine, tmp_path: Path, cache_dir: Path) -> None:
    certificate, key = self_signed(tmp_path)
    world = EmailWorld(
        db,
        tmp_path,
        cache_dir,
        datetime(2026, 12, 2, 21, 30),
        email_section(certificate=str(certificate), **{"private-key": str(key)}),
    )
    with world.running(), smtplib.SMTP("127.0.0.1", world.port, timeout=30) as client:
        client.ehlo("relay.dept.gov.uk")
        assert client.has_extn("starttls")
        client.starttls(context=ssl._create_unverified_context())
        client.ehlo("relay.dept.gov.uk")
        client.mail(SENDER)
        client.rcpt(ADDRESS)
        assert client.data(message().as_bytes()) == (250, b"2.0.0 Accepted: incident #1 opened")


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "opsdesk.test")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp.pem", folder / "smtp.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def test_the_same_message_delivered_at_once_by_five_connections_is_taken_once(world: EmailWorld) -> None:
    with world.running():
        answers: list[tuple[int, str]] = []
        threads = [threading.Thread(target=lambda: answers.append(world.send(message()))) for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(answers) == [
            *[(250, "2.0.0 Accepted: already received (incident #1)")] * 4,
            (250, "2.0.0 Accepted: incident #1 opened"),
        ]
        (incident,) = world.incidents()
        assert incident.alert_count == 1
        assert len(world.replies()) == 1


def test_a_follow_up_naming_a_channel_gives_the_incident_its_channel(
    db: Engine, tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSDESK_SLACK_TOKEN", "xoxb-test")
    world = EmailWorld(db, tmp_path, cache_dir, datetime(2026, 12, 2, 21, 30), slack=True)
    with world.running():
        world.send(message(body="Everything returns 502."))
        (reply,) = [r.message for r in world.outbox() if r.message.idempotency_key.endswith(":reply")]
        follow = message(
            "Re: Payments API down",
            "We are in #payments-incident now.",
            message_id="<second@dept.gov.uk>",
            headers={"In-Reply-To": str(reply.payload["message_id"])},
        )
        assert world.send(follow) == (250, "2.0.0 Accepted: added to incident #1")
        (incident,) = world.incidents()
        assert incident.details["origin"]["channel"] == "payments-incident"
        (post,) = [r.message for r in world.outbox() if r.message.idempotency_key.endswith(":channel")]
        assert post.destination == "#payments-incident"


def test_a_message_in_the_thread_of_a_resolved_incident_opens_a_new_one(world: EmailWorld) -> None:
    with world.running():
        world.send(message())
        world.app.incidents.resolve(1, Actor("alice", Source.CLI))
        again = message(
            "Re: Payments API down",
            "It is down again.",
            message_id="<again@dept.gov.uk>",
            headers={"In-Reply-To": "<first@dept.gov.uk>", "References": "<first@dept.gov.uk>"},
        )
        assert world.send(again) == (250, "2.0.0 Accepted: incident #2 opened")
        second = world.incidents()[1]
        assert second.details["follows"] == 1
        assert second.state is IncidentState.TRIGGERED


def test_the_reply_carries_the_thread_oldest_first(world: EmailWorld) -> None:
    with world.running():
        mail = message(
            message_id="<m3@dept.gov.uk>",
            headers={"References": "<m1@dept.gov.uk> <m2@dept.gov.uk>", "In-Reply-To": "<m2@dept.gov.uk>"},
        )
        assert world.send(mail)[0] == 250
        (reply,) = world.replies()
    assert reply["References"] == "<m1@dept.gov.uk> <m2@dept.gov.uk> <m3@dept.gov.uk>"
    assert reply["In-Reply-To"] == "<m3@dept.gov.uk>"
