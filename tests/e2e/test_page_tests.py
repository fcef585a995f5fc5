"""Test pages end to end on SQLite and PostgreSQL: a test page to alice by email, SMS and voice call through
the outbox and the fake Twilio, acknowledged by an SMS reply naming its code, the key 1 pressed in its call,
and its email's signed link; refused from another engineer's phone or a stranger's; and never an incident."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from opsdesk.domain.outbox import OutboxState
from opsdesk.services.incidents.from_phone import NOT_ON_TEAM
from opsdesk.services.incidents.page_tests import PageTests, PageTestStatus
from tests.fake_twilio import FakeTwilio
from tests.twilio_world import ALICE, BILAL, EVENING, PUBLIC, STRANGER, World, twilio_world

SECRET = "s3cret-for-signing-links-0123456789abcdef"
BANNER = "TEST PAGE from opsdesk: nothing is wrong."


@pytest.fixture
def world(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    """Twilio, acknowledge links, and email pointed at a port nobody listens on (its message stays due)."""
    monkeypatch.setenv("OPSDESK_LINK_SECRET", SECRET)
    monkeypatch.setenv("OPSDESK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("OPSDESK_SMTP_PORT", "1")
    with twilio_world(db, tmp_path, cache_dir, fake_twilio, monkeypatch) as made:
        yield made


def page_tests(world: World) -> PageTests:
    app = world.context.app
    return PageTests(app.incidents, app.outbox, webhooks=True)


def message(text: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{text}</Message></Response>'


def said(text: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><Response><Say>{text}</Say><Hangup /></Response>'


def shown(status: PageTestStatus) -> dict[str, tuple[str, object]]:
    return {m.method: (m.state, m.acknowledged_at) for m in status.methods}


def test_a_test_page_by_sms_and_call_is_acknowledged_by_reply_and_by_pressing_1(world: World) -> None:
    tests = page_tests(world)
    test = tests.start("alice")
    assert re.fullmatch(r"T[0-9]{4}", test.code)
    assert (test.methods, test.answerable) == (("email", "sms", "voice"), ("email", "sms", "voice"))
    assert test.skipped == (("slack", "not set up here: set OPSDESK_SLACK_TOKEN"),)
    code = test.code

    world.deliver()
    sms = world.sms_to(ALICE)
    assert sms["body"] == f"{BANNER} Reply {code} to this text to acknowledge it."
    assert sms["status_callback"] == f"{PUBLIC}/api/v1/twilio/status?key=pagetest:{code}:sms"
    call = world.call_to(ALICE)
    assert f"<Say>{BANNER} This call checks that opsdesk's pages reach Alice.</Say>" in call["twiml"]
    assert f'action="{PUBLIC}/api/v1/twilio/voice?key=pagetest:{code}:voice"' in call["twiml"]
    status = tests.status(code)
    assert (status.engineer, status.done) == ("alice", False)
    assert shown(status) == {
        "email": ("pending", None),
        "sms": ("delivered", None),
        "voice": ("delivered", None),
    }
    (email,) = [m for m in status.methods if m.method == "email"]
    assert email.error  # the SMTP server refused the connection: said, and tried again later

    reply = world.text("+44 7911 123456", f"{code.lower()} ack")
    answer = world.send(reply)
    assert answer.text == message(
        f"Test page {code} acknowledged by SMS: opsdesk's pages reach you. Thank you."
    )
    assert world.send(reply).text == '<?xml version="1.0" encoding="UTF-8"?><Response />'  # Twilio's retry
    again = world.send(world.text(ALICE, code))
    assert again.text == message(f"Test page {code} was already acknowledged by SMS at 17:30 Mon 30 Nov.")

    wrong = world.send(world.fake.press(call, "7"))
    assert "Press 1 to acknowledge, or hang up." in wrong.text
    pressed = world.send(world.fake.press(call, "1"))
    assert pressed.text == said(
        f"Test page {code} acknowledged by call: opsdesk's pages reach you. Thank you. Goodbye."
    )
    assert shown(tests.status(code)) == {
        "email": ("pending", None),
        "sms": ("delivered", EVENING),
        "voice": ("delivered", EVENING),
    }
    # Twilio's status of a test page's message is no incident's: ignored, as for any unknown key.
    delivered = world.send(world.fake.status(sms, "delivered"))
    assert (delivered.status_code, delivered.text) == (200, "ignored: not a page's status")
    assert world.context.incidents.incidents() == []


def test_a_reply_from_another_number_is_refused_and_changes_nothing(world: World) -> None:
    tests = page_tests(world)
    code = tests.start("alice").code
    world.deliver()
    other = world.send(world.text(BILAL, code))
    assert other.text == message(f"Test page {code} went to someone else: only they can acknowledge it.")
    assert world.send(world.text(STRANGER, code)).text == message(NOT_ON_TEAM)
    unknown = "T0000" if code != "T0000" else "T0001"
    none = world.send(world.text(ALICE, f"{unknown} ack"))
    assert none.text == message(
        f"opsdesk sent you no test page {unknown} by SMS. Reply with the code of the test page you got."
    )
    resolve = world.send(world.text(ALICE, f"{code} resolve"))
    assert "Reply with the incident's number" in resolve.text
    for body in (f"{code}\u202e ack" + "x" * 10_000, f"{code}\x00", "T\u202e" + code[1:]):
        hostile = world.send(world.text(ALICE, body))
        assert (hostile.status_code, "Reply with the incident's number" in hostile.text) == (200, True)
    assert world.send(world.text(ALICE, "x" * 1_000_000)).status_code == 413  # too big for Twilio to send
    assert all(m.acknowledged_at is None for m in tests.status(code).methods)
    # A call that rang bilal's phone cannot acknowledge alice's test page either.
    call = world.call_to(ALICE)
    pressed = world.fake.press(call, "1")
    forged_to = type(pressed)(pressed.url, {**pressed.params, "To": BILAL})
    answer = world.send(forged_to)
    assert answer.text == said(
        f"Test page {code} went to someone else: only they can acknowledge it. Goodbye."
    )
    assert all(m.acknowledged_at is None for m in tests.status(code).methods)


def test_the_email_link_acknowledges_the_test_page_once(world: World) -> None:
    tests = page_tests(world)
    code = tests.start("alice").code
    row = world.context.app.outbox.by_key(f"pagetest:{code}:email")
    assert row is not None and row.state is OutboxState.PENDING
    assert row.message.payload["subject"] == f"[opsdesk] TEST PAGE {code}: nothing is wrong"
    text = str(row.message.payload["text"])
    assert text.startswith(f"{BANNER}\nThis checks that opsdesk's pages reach Alice (code {code}).\n")
    (link,) = re.findall(rf"{PUBLIC}/ack/\S+", text)
    path = link.removeprefix(PUBLIC)

    look = world.client.get(path)
    assert look.status_code == 200
    assert f"<h1>Acknowledge test page {code}?</h1>" in look.text
    assert "This was a test page: nothing is wrong." in look.text
    assert shown(tests.status(code))["email"] == ("pending", None)  # looking changed nothing

    done = world.client.post(path)
    assert done.status_code == 200
    assert f"<h1>✓ Test page {code} acknowledged</h1>" in done.text
    used = world.client.post(path)
    assert used.status_code == 409
    assert f"Test page {code} was already acknowledged at 17:30" in used.text
    assert shown(tests.status(code))["email"] == ("pending", EVENING)
    changed = world.client.post(path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"))
    assert changed.status_code == 404
    assert world.context.incidents.incidents() == []


def test_the_link_expires_after_a_day(world: World) -> None:
    tests = page_tests(world)
    code = tests.start("alice").code
    row = world.context.app.outbox.by_key(f"pagetest:{code}:email")
    assert row is not None
    (link,) = re.findall(rf"{PUBLIC}/ack/\S+", str(row.message.payload["text"]))
    world.clock.instant = EVENING + timedelta(days=1)
    expired = world.client.post(link.removeprefix(PUBLIC))
    assert expired.status_code == 410
    assert f"This link to test page {code} has expired" in expired.text
    assert shown(tests.status(code))["email"] == ("pending", None)


def test_a_refused_number_is_reported_as_failed(world: World) -> None:
    world.fake.landlines.add(ALICE)
    tests = page_tests(world)
    code = tests.start("alice").code
    world.deliver()
    (sms,) = [m for m in tests.status(code).methods if m.method == "sms"]
    assert sms.state == "failed"
    assert sms.error is not None and "21614" in sms.error
