"""Engineers' notification rules on a virtual clock: alice is paged by Slack and SMS at once and by a voice
call 2 minutes later unless someone acknowledges; a failed SMS or call moves on to her next method at
once, and after her last method to the secondary (bilal, who has no rules: the service's paging ways)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.domain.incidents.paging import PageRef, parse_page_key
from opsdesk.domain.outbox import DeliveryError, OutboxState, OutgoingMessage
from opsdesk.domain.rota import EngineerId
from opsdesk.services.delivery import Deliverer
from tests.builders import utc
from tests.fakes import ScriptedChannel
from tests.incident_world import ENGINEER, ENGINEERS, World, policy_document

MINUTE = timedelta(minutes=1)
START = "2026-12-01 18:00"  # Tuesday evening (GMT), on call: alice primary, bilal secondary
PHONE = "+447911123456"
ALICE = {
    **ENGINEERS[0],
    "phone": "+44 7911 123456",
    "notify": [{"by": ["slack", "sms"]}, {"by": ["voice"], "after-minutes": 2}],
}
ALICE_SLACK, ALICE_SMS, ALICE_VOICE = ("slack", "UALICE"), ("sms", PHONE), ("voice", PHONE)
BILAL = ("slack", "UBILAL")
CHANNELS = frozenset({"log", "slack", "sms", "voice"})  # the paging ways: slack (email not set up)


def document(alice: dict[str, Any] = ALICE) -> dict[str, Any]:
    return policy_document(date(2026, 11, 30), engineers=[alice, *ENGINEERS[1:]])


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> Engine | None:
    """The in-memory unit of work, and a real SQLite file and PostgreSQL schema."""
    if request.param == "memory":
        return None
    database: Engine = request.getfixturevalue("sqlite_db" if request.param == "sqlite" else "pg_db")
    return database


def world(cache_dir: Path, db: Engine | None = None, alice: dict[str, Any] = ALICE) -> World:
    return World(db, cache_dir, utc(START), document(alice), CHANNELS)


def sent(w: World) -> list[tuple[str, str, str]]:
    """(channel, destination, HH:MM:SS) of every page's message, in order."""
    return [(c, d, f"{at:%H:%M:%S}") for c, d, at in w.pages()]


def ref(w: World, channel: str) -> PageRef:
    """The page key of alice's newest message by `channel`."""
    keys = [r.message.idempotency_key for r in w.outbox() if r.message.channel == channel]
    found = parse_page_key(keys[-1])
    assert found is not None
    return found


def said(w: World, incident_id: int) -> list[str]:
    return [e.message for e in w.timeline(incident_id)]


def test_acknowledged_within_a_minute_no_voice_call(cache_dir: Path) -> None:
    w = world(cache_dir)
    incident = w.alarm()
    assert sent(w) == [(*ALICE_SLACK, "18:00:00"), (*ALICE_SMS, "18:00:00")]
    assert [parse_page_key(r.message.idempotency_key) for r in w.outbox()][-1] == PageRef(
        incident.id, 1, 1, 1, "sms"
    )
    w.advance(MINUTE)
    w.incidents.acknowledge(incident.id, ENGINEER)
    w.run_until(utc("2026-12-01 19:00"))
    assert sent(w) == [(*ALICE_SLACK, "18:00:00"), (*ALICE_SMS, "18:00:00")]
    assert "alice not paged by voice (rule 2), cycle 1 step 1: the incident is acknowledged" in said(
        w, incident.id
    )


def test_not_acknowledged_voice_at_two_minutes_then_the_secondary_at_twenty(
    cache_dir: Path, store: Engine | None
) -> None:
    w = world(cache_dir, store)
    incident = w.alarm()
    w.run_until(utc("2026-12-01 18:25"))
    assert sent(w) == [
        (*ALICE_SLACK, "18:00:00"),
        (*ALICE_SMS, "18:00:00"),
        (*ALICE_VOICE, "18:02:00"),
        (*BILAL, "18:20:00"),  # no rules: the service's paging ways, as before
    ]
    lines = said(w, incident.id)
    assert (
        "paged alice (primary), cycle 1 step 1, by slack and sms (rule 1); rule 2 by voice at 2 min" in lines
    )
    assert "paged alice by voice (rule 2), cycle 1 step 1" in lines
    assert "paged bilal (secondary), cycle 1 step 2" in lines
    assert w.paged(incident.id) == [
        ("alice", "primary", utc("2026-12-01 18:00")),
        ("bilal", "secondary", utc("2026-12-01 18:20")),
    ]


def test_a_failed_sms_sends_the_voice_call_at_once_and_only_once(
    cache_dir: Path, store: Engine | None
) -> None:
    w = world(cache_dir, store)
    incident = w.alarm()
    w.advance(timedelta(seconds=30))
    sms = ref(w, "sms")
    w.incidents.method_failed(sms, EngineerId("alice"), "undelivered")
    assert sent(w)[-1] == (*ALICE_VOICE, "18:00:30")
    w.incidents.method_failed(sms, EngineerId("alice"), "undelivered")  # the callback, again
    w.run_until(utc("2026-12-01 18:19"))
    assert sent(w) == [(*ALICE_SLACK, "18:00:00"), (*ALICE_SMS, "18:00:00"), (*ALICE_VOICE, "18:00:30")]
    lines = said(w, incident.id)
    assert lines.count("sms page to alice: undelivered") == 1
    assert (
        "paged alice by voice (rule 2), cycle 1 step 1, at once: the sms page failed (undelivered)" in lines
    )
    w.run_until(utc("2026-12-01 18:20"))  # the escalation's steps keep their times
    assert sent(w)[-1] == (*BILAL, "18:20:00")


