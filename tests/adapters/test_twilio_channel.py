"""Paging by SMS and voice call with Twilio's own client, against a local fake of its REST API."""

from __future__ import annotations

import random
import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.adapters.twilio.channel import TwilioSms, TwilioVoice
from opsdesk.domain.outbox import Arrival, DeliveryError, OutboxState, OutgoingMessage, RetryPolicy
from opsdesk.services.delivery import Deliverer
from tests.builders import utc
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, SENDER, FakeTwilio, Scripted
from tests.fakes import SteppingClock

ALICE = "+447911123456"
SMS = OutgoingMessage("sms", ALICE, {"body": "PAGE #7 platform: Disk full"}, "page:7:c1s1:sms")
CALL = OutgoingMessage("voice", ALICE, {"say": "Incident 7 on platform: Disk full"}, "page:7:c1s1:voice")


def sms(fake: FakeTwilio, token: str = AUTH_TOKEN, timeout: float = 10) -> TwilioSms:
    return TwilioSms(ACCOUNT_SID, token, SENDER, fake.url, timeout)


def voice(fake: FakeTwilio) -> TwilioVoice:
    return TwilioVoice(ACCOUNT_SID, AUTH_TOKEN, SENDER, fake.url, 10)


def test_an_sms_reaches_the_engineers_phone(fake_twilio: FakeTwilio) -> None:
    reference = sms(fake_twilio).send(SMS)
    (message,) = fake_twilio.messages
    assert (message["to"], message["from"], message["body"]) == (ALICE, SENDER, "PAGE #7 platform: Disk full")
    assert reference == {"sid": message["sid"]}
    assert message["sid"].startswith("SM")


def test_a_call_reads_the_page_out_three_times(fake_twilio: FakeTwilio) -> None:
    voice(fake_twilio).send(CALL)
    (call,) = fake_twilio.calls
    assert call["to"] == ALICE
    assert call["twiml"] == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        '<Say loop="3">Incident 7 on platform: Disk full</Say></Response>'
    )


@pytest.mark.parametrize(
    ("to", "code", "words"),
    [("07911123456", 21211, "invalid 'To' phone number"), ("+442071234567", 21614, "not a mobile number")],
)
def test_a_number_twilio_refuses_is_permanent_and_named_by_its_code(
    fake_twilio: FakeTwilio, to: str, code: int, words: str
) -> None:
    fake_twilio.landlines.add("+442071234567")
    with pytest.raises(DeliveryError) as caught:
        sms(fake_twilio).send(OutgoingMessage("sms", to, {"body": "x"}, "k"))
    assert caught.value.permanent
    assert f"error {code}" in caught.value.reason
    assert words in caught.value.reason
    assert fake_twilio.messages == []


def test_wrong_credentials_are_permanent_and_the_token_never_shows(fake_twilio: FakeTwilio) -> None:
    with pytest.raises(DeliveryError) as caught:
        sms(fake_twilio, token="not-the-token").send(SMS)
    assert caught.value.permanent
    assert "error 20003" in caught.value.reason
    assert "not-the-token" not in caught.value.reason


@pytest.mark.parametrize(
    ("scripted", "retry_after"),
    [
        (Scripted(429, {"Retry-After": "30"}, 20429), timedelta(seconds=30)),
        (Scripted(429, {"Retry-After": "9" * 40}, 20429), timedelta(days=1)),  # capped, never overflows
        (Scripted(429, {}, 20429), timedelta(seconds=60)),
        (Scripted(500, {}, 20500), None),
        (Scripted(503, {}, 20503), None),
    ],
)
def test_rate_limits_and_twilio_outages_are_retried(
    fake_twilio: FakeTwilio, scripted: Scripted, retry_after: timedelta | None
) -> None:
    fake_twilio.script.append(scripted)
    with pytest.raises(DeliveryError) as caught:
        sms(fake_twilio).send(SMS)
    error = caught.value
    assert (error.permanent, error.in_doubt, error.retry_after) == (False, False, retry_after)
    assert fake_twilio.messages == []


def test_an_unreachable_twilio_is_retried_not_in_doubt() -> None:
    channel = TwilioSms(ACCOUNT_SID, AUTH_TOKEN, SENDER, "http://127.0.0.1:9", 2)
    with pytest.raises(DeliveryError) as caught:
        channel.send(SMS)
    assert (caught.value.permanent, caught.value.in_doubt) == (False, False)


def test_a_connection_cut_after_the_request_leaves_it_in_doubt() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:

        def cut() -> None:  # read the request, then hang up without answering
            connection, _ = server.accept()
            with connection:
                connection.recv(65536)

        threading.Thread(target=cut, daemon=True).start()
        url = f"http://127.0.0.1:{server.getsockname()[1]}"
        with pytest.raises(DeliveryError) as caught:
            TwilioSms(ACCOUNT_SID, AUTH_TOKEN, SENDER, url, 5).send(SMS)
    assert (caught.value.permanent, caught.value.in_doubt) == (False, True)


def test_a_time_out_leaves_the_sms_in_doubt_and_the_look_finds_it(fake_twilio: FakeTwilio) -> None:
    since = datetime.now(UTC)
    fake_twilio.script.append(Scripted(200, stall=5, then_record=True))  # Twilio took it, the answer is lost
    with pytest.raises(DeliveryError) as caught:
        sms(fake_twilio, timeout=0.5).send(SMS)
    assert caught.value.in_doubt
    fake_twilio.released.set()
    assert sms(fake_twilio).arrival(SMS, since) is Arrival.ARRIVED
    other = OutgoingMessage("sms", ALICE, {"body": "another page"}, "page:8:c1s1:sms")
    assert sms(fake_twilio).arrival(other, since) is Arrival.SEND
    assert sms(fake_twilio).arrival(SMS, since + timedelta(hours=1)) is Arrival.SEND  # older: not this one


def test_a_call_after_a_lost_answer_is_found_by_number_and_time(fake_twilio: FakeTwilio) -> None:
    since = datetime.now(UTC)
    assert voice(fake_twilio).arrival(CALL, since) is Arrival.SEND
    voice(fake_twilio).send(CALL)
    assert voice(fake_twilio).arrival(CALL, since) is Arrival.ARRIVED


def test_through_the_outbox_a_429_then_the_sms_once(db: Engine, fake_twilio: FakeTwilio) -> None:
    outbox = SqlOutbox(db)
    clock = SteppingClock(utc("2026-12-01 16:00"))
    with db.begin() as connection:
        assert outbox.add(connection, SMS, clock.now())
    fake_twilio.script.append(Scripted(429, {"Retry-After": "86400"}, 20429))
    policy = RetryPolicy(rng=random.Random(3))
    deliverer = Deliverer(outbox, {"sms": sms(fake_twilio)}, clock, "w1", policy)
    assert deliverer.run_once() == 1
    (row,) = outbox.rows()
    assert row.next_attempt_at - clock.now() <= policy.max_retry_after  # a day's wish is capped
    clock.advance(policy.max_retry_after)
    assert deliverer.run_once() == 1
    (row,) = outbox.rows()
    assert (row.state, row.attempts) == (OutboxState.DELIVERED, 2)
    assert len(fake_twilio.messages) == 1
