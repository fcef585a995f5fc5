"""A page by SMS, end to end: an incident in on-call hours, the outbox, a worker, Twilio (a local fake)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.bootstrap.channels import channel_names, channels
from opsdesk.config.deployment import DeploymentSettings
from opsdesk.domain.outbox import OutboxState
from opsdesk.services.delivery import Deliverer
from tests.builders import utc
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, SENDER, FakeTwilio
from tests.incident_world import ENGINEERS, World, policy_document

ALICE = "+447911123456"


def twilio_settings(monkeypatch: pytest.MonkeyPatch, fake: FakeTwilio) -> DeploymentSettings:
    monkeypatch.setenv("OPSDESK_TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("OPSDESK_TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    monkeypatch.setenv("OPSDESK_TWILIO_FROM", SENDER)
    monkeypatch.setenv("OPSDESK_TWILIO_API_URL", fake.url)
    return DeploymentSettings()


def test_sms_and_voice_are_set_up_only_with_all_three_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSDESK_TWILIO_ACCOUNT_SID", ACCOUNT_SID)
    monkeypatch.setenv("OPSDESK_TWILIO_AUTH_TOKEN", AUTH_TOKEN)
    assert not {"sms", "voice"} & channel_names(DeploymentSettings())
    monkeypatch.setenv("OPSDESK_TWILIO_FROM", SENDER)
    settings = DeploymentSettings()
    assert {"sms", "voice"} <= channel_names(settings)
    assert AUTH_TOKEN not in repr(settings)


def test_an_incident_in_on_call_hours_texts_the_primarys_phone(
    db: Engine, fake_twilio: FakeTwilio, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engineers = [{**e, "phone": ALICE} if e["id"] == "alice" else e for e in ENGINEERS]
    services = [{"id": "platform", "name": "Platform", "paging": ["sms"], "integration-keys": ["k" * 32]}]
    document = policy_document(date(2026, 11, 30), services=services, engineers=engineers)
    settings = twilio_settings(monkeypatch, fake_twilio)
    # Tuesday 1 December 20:00: on-call hours, and alice is the primary this week.
    w = World(db, cache_dir, utc("2026-12-01 20:00"), document, channel_names(settings))
    incident = w.alarm()
    (row,) = [r for r in w.outbox() if r.message.idempotency_key.startswith("page:")]
    assert (row.message.channel, row.message.destination) == ("sms", ALICE)
    assert row.message.idempotency_key == f"page:{incident.id}:c1s1:sms"

    deliverer = Deliverer(SqlOutbox(db), channels(settings), w.clock, "w1")
    while deliverer.run_once():
        pass
    (message,) = fake_twilio.messages
    assert (message["to"], message["from"]) == (ALICE, SENDER)
    assert message["body"] == (
        f"PAGE #{incident.id} critical Platform: Disk full on db-1\n"
        f"Reply {incident.id} ack / {incident.id} resolve\n"
        "Also: secondary Bilal\n"
        "You: primary, cycle 1 step 1\n"
        "From: db-1"
    )
    (row,) = [r for r in w.outbox() if r.message.idempotency_key.startswith("page:")]
    assert row.state is OutboxState.DELIVERED
    assert row.reference == {"sid": message["sid"]}
