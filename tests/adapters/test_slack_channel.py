"""The Slack channel against a local fake of chat.postMessage: success, 429 with Retry-After, 5xx, errors."""

from __future__ import annotations

import random
import socket
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.adapters.slack.channel import SlackChannel
from opsdesk.domain.outbox import (
    RETRY_AFTER_CEILING,
    Arrival,
    DeliveryError,
    OutboxState,
    OutgoingMessage,
    RetryPolicy,
)
from opsdesk.services.delivery import Deliverer
from tests.fake_slack import TOKEN, Answer, FakeSlack
from tests.fakes import SteppingClock

MESSAGE = OutgoingMessage("slack", "C0123ALARMS", {"text": "Root account used"}, "alarm-1")


def test_a_message_is_posted(fake_slack: FakeSlack) -> None:
    SlackChannel(TOKEN, fake_slack.url).send(MESSAGE)
    assert len(fake_slack.delivered) == 1
    assert fake_slack.delivered[0]["channel"] == "C0123ALARMS"
    assert fake_slack.delivered[0]["text"] == "Root account used"


@pytest.mark.parametrize(
    ("status", "body", "headers", "retry_after", "permanent"),
    [
        (429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"}, timedelta(seconds=7), False),
        (500, {"ok": False, "error": "internal_error"}, {}, None, False),
        (503, {"ok": False, "error": "service_unavailable"}, {}, None, False),
        (200, {"ok": False, "error": "channel_not_found"}, {}, None, True),
        (200, {"ok": False, "error": "invalid_auth"}, {}, None, True),
    ],
)
def test_failures_say_whether_to_retry(
    fake_slack: FakeSlack,
    status: int,
    body: dict[str, object],
    headers: dict[str, str],
    retry_after: timedelta | None,
    permanent: bool,
) -> None:
    fake_slack.script.append((status, body, headers))
    with pytest.raises(DeliveryError) as caught:
        SlackChannel(TOKEN, fake_slack.url).send(MESSAGE)
    assert (caught.value.retry_after, caught.value.permanent) == (retry_after, permanent)
    assert fake_slack.delivered == []


def test_a_wrong_token_is_permanent(fake_slack: FakeSlack) -> None:
    with pytest.raises(DeliveryError) as caught:
        SlackChannel("xoxb-wrong", fake_slack.url).send(MESSAGE)
    assert caught.value.permanent
    assert "not_authed" in caught.value.reason


def test_429_then_500_then_200_backs_off_and_delivers_once(db: Engine, fake_slack: FakeSlack) -> None:
    fake_slack.script += [
        (429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "20"}),
        (500, {"ok": False, "error": "internal_error"}, {}),
    ]
    store = SqlOutbox(db)
    start = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    with db.begin() as connection:
        store.add(connection, MESSAGE, start)
    clock = SteppingClock(start)
    deliverer = Deliverer(
        store, {"slack": SlackChannel(TOKEN, fake_slack.url)}, clock, "w1", RetryPolicy(rng=random.Random(2))
    )
    deliverer.run_once()
    (row,) = store.rows()
    assert row.next_attempt_at == start + timedelta(seconds=20)  # Slack's Retry-After, not sooner
    clock.advance(timedelta(seconds=19))
    assert deliverer.run_once() == 0
    clock.advance(timedelta(seconds=1))
    deliverer.run_once()  # the 500
    (row,) = store.rows()
    assert timedelta(seconds=1) <= row.next_attempt_at - clock.now() <= timedelta(seconds=4)
    clock.advance(timedelta(seconds=5))
    deliverer.run_once()
    (row,) = store.rows()
    assert (row.state, row.attempts) == (OutboxState.DELIVERED, 3)
    assert fake_slack.attempts == 3
    assert len(fake_slack.delivered) == 1


# -- answers that fail oddly, and finding a post whose answer was lost -----------------------------------


