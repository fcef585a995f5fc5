"""A running worker's failed pages move on by the policy in force when they fail: an engineer's rules
given after it started are followed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.fake_twilio import FakeTwilio
from tests.twilio_world import ALICE, twilio_world


def test_rules_given_after_the_worker_started_move_a_refused_sms_on_to_the_call(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    with twilio_world(db, tmp_path, cache_dir, fake_twilio, monkeypatch) as world:
        worker = world.context.live.deliverer("long-running-worker")  # built before the change
        policy = tmp_path / "opsdesk.yaml"
        document = json.loads(policy.read_text(encoding="utf-8"))
        for engineer in document["engineers"]:
            if engineer["id"] == "alice":
                engineer["notify"] = [{"by": ["sms"]}, {"by": ["voice"], "after-minutes": 2}]
        policy.write_text(json.dumps(document), encoding="utf-8")
        assert world.context.live.check() is True

        fake_twilio.landlines.add(ALICE)  # Twilio refuses the SMS for good: 21614, not a mobile
        number = world.alarm()
        while worker.run_once():
            pass
        assert [c["to"] for c in fake_twilio.calls] == [ALICE]  # rule 2 at once, not in 2 minutes
        assert world.said(number, "page-failed")[0].startswith("sms page to alice: not delivered")