def test_a_failed_last_method_pages_the_secondary_at_once(cache_dir: Path, store: Engine | None) -> None:
    w = world(cache_dir, store)
    incident = w.alarm()
    w.run_until(utc("2026-12-01 18:03"))
    voice = ref(w, "voice")
    assert voice == PageRef(incident.id, 1, 1, 2, "voice")
    w.incidents.method_failed(voice, EngineerId("alice"), "no-answer")
    assert sent(w)[-1] == (*BILAL, "18:03:00")
    w.incidents.method_failed(voice, EngineerId("alice"), "no-answer")  # repeated: nothing more
    w.incidents.method_failed(ref(w, "sms"), EngineerId("alice"), "failed")  # rule 2 ran already
    w.run_until(utc("2026-12-01 18:12"))
    assert sent(w) == [
        (*ALICE_SLACK, "18:00:00"),
        (*ALICE_SMS, "18:00:00"),
        (*ALICE_VOICE, "18:02:00"),
        (*BILAL, "18:03:00"),  # not again at 18:20
    ]
    lines = said(w, incident.id)
    assert lines.count("voice page to alice: no-answer") == 1
    assert "alice's last method failed: the escalation moves on to its next step now" in lines
    # The next cycle comes the secondary's wait (10 minutes) after the early page.
    w.run_until(utc("2026-12-01 18:14"))
    assert sent(w)[-2:] == [(*ALICE_SLACK, "18:13:00"), (*ALICE_SMS, "18:13:00")]
    w.run_until(utc("2026-12-01 18:34"))  # cycle 2: alice's rules again, then bilal 10 minutes on
    assert sent(w)[-2:] == [(*ALICE_VOICE, "18:15:00"), (*BILAL, "18:33:00")]


def test_a_failure_after_acknowledgement_is_only_noted(cache_dir: Path) -> None:
    w = world(cache_dir)
    incident = w.alarm()
    w.incidents.acknowledge(incident.id, ENGINEER)
    w.incidents.method_failed(ref(w, "sms"), EngineerId("alice"), "failed")
    w.run_until(utc("2026-12-01 19:00"))
    assert sent(w) == [(*ALICE_SLACK, "18:00:00"), (*ALICE_SMS, "18:00:00")]
    assert "sms page to alice: failed" in said(w, incident.id)


def test_an_engineer_without_rules_is_paged_as_before_and_a_failure_is_only_noted(cache_dir: Path) -> None:
    w = World(None, cache_dir, utc(START), policy_document(date(2026, 11, 30)), CHANNELS)
    incident = w.alarm()
    (key,) = [r.message.idempotency_key for r in w.outbox() if r.message.idempotency_key.startswith("page:")]
    assert key == f"page:{incident.id}:c1s1:slack"
    page = parse_page_key(key)
    assert page is not None
    w.incidents.method_failed(page, EngineerId("alice"), "failed\u202e\x00" + "x" * 10_000)
    w.run_until(utc("2026-12-01 18:19"))
    assert len(w.pages()) == 1
    (line,) = [m for m in said(w, incident.id) if m.startswith("slack page to alice")]
    assert len(line) < 200 and "\x00" not in line


def test_a_permanently_failed_sms_delivery_moves_on_like_a_callback(cache_dir: Path) -> None:
    w = world(cache_dir)
    incident = w.alarm()
    (sms,) = [r.message for r in w.outbox() if r.message.channel == "sms"]
    w.incidents.delivery_failed(sms, "Twilio 21614: not a mobile number")
    assert sent(w)[-1] == (*ALICE_VOICE, "18:00:00")
    assert "sms page to alice: not delivered: Twilio 21614: not a mobile number" in said(w, incident.id)
    # Not a page, or a page by the service's ways: nothing.
    w.incidents.delivery_failed(OutgoingMessage("sms", PHONE, {}, "post:1:opened"), "x")
    assert len(w.pages()) == 3


def test_a_rule_later_than_the_steps_wait_is_still_sent_and_says_so(cache_dir: Path) -> None:
    alice = {**ALICE, "notify": [{"by": ["slack"]}, {"by": ["voice"], "after-minutes": 25}]}
    w = world(cache_dir, alice=alice)
    incident = w.alarm()
    w.run_until(utc("2026-12-01 18:26"))
    assert sent(w) == [(*ALICE_SLACK, "18:00:00"), (*BILAL, "18:20:00"), (*ALICE_VOICE, "18:25:00")]
    assert any("after the step's wait, so the next step was paged too" in m for m in said(w, incident.id))


def test_the_delivery_worker_moves_on_when_an_sms_fails_for_good(cache_dir: Path, db: Engine) -> None:
    w = world(cache_dir, db)
    incident = w.alarm()
    sms = ScriptedChannel([DeliveryError("Twilio 21614: not a mobile number", permanent=True)])
    voice, slack = ScriptedChannel(), ScriptedChannel()
    channels = {"sms": sms, "voice": voice, "slack": slack}
    deliverer = Deliverer(SqlOutbox(db), channels, w.clock, "w1", on_dead=w.incidents.delivery_failed)
    deliverer.run_once()
    deliverer.run_once()  # the voice page the failure brought forward
    assert [m.destination for m in voice.sent] == [PHONE]  # type: ignore[attr-defined]
    states = {r.message.idempotency_key: r.state for r in w.outbox()}
    assert states[f"page:{incident.id}:c1s1:r1:sms"] is OutboxState.DEAD
    assert states[f"page:{incident.id}:c1s1:r2:voice"] is OutboxState.DELIVERED
    assert "sms page to alice: not delivered: Twilio 21614: not a mobile number" in said(w, incident.id)
