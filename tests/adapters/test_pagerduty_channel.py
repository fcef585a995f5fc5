"""Paging through PagerDuty with its own client, against a local HTTPS fake of the Events API v2."""

from __future__ import annotations

import random
import ssl
from datetime import timedelta
from pathlib import Path

import pytest
import trustme
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine

from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.adapters.pagerduty.channel import PagerDutyChannel
from opsdesk.domain.outbox import DeliveryError, OutboxState, OutgoingMessage, RetryPolicy
from opsdesk.services.delivery import Deliverer
from tests.builders import utc
from tests.fake_pagerduty import ROUTING_KEY, FakePagerDuty
from tests.fakes import SteppingClock

PAGE = OutgoingMessage(
    "pagerduty",
    "PALICE1",
    {
        "event_action": "trigger",
        "dedup_key": "opsdesk-7-c1s1",
        "payload": {"summary": "#7 Disk full", "source": "opsdesk/platform", "severity": "critical"},
    },
    "page:7:c1s1:pagerduty",
)


def channel(
    fake: FakePagerDuty, tls: tuple[HTTPServer, trustme.CA, Path], key: str = ROUTING_KEY
) -> PagerDutyChannel:
    context = ssl.create_default_context(cafile=str(tls[2]))
    return PagerDutyChannel(key, fake.url, context)


def test_a_page_reaches_pagerduty_with_its_dedup_key(
    fake_pagerduty: FakePagerDuty, tls: tuple[HTTPServer, trustme.CA, Path]
) -> None:
    channel(fake_pagerduty, tls).send(PAGE)
    (event,) = fake_pagerduty.events
    assert event["routing_key"] == ROUTING_KEY
    assert event["dedup_key"] == "opsdesk-7-c1s1"
    assert event["payload"]["summary"] == "#7 Disk full"
    channel(fake_pagerduty, tls).send(PAGE)  # a retried delivery folds into the same alert
    assert fake_pagerduty.alerts == {"opsdesk-7-c1s1": 2}


def test_the_client_refuses_plain_http_and_untrusted_certificates(
    fake_pagerduty: FakePagerDuty, tls: tuple[HTTPServer, trustme.CA, Path]
) -> None:
    with pytest.raises(Exception, match="https"):
        PagerDutyChannel(ROUTING_KEY, fake_pagerduty.url.replace("https:", "http:"))
    untrusted = PagerDutyChannel(ROUTING_KEY, fake_pagerduty.url)  # the system's CAs only
    with pytest.raises(DeliveryError, match="unreachable"):
        untrusted.send(PAGE)
    assert fake_pagerduty.events == []


@pytest.mark.parametrize(
    ("status", "headers", "retry_after", "permanent"),
    [
        (429, {"Retry-After": "30"}, timedelta(seconds=30), False),
        (500, {}, None, False),
        (503, {}, None, False),
    ],
)
def test_failures_say_whether_to_retry(
    fake_pagerduty: FakePagerDuty,
    tls: tuple[HTTPServer, trustme.CA, Path],
    status: int,
    headers: dict[str, str],
    retry_after: timedelta | None,
    permanent: bool,
) -> None:
    fake_pagerduty.script += [(status, headers)] * 2  # the client's one retry of a 429 meets it again
    with pytest.raises(DeliveryError) as caught:
        channel(fake_pagerduty, tls).send(PAGE)
    assert (caught.value.retry_after, caught.value.permanent) == (retry_after, permanent)
    assert fake_pagerduty.events == []


def test_a_wrong_routing_key_is_permanent(
    fake_pagerduty: FakePagerDuty, tls: tuple[HTTPServer, trustme.CA, Path]
) -> None:
    with pytest.raises(DeliveryError) as caught:
        channel(fake_pagerduty, tls, key="short").send(PAGE)
    assert caught.value.permanent
    assert "should be 32 characters" in caught.value.reason


def test_through_the_outbox_a_500_is_retried_and_paged_once(
    db: Engine, fake_pagerduty: FakePagerDuty, tls: tuple[HTTPServer, trustme.CA, Path]
) -> None:
    outbox = SqlOutbox(db)
    clock = SteppingClock(utc("2026-12-01 16:00"))
    with db.begin() as connection:
        assert outbox.add(connection, PAGE, clock.now())
        assert not outbox.add(connection, PAGE, clock.now())  # the same page twice is one row
    fake_pagerduty.script.append((500, {}))
    deliverer = Deliverer(
        outbox, {"pagerduty": channel(fake_pagerduty, tls)}, clock, "w1", RetryPolicy(rng=random.Random(3))
    )
    assert deliverer.run_once() == 1
    clock.advance(timedelta(minutes=1))
    assert deliverer.run_once() == 1
    (row,) = outbox.rows()
    assert (row.state, row.attempts) == (OutboxState.DELIVERED, 2)
    assert fake_pagerduty.alerts == {"opsdesk-7-c1s1": 1}
