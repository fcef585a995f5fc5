"""Phone off, end to end on a virtual clock: the primary's SMS is undelivered, so the voice call of their
next rule goes at once instead of at 2 minutes; nobody answers it, so the secondary is paged at once
instead of at 20 minutes; the secondary acknowledges by SMS reply. Twilio's status callbacks are posted
back as Twilio signs them, through the served app, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from opsdesk.domain.incidents.model import IncidentState
from tests.fake_twilio import FakeTwilio
from tests.twilio_world import ALICE, BILAL, EVENING, World, twilio_world

RULES = [{"by": ["sms"]}, {"by": ["voice"], "after-minutes": 2}]


@pytest.fixture
def world(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    notify = {"alice": RULES, "bilal": RULES}
    with twilio_world(db, tmp_path, cache_dir, fake_twilio, monkeypatch, notify=notify) as made:
        yield made


def sent_to(world: World, phone: str) -> tuple[int, int]:
    """(SMS, calls) Twilio was asked to send to `phone`."""
    return (
        len([m for m in world.fake.messages if m["to"] == phone]),
        len([c for c in world.fake.calls if c["to"] == phone]),
    )


def test_phone_off_moves_to_the_call_then_to_the_secondary_at_once(world: World) -> None:
    number = world.alarm()
    world.deliver()
    assert (sent_to(world, ALICE), sent_to(world, BILAL)) == ((1, 0), (0, 0))  # rule 1: the SMS alone

    world.clock.instant = EVENING + timedelta(seconds=40)
    undelivered = world.send(world.fake.status(world.sms_to(ALICE), "undelivered", "30003"))
    assert undelivered.status_code == 200
    world.deliver()
    assert sent_to(world, ALICE) == (1, 1)  # the call now, not at 2 minutes

    world.clock.instant = EVENING + timedelta(seconds=90)
    world.send(world.fake.status(world.call_to(ALICE), "ringing"))
    world.send(world.fake.status(world.call_to(ALICE), "no-answer"))
    world.deliver()
    assert sent_to(world, BILAL) == (1, 0)  # the secondary now, not at 20 minutes

    # Their rule 2 and the escalation's own times pass: nothing is sent twice.
    world.run_jobs_until(EVENING + timedelta(minutes=4))
    world.deliver()
    assert (sent_to(world, ALICE), sent_to(world, BILAL)) == (
        (1, 1),
        (1, 1),
    )  # bilal's call 2 min after his page
    # The secondary's step waits 10 minutes from when it was paged (1.5): cycle 2 pages alice at 11.5.
    world.run_jobs_until(EVENING + timedelta(minutes=11))
    world.deliver()
    assert sent_to(world, ALICE) == (1, 1)
    world.run_jobs_until(EVENING + timedelta(minutes=21))
    world.deliver()
    # alice's SMS at 11.5 and call at 13.5; the secondary's step, paged early, is not paged again at 20.
    assert (sent_to(world, ALICE), sent_to(world, BILAL)) == ((2, 2), (1, 1))

    answer = world.send(world.text(BILAL, f"{number} ack"))
    assert "Acknowledged" in answer.text
    assert world.incident(number).state is IncidentState.ACKNOWLEDGED
    assert world.said(number, "page-failed") == [
        "sms page to alice: undelivered (error 30003)",
        "voice page to alice: no-answer",
    ]
    moved = [e.message for e in world.timeline(number) if e.kind in ("paged", "paged-rule", "moved-on")]
    assert moved[:4] == [
        "paged alice (primary), cycle 1 step 1, by sms (rule 1); rule 2 by voice at 2 min",
        "paged alice by voice (rule 2), cycle 1 step 1, at once: the sms page failed (undelivered (error 30003))",
        "alice's last method failed: the escalation moves on to its next step now",
        "paged bilal (secondary), cycle 1 step 2, by sms (rule 1); rule 2 by voice at 2 min",
    ]


def test_a_failure_after_acknowledgement_is_noted_and_pages_nobody(world: World) -> None:
    number = world.alarm()
    world.deliver()
    world.send(world.text(ALICE, f"{number} ack"))
    world.send(world.fake.status(world.sms_to(ALICE), "failed", "30008"))
    world.run_jobs_until(EVENING + timedelta(minutes=30))
    world.deliver()
    assert (sent_to(world, ALICE), sent_to(world, BILAL)) == ((1, 0), (0, 0))
    assert world.said(number, "page-failed") == ["sms page to alice: failed (error 30008)"]


@pytest.mark.parametrize(
    ("call", "moves_on"),
    [("in-progress", False), ("busy", True)],
    ids=["the-call-was-answered", "the-call-failed-too"],
)
def test_a_rule_of_sms_and_call_moves_on_only_when_both_failed(
    db: Engine,
    tmp_path: Path,
    cache_dir: Path,
    fake_twilio: FakeTwilio,
    monkeypatch: pytest.MonkeyPatch,
    call: str,
    moves_on: bool,
) -> None:
    both = [{"by": ["sms", "voice"]}]
    with twilio_world(db, tmp_path, cache_dir, fake_twilio, monkeypatch, notify={"alice": both}) as world:
        number = world.alarm()
        world.deliver()
        world.send(world.fake.status(world.call_to(ALICE), call))
        world.send(world.fake.status(world.sms_to(ALICE), "undelivered", "30003"))
        world.deliver()
        assert sent_to(world, BILAL) == ((1, 1) if moves_on else (0, 0))  # by the service's sms and voice
        failed = ["voice page to alice: busy"] if moves_on else []
        assert world.said(number, "page-failed") == [*failed, "sms page to alice: undelivered (error 30003)"]


def test_voicemail_takes_the_call_so_the_secondary_is_paged_at_once(world: World) -> None:
    number = world.alarm()
    world.deliver()
    world.send(world.fake.status(world.sms_to(ALICE), "delivered"))  # on the phone; she sleeps on
    world.run_jobs_until(EVENING + timedelta(minutes=2))
    world.deliver()
    call = world.call_to(ALICE)
    world.send(world.fake.status(call, "in-progress"))  # voicemail answers
    no_key = world.fake.press(call, "")  # Twilio asks the Gather's action with no Digits after it
    answer = world.send(no_key)
    assert "No key pressed: opsdesk will page again." in answer.text
    world.deliver()
    assert sent_to(world, BILAL) == (1, 0)  # not at 20 minutes
    assert world.said(number, "page-failed") == ["voice page to alice: answered, no key pressed"]
    world.send(no_key)  # Twilio's retry: nothing more
    world.deliver()
    assert sent_to(world, BILAL) == (1, 0)
