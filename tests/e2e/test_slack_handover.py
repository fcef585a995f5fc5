"""The handover in the Slack app, as people use it: Acknowledge on a briefing's messages (the channel post
and each receiver's direct message), `/opsdesk handover` and its notes; requests shaped and signed as
Slack sends them (tests/slack_requests.py), the acknowledgement then read back with the real CLI."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from opsdesk.domain.handover.model import HandoverKind, HandoverRecord
from tests.e2e.conftest import Run
from tests.fake_slack import FakeSlack
from tests.slack_requests import block_action, form_payload, signed, slash_command
from tests.slack_world import EVENING, NOT_ON_ROTA, World, blocks_of, slack_world

CHANNEL = "#platform"
ACK = "handover:acknowledge"
MORNING = EVENING.replace(hour=11)  # Monday, in the support window: the day's handover is still to come


@pytest.fixture
def world(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    with slack_world(db, tmp_path, cache_dir, fake_slack, monkeypatch, handover={"channel": CHANNEL}) as made:
        yield made


def make_handover(world: World) -> int:
    """Monday's handover (Alice, support, to Alice and Bilal on call), made on time and delivered."""
    handovers = world.context.app.handovers
    (moment,) = [
        m
        for m in handovers.moments(EVENING - timedelta(hours=12), EVENING)
        if m.kind is HandoverKind.HANDOVER
    ]
    world.clock.instant = moment.at
    made = handovers.make(moment, moment.at)
    assert made is not None
    world.deliver()
    world.clock.instant = moment.at + timedelta(minutes=7)
    return made


def press(world: World, number: int, user: str, message: dict[str, object], **extra: str) -> None:
    payload = block_action(
        ACK,
        str(number),
        user=user,
        channel=str(message["_conversation"]),
        ts=str(message["ts"]),
        response_url=world.fake.response_url(),
        **extra,
    )
    assert world.send(form_payload(payload)).status_code == 200


def record(world: World, number: int) -> HandoverRecord:
    return world.context.app.handovers.get(number)


def show(opsdesk: Run, tmp_path: Path, db: Engine, number: int) -> str:
    """`opsdesk handover show ID`, run as a user would, on the same policy and database."""
    env = {
        "OPSDESK_CONFIG": str(tmp_path / "opsdesk.yaml"),
        "OPSDESK_DATABASE_URL": db.url.render_as_string(hide_password=False),
    }
    shown = opsdesk("handover", "show", str(number), env=env)
    assert shown.returncode == 0, shown.stderr
    return shown.stdout


def test_a_receiver_acknowledges_from_the_button_and_the_cli_shows_it(
    world: World, opsdesk: Run, tmp_path: Path, db: Engine
) -> None:
    number = make_handover(world)
    (post,) = [b for b in world.fake.delivered if b.get("channel") == CHANNEL]
    direct = world.page_to("UBILAL")
    for message in (post, direct):
        assert blocks_of(message)[-2]["elements"] == [
            {
                "type": "button",
                "action_id": ACK,
                "text": {"type": "plain_text", "text": "Acknowledge"},
                "value": str(number),
                "style": "primary",
            }
        ]
    press(world, number, "UBILAL", direct)
    assert world.fake.responses == [
        {
            "text": f"The handover #{number} acknowledged by you.",
            "response_type": "ephemeral",
            "replace_original": False,
        }
    ]
    ack = record(world, number).acknowledgement
    assert ack is not None
    assert (ack.by, ack.via) == ("bilal", "slack")
    shown = show(opsdesk, tmp_path, db, number).splitlines()
    assert shown[1] == "Acknowledged by bilal at Mon 30 Nov 16:07 (from slack)."
    # The message pressed is rewritten in place through the outbox: who and when, and no button.
    world.deliver()
    (update,) = world.fake.updates
    said = f"The handover #{number} was acknowledged by Bilal at 16:07 (slack)."
    assert (update["channel"], update["ts"], update["text"]) == (direct["_conversation"], direct["ts"], said)
    blocks = blocks_of(update)
    assert blocks[0] == blocks_of(direct)[0]  # the briefing's header, as sent
    assert blocks[-2]["text"]["text"] == f"*{said}*"
    assert all(b["type"] != "actions" for b in blocks)
    assert said in world.fake.texts()  # and said in the team's channel, as `opsdesk handover ack` does


