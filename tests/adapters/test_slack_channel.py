"""The Slack channel against a local fake of chat.postMessage: success, 429 with Retry-After, 5xx, errors."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from opsdesk.adapters.channels.slack import SlackChannel
from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.domain.outbox import DeliveryError, OutboxState, OutgoingMessage, RetryPolicy
from opsdesk.services.delivery import Deliverer
from tests.fake_slack import TOKEN, FakeSlack
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
