"""Twilio's webhooks given what Twilio would not send, or what an engineer's phone might: unicode, NUL,
bidi overrides, very long replies, missing fields, a body over the limit. A clear answer, never a 500, and
nothing changed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.dom import minidom

import pytest
from sqlalchemy import Engine

from opsdesk.domain.incidents.model import IncidentState
from tests.fake_twilio import FakeTwilio, Webhook
from tests.twilio_world import ALICE, PUBLIC, World, twilio_world

HELP = "Reply with the incident's number and ack or resolve, e.g. '4 ack' or '4 resolve'."


@pytest.fixture
def world(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    with twilio_world(db, tmp_path, cache_dir, fake_twilio, monkeypatch) as made:
        yield made


def paged(world: World) -> int:
    number = world.alarm()
    world.deliver()
    return number


@pytest.mark.parametrize(
    "body",
    [
        "",
        "   ",
        "ack ack",
        "4 5 ack",
        "\u202e4 kca",  # a right-to-left override: the reply reads backwards
        "ack\u0000 1; DROP TABLE incidents",
        "✅ ack please, I'm on it 🙏",
        "ack " + "9" * 40,
        "1 ack " + "x" * 1600,
        "résolu",
    ],
)
def test_a_reply_opsdesk_cannot_read_gets_what_to_send_and_changes_nothing(world: World, body: str) -> None:
    number = paged(world)
    before = world.timeline(number)
    answer = world.send(world.text(ALICE, body))
    assert answer.status_code == 200
    assert f"<Message>{HELP}</Message>" in answer.text
    assert len(answer.text) < 400
    assert world.incident(number).state is IncidentState.TRIGGERED
    assert world.timeline(number) == before


@pytest.mark.parametrize("body", ["１ ack", "1\u200b ack", "  #1   ACK. ", "ack\u00a01", "1: a"])
def test_a_reply_with_odd_spacing_or_full_width_digits_is_read(world: World, body: str) -> None:
    number = paged(world)
    assert number == 1
    answer = world.send(world.text(ALICE, body))
    assert "Acknowledged #1" in answer.text
    assert world.incident(number).acknowledged_by == "alice"


def test_an_sms_without_its_fields_is_refused_plainly(world: World) -> None:
    number = paged(world)
    reply = world.text(ALICE, f"{number} ack")
    for missing in ("From", "MessageSid"):
        params = {k: v for k, v in reply.params.items() if k != missing}
        answer = world.send(Webhook(reply.url, params))
        assert answer.status_code == 400
        assert answer.text == "MessageSid (a Twilio sid) and From are required"
    nul = world.send(Webhook(reply.url, reply.params | {"MessageSid": "SM\u0000x"}))
    assert nul.status_code == 400
    assert world.incident(number).state is IncidentState.TRIGGERED


def test_a_body_that_is_no_form_or_too_large_is_refused(world: World) -> None:
    paged(world)
    path = "/api/v1/twilio/sms"
    notform = world.client.post(path, content=b"\xff\xfe{", headers={"X-Twilio-Signature": "x"})
    assert notform.status_code == 400
    assert "not a form" in notform.text
    large = world.client.post(
        path, content=b"Body=" + b"a" * (70 * 1024), headers={"X-Twilio-Signature": "x"}
    )
    assert large.status_code == 413
    many = "&".join(f"f{i}=1" for i in range(200))
    assert (
        world.client.post(path, content=many.encode(), headers={"X-Twilio-Signature": "x"}).status_code == 400
    )


def test_a_key_press_without_digits_or_key_gets_a_clear_word_and_acknowledges_nothing(world: World) -> None:
    number = paged(world)
    call = world.call_to(ALICE)
    press = world.fake.press(call, "1")
    no_digits = Webhook(press.url, {k: v for k, v in press.params.items() if k != "Digits"})
    answer = world.send(no_digits)
    assert answer.status_code == 200
    assert "<Say>No key pressed: opsdesk will page again. Goodbye.</Say><Hangup />" in answer.text
    # Read out with no key pressed (voicemail, most likely): the voice page failed, nothing acknowledged.
    assert world.said(number, "page-failed") == ["voice page to alice: answered, no key pressed"]
    for url in (f"{PUBLIC}/api/v1/twilio/voice", f"{PUBLIC}/api/v1/twilio/voice?key=%E2%80%AE%00"):
        answer = world.send(Webhook(url, press.params))
        assert answer.status_code == 200
        assert "opsdesk cannot tell which page this call is." in answer.text
    no_sid = Webhook(press.url, {k: v for k, v in press.params.items() if k != "CallSid"})
    assert "cannot tell which page" in world.send(no_sid).text
    nul_digits = world.send(Webhook(press.url, press.params | {"Digits": "1\u0000"}))
    assert "<Say>Press 1 to acknowledge, or hang up.</Say>" in nul_digits.text
    assert world.incident(number).state is IncidentState.TRIGGERED


def test_a_key_press_from_a_call_to_another_number_is_refused(world: World) -> None:
    number = paged(world)
    press = world.fake.press(world.call_to(ALICE), "1")
    answer = world.send(Webhook(press.url, press.params | {"To": "+447700123456"}))
    assert "not on the opsdesk team" in answer.text
    assert world.incident(number).state is IncidentState.TRIGGERED


def test_a_status_with_odd_fields_is_written_plainly_or_ignored(world: World) -> None:
    number = paged(world)
    hook = world.fake.status(world.sms_to(ALICE), "delivered")
    odd = {"MessageStatus": "deliv\u202eered\u0000", "ErrorCode": "30\u00003"}
    assert world.send(Webhook(hook.url, hook.params | odd)).status_code == 200
    assert world.said(number, "page-status") == ["sms page to alice: deliv?ered? (error 303)"]
    nul_sid = world.send(Webhook(hook.url, hook.params | {"MessageSid": "SM\u0000"}))
    assert nul_sid.text == "ignored: not a page's status"
    bare = {k: v for k, v in hook.params.items() if k not in ("MessageStatus", "SmsStatus")}
    assert world.send(Webhook(hook.url, bare)).text == "ignored: not a page's status"


def test_without_a_public_address_the_webhooks_are_not_set_up_and_calls_take_no_keys(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    with twilio_world(db, tmp_path, cache_dir, fake_twilio, monkeypatch, public=None) as world:
        paged(world)
        call, sms = world.call_to(ALICE), world.sms_to(ALICE)
        assert "<Gather" not in call["twiml"]
        assert (call["status_callback"], sms["status_callback"]) == (None, None)
        answer = world.send(world.text(ALICE, "ack"))
        assert answer.status_code == 404
        assert "OPSDESK_PUBLIC_URL" in answer.text
        assert world.incident(1).state is IncidentState.TRIGGERED


def test_an_answer_naming_an_alarm_with_control_characters_is_still_twiml(world: World) -> None:
    number = world.alarm("Disk \x1b[31mfull\x0b on db-1")
    world.deliver()
    answer = world.send(world.text(ALICE, f"{number} ack"))
    document = minidom.parseString(answer.text)  # Twilio must be able to read it
    (said,) = document.getElementsByTagName("Message")
    assert said.firstChild is not None
    assert said.firstChild.nodeValue.startswith(f"Acknowledged #{number} (Disk [31mfull on db-1")


def test_a_bare_ack_in_a_storm_asks_for_the_number(world: World) -> None:
    paged_first = world.alarm("Disk full on db-1")
    world.deliver()
    world.clock.instant = world.clock.instant.replace(hour=23)  # no cover: the storm is held, nobody paged
    for n in range(100):
        world.alarm(f"Queue backing up on worker-{n}")
    answer = world.send(world.text(ALICE, "ack"))
    assert "Too many incidents are open to tell which you mean: reply with its number" in answer.text
    assert world.incident(paged_first).state is IncidentState.TRIGGERED
    done = world.send(world.text(ALICE, f"{paged_first} ack"))
    assert "Acknowledged" in done.text