@pytest.mark.parametrize("header", ["31536000", "1000000000000", "9" * 5000])
def test_an_absurd_retry_after_is_read_without_overflow(fake_slack: FakeSlack, header: str) -> None:
    fake_slack.script.append((429, {"ok": False, "error": "ratelimited"}, {"Retry-After": header}))
    with pytest.raises(DeliveryError) as caught:
        SlackChannel(TOKEN, fake_slack.url).send(MESSAGE)
    assert caught.value.retry_after == RETRY_AFTER_CEILING  # the policy then caps it at minutes
    assert caught.value.reason == "HTTP 429 ratelimited (Retry-After 86400 s)"


def test_a_reply_cut_short_is_in_doubt_and_the_post_is_found(fake_slack: FakeSlack) -> None:
    fake_slack.plan = lambda body, tries: Answer(cut_short=True)
    channel = SlackChannel(TOKEN, fake_slack.url)
    since = datetime.now(UTC)
    with pytest.raises(DeliveryError) as caught:
        channel.send(MESSAGE)
    assert caught.value.in_doubt
    assert "IncompleteRead" in caught.value.reason
    assert channel.arrival(MESSAGE, since) is Arrival.ARRIVED
    other = OutgoingMessage("slack", "C0123ALARMS", {"text": "Another"}, "alarm-2")
    assert channel.arrival(other, since) is Arrival.SEND
    assert fake_slack.delivered[0]["metadata"] == {
        "event_type": "opsdesk_outbox",
        "event_payload": {"key": "alarm-1"},
    }


@pytest.mark.parametrize(
    "message",
    [
        OutgoingMessage("slack", "#alarms", {"text": "by name"}, "k-name"),
        OutgoingMessage("slack", "U0DANA", {"text": "a direct message"}, "k-dm"),
        OutgoingMessage("slack", "C0123ALARMS", {"text": "in a thread", "thread_ts": "1.0001"}, "k-thread"),
    ],
    ids=["channel-name", "direct-message", "thread"],
)
def test_a_post_is_found_wherever_it_went(fake_slack: FakeSlack, message: OutgoingMessage) -> None:
    channel = SlackChannel(TOKEN, fake_slack.url)
    since = datetime.now(UTC)
    assert channel.arrival(message, since) is Arrival.SEND
    channel.send(message)
    assert channel.arrival(message, since) is Arrival.ARRIVED


def test_without_read_scopes_the_outcome_is_unknown(fake_slack: FakeSlack) -> None:
    fake_slack.scopes = set()
    assert SlackChannel(TOKEN, fake_slack.url).arrival(MESSAGE, datetime.now(UTC)) is Arrival.UNKNOWN


def test_a_slow_answer_past_the_timeout_is_in_doubt_and_a_refused_connection_is_not(
    fake_slack: FakeSlack,
) -> None:
    fake_slack.plan = lambda body, tries: Answer(delay=2.5)
    with pytest.raises(DeliveryError) as slow:
        SlackChannel(TOKEN, fake_slack.url, timeout=1).send(MESSAGE)
    assert slow.value.in_doubt
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(DeliveryError) as refused:
        SlackChannel(TOKEN, f"http://127.0.0.1:{port}/api/").send(MESSAGE)
    assert not refused.value.in_doubt
    assert refused.value.reason.startswith("Slack unreachable while posting")


def test_a_cut_short_post_goes_out_once_through_the_outbox(db: Engine, fake_slack: FakeSlack) -> None:
    fake_slack.plan = lambda body, tries: Answer(cut_short=tries == 1)
    store = SqlOutbox(db)
    start = datetime.now(UTC)
    with db.begin() as connection:
        store.add(connection, MESSAGE, start)
    clock = SteppingClock(start)
    deliverer = Deliverer(store, {"slack": SlackChannel(TOKEN, fake_slack.url)}, clock, "w1")
    deliverer.run_once()
    clock.advance(timedelta(minutes=1))
    deliverer.run_once()
    assert fake_slack.texts() == ["Root account used"]
    assert fake_slack.looks == 1
    (row,) = store.rows()
    assert (row.state, row.attempts) == (OutboxState.DELIVERED, 2)