def test_someone_not_receiving_it_is_refused_and_nothing_changes(world: World) -> None:
    number = make_handover(world)
    (post,) = [b for b in world.fake.delivered if b.get("channel") == CHANNEL]
    press(world, number, "UDANA", post)
    assert world.fake.responses[-1] == {
        "text": f"only its receivers acknowledge the handover #{number}: alice or bilal; dana is not one of them",
        "response_type": "ephemeral",
        "replace_original": False,
    }
    press(world, number, "UOUTSIDER", post, trigger_id="2.2.b", action_ts="2.2")
    assert world.fake.responses[-1]["text"] == NOT_ON_ROTA
    assert record(world, number).acknowledgement is None
    world.deliver()
    assert world.fake.updates == []
    # The refusal kept no receipt: a receiver's own press still acknowledges.
    press(world, number, "UALICE", post, trigger_id="3.3.c", action_ts="3.3")
    assert record(world, number).acknowledgement is not None


def test_a_retry_does_nothing_twice(world: World) -> None:
    number = make_handover(world)
    direct = world.page_to("UALICE")
    payload = form_payload(
        block_action(
            ACK,
            str(number),
            user="UALICE",
            channel=str(direct["_conversation"]),
            ts=str(direct["ts"]),
            response_url=world.fake.response_url(),
        )
    )
    assert world.send(payload).status_code == 200
    first = record(world, number).acknowledgement
    retry = signed(payload, at=int(time.time()) + 1) | {"X-Slack-Retry-Num": "1"}
    world.clock.instant += timedelta(minutes=1)
    assert world.send(payload, retry).status_code == 200
    assert record(world, number).acknowledgement == first
    assert len(world.fake.responses) == 1
    world.deliver()
    assert len(world.fake.updates) == 1
    said = [t for t in world.fake.texts() if "was acknowledged by" in t]
    assert len(said) == 1
    # A second press (a new trigger) is told who already did it; nothing changes.
    press(world, number, "UBILAL", world.page_to("UBILAL"), trigger_id="4.4.d", action_ts="4.4")
    assert world.fake.responses[-1]["text"].startswith(
        f"the handover #{number} was acknowledged already, by alice at "
    )
    assert record(world, number).acknowledgement == first


def test_a_note_from_slack_goes_into_the_next_handover(world: World) -> None:
    world.clock.instant = MORNING
    answer = world.send(slash_command("handover note db-1 disk at 85%: watch it tonight", user="UDANA"))
    assert (answer.status_code, answer.json()["response_type"]) == (200, "ephemeral")
    assert answer.json()["text"].startswith("Note ")
    number = make_handover(world)
    notes = record(world, number).briefing.notes
    assert [(n.author, n.text) for n in notes] == [("dana", "db-1 disk at 85%: watch it tonight")]
    shown = world.send(slash_command("handover", user="UDANA")).json()["text"]
    assert shown.startswith("*Handover ")
    assert "Not acknowledged yet." in shown
    assert "db-1 disk at 85%: watch it tonight" in shown
    assert shown.endswith(f"The whole briefing: `opsdesk handover show {number}`")


def test_before_the_handover_is_made_the_command_shows_a_preview(world: World) -> None:
    world.clock.instant = MORNING
    world.send(slash_command("handover note check the backups", user="UBILAL"))
    shown = world.send(slash_command("handover")).json()["text"]
    assert "(preview: nothing kept or sent)" in shown
    assert "check the backups" in shown


def test_a_note_is_refused_to_a_non_engineer_and_when_the_service_refuses_it(world: World) -> None:
    world.clock.instant = MORNING
    refused = world.send(slash_command("handover note let me in", user="UOUTSIDER")).json()["text"]
    assert refused == NOT_ON_ROTA
    empty = world.send(slash_command("handover note   ", user="UALICE")).json()["text"]
    assert empty == "the note is empty: write what the on-call engineers should know"
    long = world.send(slash_command("handover note " + "x" * 2001, user="UALICE")).json()["text"]
    assert long.startswith("a note is at most 2000 characters and this one has 2001")
    nul = world.send(slash_command("handover note a\x00b", user="UALICE")).json()["text"]
    assert nul == "the note holds the control character U+0000: write it as plain text"
    number = make_handover(world)
    assert record(world, number).briefing.notes == ()
