"""Announcements from the Slack app, as people use them: `/opsdesk announce` opens a form, its submission
announces as the engineer (the post and its forward through the outbox to Slack), refusals keep the form
open with the reason under the field; requests shaped and signed as Slack sends them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.fake_slack import FakeSlack
from tests.slack_requests import form_payload, signed, slash_command, view_submission
from tests.slack_world import NOT_ON_ROTA, World, slack_world

UPDATES, ASK = "#platform-updates", "#ask-platform"
SELECTS = frozenset({"kind", "mention"})
BLOCKS = ["kind", "title", "body", "mention", "incident", "change", "starts_at", "next_update"]


@pytest.fixture
def world(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    section = {"update-channel": UPDATES, "ask-channel": ASK, "here-per-week": 1}
    with slack_world(db, tmp_path, cache_dir, fake_slack, monkeypatch, announcements=section) as made:
        yield made


def submit(
    world: World, user: str = "UALICE", view_id: str = "VANNOUNCE1", later: int = 0, **fields: str
) -> httpx.Response:
    """The form submitted (signed `later` seconds on: the same submission sent again is signed anew)."""
    given = {
        "kind": "maintenance",
        "title": "Database upgrade",
        "body": "Writes pause for a minute.",
        **fields,
    }
    payload = view_submission("announce:new", given, user=user, view_id=view_id, selects=SELECTS)
    body = form_payload(payload)
    return world.send(body, signed(body, at=int(time.time()) + later))


def errors_of(answer: httpx.Response) -> dict[str, str]:
    assert answer.status_code == 200, answer.text
    said: dict[str, Any] = answer.json()
    assert said["response_action"] == "errors"
    errors: dict[str, str] = said["errors"]
    return errors


def posts(world: World) -> list[tuple[str, str]]:
    return [(str(b["channel"]), str(b["text"])) for b in world.fake.delivered]


def test_an_engineer_opens_the_form_with_what_the_cli_takes(world: World) -> None:
    answer = world.send(slash_command("announce Database upgrade tonight", user="UALICE"))
    assert (answer.status_code, answer.text) == (200, "")
    (view,) = world.fake.opened()
    assert (view["callback_id"], view["title"]["text"], view["submit"]["text"]) == (
        "announce:new",
        "New announcement",
        "Announce",
    )
    assert [b["block_id"] for b in view["blocks"]] == BLOCKS
    kinds = [o["value"] for o in view["blocks"][0]["element"]["options"]]
    assert kinds == ["scheduled-work", "maintenance", "incident-update"]
    mentions = [o["value"] for o in view["blocks"][3]["element"]["options"]]
    assert mentions == ["none", "here", "channel"]
    assert view["blocks"][1]["element"]["initial_value"] == "Database upgrade tonight"
    assert "2026-12-24T16:00" in view["blocks"][6]["hint"]["text"]
    assert "30m, 2h" in view["blocks"][7]["hint"]["text"]


def test_someone_not_on_the_team_is_refused_and_no_form_opens(world: World) -> None:
    answer = world.send(slash_command("announce", user="UNOBODY"))
    assert answer.json() == {"text": NOT_ON_ROTA, "response_type": "ephemeral"}
    assert world.fake.opened() == []
    assert errors_of(submit(world, user="UNOBODY")) == {"title": NOT_ON_ROTA}
    assert world.context.app.announcements.records() == []


def test_a_submission_announces_as_the_engineer_and_the_post_goes_out(world: World) -> None:
    answer = submit(world, mention="here", starts_at="2026-12-01T22:00")
    assert answer.status_code == 200, answer.text
    said = answer.json()
    assert said["response_action"] == "update"
    text = said["view"]["blocks"][0]["text"]["text"]
    (record,) = world.context.app.announcements.records()
    assert text.startswith(f"Announcement #{record.id} kept: it is being posted to {UPDATES}, then forwarded")
    assert (record.author, record.title, str(record.mention)) == ("alice", "Database upgrade", "here")
    assert record.starts_at is not None and record.starts_at.isoformat() == "2026-12-01T22:00:00+00:00"
    world.deliver()
    channels = [channel for channel, _ in posts(world)]
    assert channels == [UPDATES, ASK]
    assert "Database upgrade" in posts(world)[0][1]


def test_a_double_submission_announces_once(world: World) -> None:
    assert submit(world).json()["response_action"] == "update"
    again = submit(world, later=1)  # Slack's retry, or a second click: the same view, signed anew
    assert (again.status_code, again.text) == (200, "")  # taken in before: the form just closes
    assert len(world.context.app.announcements.records()) == 1
    world.deliver()
    assert [channel for channel, _ in posts(world)] == [UPDATES, ASK]


def test_a_mention_beyond_the_budget_keeps_the_form_open_and_announces_nothing(world: World) -> None:
    assert submit(world, mention="here").status_code == 200
    errors = errors_of(submit(world, view_id="VANNOUNCE2", mention="here"))
    assert list(errors) == ["mention"]
    assert errors["mention"].startswith("@here was used once this week (the budget is 1 a week")
    channel = errors_of(submit(world, view_id="VANNOUNCE2", mention="channel"))
    assert list(channel) == ["mention"] and "@channel is kept for an incident update" in channel["mention"]
    assert len(world.context.app.announcements.records()) == 1
    # Put right (no mention), the same form goes through: a refusal kept no receipt.
    assert submit(world, view_id="VANNOUNCE2").json()["response_action"] == "update"
    assert len(world.context.app.announcements.records()) == 2


def test_fields_that_cannot_be_read_are_named(world: World) -> None:
    assert list(errors_of(submit(world, kind="gossip"))) == ["kind"]
    assert list(errors_of(submit(world, mention="everyone"))) == ["mention"]
    assert list(errors_of(submit(world, incident="twelve"))) == ["incident"]
    assert list(errors_of(submit(world, change="-3"))) == ["change"]
    starts = errors_of(submit(world, starts_at="tomorrow"))
    assert starts == {
        "starts_at": "Cannot read this time: not an ISO 8601 date and time; expected "
        "e.g. 2026-12-24T16:00 (wall-clock time), 2026-12-24T16:00Z or 2026-12-24T16:00+01:00."
    }
    assert list(errors_of(submit(world, next_update="soon"))) == ["next_update"]
    # The service's own refusals, under the field they are about.
    assert list(errors_of(submit(world, kind="incident-update"))) == ["incident"]
    assert list(errors_of(submit(world, incident="99"))) == ["incident"]
    assert list(errors_of(submit(world, change="99"))) == ["change"]
    assert list(errors_of(submit(world, next_update="30m"))) == ["next_update"]
    assert list(
        errors_of(submit(world, kind="incident-update", incident="1", starts_at="2026-12-02T10:00"))
    ) == ["starts_at"]
    assert world.context.app.announcements.records() == []


def test_an_incident_update_promises_the_next_update(world: World) -> None:
    number = world.alarm()
    answer = submit(world, kind="incident-update", incident=f"#{number}", next_update="30m")
    text = answer.json()["view"]["blocks"][0]["text"]["text"]
    assert "You promised the next update by Mon 30 Nov 18:00" in text
    (record,) = world.context.app.announcements.records()
    assert (record.incident, record.promise is not None) == (number, True)


@pytest.mark.parametrize(
    ("fields", "block", "reason"),
    [
        ({"title": "Upgrade\x00now"}, "title", "the title holds the control character U+0000"),
        ({"body": "Writes pause \u202eesuap"}, "body", "the body holds the control character U+202E"),
        ({"body": "x" * 400_000}, "body", "a body is at most 4000 characters and this one has 400000"),
        ({"title": "t" * 5000}, "title", "a title is at most 200 characters and this one has 5000"),
        ({"starts_at": "2026-12-01T22:00" + "\u202e" * 200}, "starts_at", "At most 64 characters"),
    ],
)
def test_hostile_text_is_a_clear_error_not_a_500(
    world: World, fields: dict[str, str], block: str, reason: str
) -> None:
    errors = errors_of(submit(world, **fields))
    assert list(errors) == [block]
    assert errors[block].startswith(reason)
    assert len(errors[block]) <= 300
    assert world.context.app.announcements.records() == []


def test_a_megabyte_body_is_refused_whole_with_a_clear_413(world: World) -> None:
    answer = submit(world, body="x" * 1_000_000)
    assert (answer.status_code, answer.json()) == (413, {"detail": "the request body is over 524288 bytes"})
    assert world.context.app.announcements.records() == []


def test_untrusted_view_state_is_refused_not_a_500(world: World) -> None:
    payload = view_submission("announce:new", {}, user="UALICE")
    payload["view"]["state"] = {"values": ["not", "a", "map"]}
    answer = world.send(form_payload(payload))
    assert list(errors_of(answer)) == ["kind"]
    payload["view"]["state"] = {"values": {"kind": {"value": {"selected_option": ["a list"]}}}}
    assert list(errors_of(world.send(form_payload(payload)))) == ["kind"]
    assert world.context.app.announcements.records() == []
