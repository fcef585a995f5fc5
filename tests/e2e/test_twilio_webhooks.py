"""Acknowledging from the page, end to end: a page by SMS and by voice call through the fake Twilio, the
engineer's SMS reply or key press posted back as Twilio signs it, and each page's delivery status on the
incident's timeline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from opsdesk.domain.incidents.model import IncidentState
from tests.fake_twilio import FakeTwilio
from tests.twilio_world import ALICE, BILAL, PUBLIC, STRANGER, World, twilio_world

XML = "text/xml; charset=utf-8"


@pytest.fixture
def world(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    with twilio_world(db, tmp_path, cache_dir, fake_twilio, monkeypatch) as made:
        yield made


def message(text: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{text}</Message></Response>'


def said(text: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><Response><Say>{text}</Say><Hangup /></Response>'


def paged(world: World) -> int:
    number = world.alarm()
    world.deliver()
    return number


def test_the_primary_acknowledges_by_sms_reply_then_resolves(world: World) -> None:
    number = paged(world)
    sms = world.sms_to(ALICE)
    assert sms["status_callback"] == f"{PUBLIC}/api/v1/twilio/status?key=page:{number}:c1s1:sms"

    reply = world.text("+44 7911 123456", f"{number} ack")  # spaced as a phone shows it
    answer = world.send(reply)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == XML
    assert answer.text == message(
        f"Acknowledged #{number} (Disk full on db-1 on Platform). Reply '{number} resolve' when it is fixed."
    )
    incident = world.incident(number)
    assert (incident.state, incident.acknowledged_by) == (IncidentState.ACKNOWLEDGED, "alice")
    (entry,) = [e for e in world.timeline(number) if e.kind == "acknowledged"]
    assert (entry.actor, str(entry.source)) == ("alice", "phone")

    # Twilio retries a webhook it got no answer to: the same MessageSid is taken in once, and answered
    # with no second SMS.
    again = world.send(reply)
    assert again.text == '<?xml version="1.0" encoding="UTF-8"?><Response />'
    assert len([e for e in world.timeline(number) if e.kind == "acknowledged"]) == 1

    done = world.send(world.text("07911123456", "R"))  # national form; the one open incident
    assert done.text == message(f"Resolved #{number} (Disk full on db-1 on Platform).")
    assert world.incident(number).resolved_by == "alice"


def test_the_primary_answers_the_call_and_presses_1(world: World) -> None:
    number = paged(world)
    call = world.call_to(ALICE)
    assert call["status_callback"] == f"{PUBLIC}/api/v1/twilio/status?key=page:{number}:c1s1:voice"
    assert call["status_callback_event"] == ["initiated", "ringing", "answered", "completed"]
    action = f"{PUBLIC}/api/v1/twilio/voice?key=page:{number}:c1s1:voice"
    gather = f'<Gather action="{action}" actionOnEmptyResult="true" method="POST" numDigits="1" timeout="5">'
    assert gather in call["twiml"]
    assert "<Say>Press 1 to acknowledge.</Say>" in call["twiml"]
    assert call["twiml"].endswith("</Gather><Say>No key pressed: opsdesk will page again.</Say></Response>")

    wrong = world.send(world.fake.press(call, "7"))
    assert "<Say>Press 1 to acknowledge, or hang up.</Say>" in wrong.text
    assert f'action="{action}"' in wrong.text
    assert world.incident(number).state is IncidentState.TRIGGERED

    pressed = world.fake.press(call, "1")
    answer = world.send(pressed)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == XML
    assert answer.text == said(f"Acknowledged incident {number}. Goodbye.")
    incident = world.incident(number)
    assert (incident.state, incident.acknowledged_by) == (IncidentState.ACKNOWLEDGED, "alice")

    again = world.send(pressed)  # Twilio's retry of the same key press
    assert again.text == said("This key press was taken already. Goodbye.")
    assert len([e for e in world.timeline(number) if e.kind == "acknowledged"]) == 1


def test_a_second_acknowledgement_says_who_acknowledged_and_when(world: World) -> None:
    number = paged(world)
    world.send(world.text(ALICE, "ack"))
    answer = world.send(world.fake.press(world.call_to(ALICE), "1"))
    assert answer.text == said(
        f"incident {number} is already acknowledged by alice at 17:30 Mon 30 Nov. Goodbye."
    )
    texted = world.send(world.text(ALICE, f"#{number} a"))
    assert f"#{number} is already acknowledged by alice at 17:30 Mon 30 Nov." in texted.text
    assert len([e for e in world.timeline(number) if e.kind == "acknowledged"]) == 1


def test_a_forged_webhook_is_refused_and_changes_nothing(world: World) -> None:
    number = paged(world)
    before = world.timeline(number)
    reply = world.text(ALICE, f"{number} ack")
    for signature in (
        reply.signature(token="not-the-auth-token"),  # forged
        reply.signature(url="http://attacker.example/api/v1/twilio/sms"),  # signed for another address
        reply.signature(url="http://testserver/api/v1/twilio/sms"),  # the request's own Host: not it
        "",  # missing
    ):
        answer = world.send(reply, signature=signature)
        assert answer.status_code == 401
        assert answer.headers["content-type"].startswith("text/plain")
        assert answer.text == "the X-Twilio-Signature does not match this request and the auth token"
    # Signed, then changed on the way: another body.
    changed = world.send(reply, params=reply.params | {"Body": f"{number} resolve"})
    assert changed.status_code == 401
    press = world.fake.press(world.call_to(ALICE), "1")
    assert world.send(press, signature=press.signature(token="forged")).status_code == 401
    status = world.fake.status(world.sms_to(ALICE), "delivered")
    assert world.send(status, signature="AAAA").status_code == 401
    assert world.incident(number).state is IncidentState.TRIGGERED
    assert world.timeline(number) == before


def test_a_reply_from_an_unknown_number_is_refused_and_changes_nothing(world: World) -> None:
    number = paged(world)
    before = world.timeline(number)
    answer = world.send(world.text(STRANGER, f"{number} ack"))
    assert answer.status_code == 200
    assert answer.text == message(
        "This number is not on the opsdesk team: ask an admin to add it under engineers[].phone, or use Slack."
    )
    unreadable = world.send(world.text("not a number", f"{number} ack"))
    assert "could not read this number" in unreadable.text
    assert world.incident(number).state is IncidentState.TRIGGERED
    assert world.timeline(number) == before


def test_an_engineer_not_paged_for_the_incident_is_refused(world: World) -> None:
    number = paged(world)  # only alice has been paged so far
    before = world.timeline(number)
    answer = world.send(world.text(BILAL, f"{number} ack"))
    assert answer.text == message(f"You were not paged for #{number}: ask the engineer on call or use Slack.")
    bare = world.send(world.text(BILAL, "ack"))
    assert "No open incident was paged to you." in bare.text
    assert world.send(world.text(ALICE, "999 ack")).text == message(
        "opsdesk has no incident #999. Reply with the incident's number and ack or resolve, e.g. "
        "'4 ack' or '4 resolve'."
    )
    assert world.incident(number).state is IncidentState.TRIGGERED
    assert world.timeline(number) == before


def test_the_secondary_paged_after_the_primary_may_acknowledge(world: World) -> None:
    number = paged(world)
    world.run_jobs_until(world.clock.instant + timedelta(minutes=20))
    world.deliver()
    assert [m["to"] for m in world.fake.messages].count(BILAL) >= 1
    answer = world.send(world.text(BILAL, f"ack {number}"))
    assert f"Acknowledged #{number}" in answer.text
    assert world.incident(number).acknowledged_by == "bilal"


def test_ack_alone_with_several_open_incidents_lists_them(world: World) -> None:
    first = paged(world)
    second = world.alarm("Queue stuck on mq-2")
    world.deliver()
    answer = world.send(world.text(ALICE, "ACK"))
    assert answer.text == message(
        f"You were paged for #{first}, #{second}: reply with the number, e.g. '{first} ack'."
    )
    assert world.incident(first).state is IncidentState.TRIGGERED
    assert world.incident(second).state is IncidentState.TRIGGERED


def test_delivery_statuses_are_on_the_timeline_once(world: World) -> None:
    number = paged(world)
    sms, call = world.sms_to(ALICE), world.call_to(ALICE)
    for hook in (
        world.fake.status(sms, "sent"),
        world.fake.status(sms, "delivered"),
        world.fake.status(sms, "delivered"),  # Twilio's retry: once
        world.fake.status(call, "ringing"),
        world.fake.status(call, "no-answer"),
    ):
        answer = world.send(hook)
        assert answer.status_code == 200
    # Where each page ended up; a call ringing is on its way, not written. A failure is the page's own
    # entry (and moves on to the engineer's next method, where they have rules).
    assert world.said(number, "page-status") == ["sms page to alice: sent", "sms page to alice: delivered"]
    assert world.said(number, "page-failed") == ["voice page to alice: no-answer"]


def test_a_failed_sms_is_on_the_timeline_with_its_error_code(world: World) -> None:
    number = paged(world)
    answer = world.send(world.fake.status(world.sms_to(ALICE), "undelivered", "30003"))
    assert answer.text == "sms page to alice: undelivered (error 30003)"
    (entry,) = [e for e in world.timeline(number) if e.kind in ("page-status", "page-failed")]
    assert (entry.kind, entry.message) == ("page-failed", "sms page to alice: undelivered (error 30003)")
    assert entry.data["method"] == "sms"


def test_a_status_for_no_page_of_opsdesks_is_ignored(world: World) -> None:
    number = paged(world)
    hook = world.fake.status(world.sms_to(ALICE), "delivered")
    for url in (
        f"{PUBLIC}/api/v1/twilio/status",
        f"{PUBLIC}/api/v1/twilio/status?key=announcement:3",
        f"{PUBLIC}/api/v1/twilio/status?key=page:999:c1s1:sms",
    ):
        moved = type(hook)(url, hook.params)
        answer = world.send(moved)
        assert answer.status_code == 200
        assert "ignored" in answer.text
    assert world.said(number, "page-status") == []
