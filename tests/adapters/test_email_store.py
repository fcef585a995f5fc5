"""The email store's contract, run against the in-memory fake (what service tests use) and the SQL store on
SQLite and PostgreSQL: each message kept once by its Message-ID, the incident of a thread found, replies
counted per address, an incident's messages listed, any text and any bytes kept, and nothing left by a unit
rolled back."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from opsdesk.domain.hours import Cover
from opsdesk.domain.incidents.email import EmailOutcome, EmailRecord
from opsdesk.domain.incidents.model import Alarm
from opsdesk.services.unit_of_work import UnitOfWorkFactory

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 2, 14, 0, tzinfo=LONDON)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def email(message_id: str, **fields: object) -> EmailRecord:
    values: dict[str, object] = {
        "message_id": message_id,
        "incident": None,
        "outcome": EmailOutcome.OPENED,
        "sender": "bounces+alice@example.com",
        "author": "alice@example.com",
        "subject": "Payments down",
        "channel": "C0123456789",
        "received_at": NOW,
        "raw": b"From: alice@example.com\r\n\r\nPayments down\r\n",
        "raw_size": 44,
    }
    values.update(fields)
    return EmailRecord(**values)  # type: ignore[arg-type]


def incidents(units: UnitOfWorkFactory, count: int = 2) -> list[int]:
    """Incidents for messages to have opened or joined."""
    with units() as uow:
        opened = [
            uow.incidents.open_or_join(Alarm("email", f"m{n}", f"Mail {n}"), Cover.ON_CALL, NOW)[0].id
            for n in range(count)
        ]
        uow.commit()
    return opened


def keep(units: UnitOfWorkFactory, *records: EmailRecord) -> list[bool]:
    with units() as uow:
        added = [uow.emails.add(r) for r in records]
        uow.commit()
    return added


def test_a_message_is_kept_once_by_its_message_id(units: UnitOfWorkFactory) -> None:
    (incident,) = incidents(units, 1)
    whole = email(
        "<a1@example.com>",
        incident=incident,
        reply_id="<reply-a1@opsdesk>",
        reply_to="Alice@Example.com",
    )
    silent = email(
        "<a2@example.com>", outcome=EmailOutcome.IGNORED, sender="", channel=None, silent="a bounce"
    )
    assert keep(units, whole, silent) == [True, True]
    again = replace(whole, subject="Taken in twice", incident=None, received_at=NOW + HOUR)
    with units() as uow:
        assert uow.emails.add(again) is False
        assert uow.emails.add(email("<a3@example.com>")) is True
        assert uow.emails.add(email("<a3@example.com>", subject="twice in one unit")) is False
        uow.commit()
    with units() as uow:
        assert uow.emails.get("<a1@example.com>") == whole
        assert uow.emails.get("<a2@example.com>") == silent
        assert uow.emails.get("<a3@example.com>") == email("<a3@example.com>")
        assert uow.emails.get("<A1@example.com>") is None  # a Message-ID is compared exactly
        assert uow.emails.get("<none@example.com>") is None
        kept = uow.emails.get("<a1@example.com>")
    assert kept is not None and kept.received_at.utcoffset() == timedelta(0)  # kept as UTC, the same instant


def test_the_incident_of_a_thread_is_found_by_message_id_or_reply_id(units: UnitOfWorkFactory) -> None:
    first, second = incidents(units)
    keep(
        units,
        email("<m1@x>", incident=first, received_at=NOW, reply_id="<r1@opsdesk>", reply_to="a@x"),
        email("<m2@x>", incident=second, received_at=NOW + 2 * MINUTE, outcome=EmailOutcome.FOLLOW_UP),
        # taken in after <m2@x> but received before it: "newest" is by the time received
        email("<m0@x>", incident=first, received_at=NOW + MINUTE, outcome=EmailOutcome.FOLLOW_UP),
        email("<bounce@x>", received_at=NOW + HOUR, outcome=EmailOutcome.IGNORED, reply_id="<r9@opsdesk>"),
    )
    unknown = [f"<unknown-{n}@x>" for n in range(49)]
    with units() as uow:
        found = uow.emails.incident_for
        assert found(["<m1@x>"]) == first
        assert found(["<unknown@x>", "<r1@opsdesk>"]) == first  # the reply sent to <m1@x>
        assert found(["<m1@x>", "<m2@x>"]) == second  # the newest wins
        assert found(["<r1@opsdesk>", "<m2@x>", "<m0@x>"]) == second
        assert found(["<m1@x>", "<m0@x>"]) == first
        assert found(["<m1@x>", "<bounce@x>", "<r9@opsdesk>"]) == first  # a message with no incident
        assert found(["<bounce@x>"]) is None
        assert found(["<unknown@x>"]) is None
        assert found([]) is None
        assert found([*unknown, "<m2@x>"]) == second  # a thread's 50 Message-IDs
        assert found(unknown) is None


def test_replies_are_counted_per_address_without_regard_to_case(units: UnitOfWorkFactory) -> None:
    since = NOW - HOUR
    keep(
        units,
        email("<1@x>", received_at=NOW - 30 * MINUTE, reply_id="<r1@o>", reply_to="alice@example.com"),
        email("<2@x>", received_at=since, reply_id="<r2@o>", reply_to="ALICE@Example.COM"),  # at the bound
        email("<3@x>", received_at=since - MINUTE, reply_id="<r3@o>", reply_to="alice@example.com"),
        email("<4@x>", received_at=NOW, reply_to="alice@example.com", silent="5 replies already"),
        email("<5@x>", received_at=NOW, reply_id="<r5@o>", reply_to="bob@example.com"),
        email("<6@x>", received_at=NOW, reply_id="<r6@o>", reply_to="alice@example.com.evil"),
    )
    with units() as uow:
        assert uow.emails.replies_since("Alice@EXAMPLE.com", since) == 2
        assert uow.emails.replies_since("alice@example.com", since.astimezone(UTC) - MINUTE) == 3
        assert uow.emails.replies_since("alice@example.com", NOW - 10 * MINUTE) == 0
        assert uow.emails.replies_since("bob@example.com", since) == 1
        assert uow.emails.replies_since("carol@example.com", since) == 0


def test_an_incidents_messages_are_listed_oldest_first(units: UnitOfWorkFactory) -> None:
    first, second = incidents(units)
    keep(
        units,
        email("<late@x>", incident=first, received_at=NOW + 2 * HOUR, outcome=EmailOutcome.FOLLOW_UP),
        email("<open@x>", incident=first, received_at=NOW),
        email("<other@x>", incident=second, received_at=NOW + HOUR),
        email("<mid@x>", incident=first, received_at=NOW + HOUR, outcome=EmailOutcome.FOLLOW_UP),
        email("<ignored@x>", received_at=NOW, outcome=EmailOutcome.IGNORED),
    )
    with units() as uow:
        listed = [e.message_id for e in uow.emails.for_incident(first)]
        assert listed == ["<open@x>", "<mid@x>", "<late@x>"]
        assert [e.message_id for e in uow.emails.for_incident(first, limit=2)] == ["<open@x>", "<mid@x>"]
        assert [e.message_id for e in uow.emails.for_incident(second)] == ["<other@x>"]
        assert uow.emails.for_incident(second + 1) == []


def test_a_unit_rolled_back_keeps_nothing(units: UnitOfWorkFactory) -> None:
    (incident,) = incidents(units, 1)
    record = email("<gone@x>", incident=incident, reply_id="<r@o>", reply_to="a@x")
    with units() as uow:
        assert uow.emails.add(record) is True
        # no commit: the use case failed after keeping it
    with units() as uow:
        assert uow.emails.get("<gone@x>") is None
        assert uow.emails.incident_for(["<gone@x>", "<r@o>"]) is None
        assert uow.emails.replies_since("a@x", NOW - HOUR) == 0
        assert uow.emails.for_incident(incident) == []
        assert uow.emails.add(record) is True
        uow.commit()
    with units() as uow:
        assert uow.emails.get("<gone@x>") == record


def test_any_text_is_kept_but_nul_which_is_taken_out(units: UnitOfWorkFactory) -> None:
    tricks = "\u202eevil\u202c \u2066isolated\u2069 \u200f\u05d0 \U0001f525 <b>&amp;</b>\r\n\t"
    subject = (tricks * (1024 * 1024 // len(tricks) + 1))[: 1024 * 1024]
    record = email(
        "<n\x00ul@x>",
        sender="bounce\x00@x",
        author="a\x00@x",
        subject=subject[:500] + "\x00" + subject[500:],
        channel="inc\x00ident",
        reply_id="<re\x00ply@o>",
        reply_to="a\x00@x",
        silent="why\x00not",
    )
    assert keep(units, record) == [True]
    expected = replace(
        record,
        message_id="<nul@x>",
        sender="bounce@x",
        author="a@x",
        subject=subject,
        channel="incident",
        reply_id="<reply@o>",
        reply_to="a@x",
        silent="whynot",
    )
    with units() as uow:
        assert uow.emails.get("<nul@x>") == expected
        assert uow.emails.get("<n\x00ul@x>") == expected  # looked up as it is kept
        assert uow.emails.add(replace(record, message_id="<nul@x>")) is False
        assert uow.emails.replies_since("A@X", NOW - HOUR) == 1


def test_an_unpaired_surrogate_is_kept_as_a_replacement_character(units: UnitOfWorkFactory) -> None:
    record = email("<s@x>", subject="caf\udce9 \U0001f525", author="\ud800@x")
    assert keep(units, record) == [True]
    with units() as uow:
        assert uow.emails.get("<s@x>") == replace(record, subject="caf\ufffd \U0001f525", author="\ufffd@x")


def test_every_byte_of_the_raw_message_is_kept(units: UnitOfWorkFactory) -> None:
    raw = bytes(range(256)) * 4096  # 1 MiB, every byte value, NUL and invalid UTF-8 included
    keep(units, email("<raw@x>", raw=raw, raw_size=10 * 1024 * 1024), email("<empty@x>", raw=b"", raw_size=0))
    with units() as uow:
        kept, empty = uow.emails.get("<raw@x>"), uow.emails.get("<empty@x>")
    assert kept is not None and (kept.raw, kept.raw_size) == (raw, 10 * 1024 * 1024)
    assert empty is not None and (empty.raw, empty.raw_size) == (b"", 0)
