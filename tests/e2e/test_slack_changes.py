"""Out-of-hours change requests in Slack, as people use them: Approve and Reject on a request's message in
the ask channel (a form, then the message rewritten), and `/opsdesk ooh`; requests signed as Slack sends
them (tests/slack_requests.py), the request filed through the change workflow as the API files it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from opsdesk.domain.changes.model import ChangeState
from opsdesk.domain.timeline import Actor, Source
from tests.change_world import request_body
from tests.fake_slack import FakeSlack
from tests.slack_change_world import (
    ASK,
    REQUESTER,
    THIS_WEEK,
    ack_of,
    announcement,
    buttons,
    change_world,
    history,
    press,
    submit,
    submit_form,
)
from tests.slack_requests import slash_command
from tests.slack_world import NOT_ON_ROTA, World

SUBMITTED = [("payments-team", "api", "submitted"), ("opsdesk", "system", "checked")]


@pytest.fixture
def world(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    with change_world(db, tmp_path, cache_dir, fake_slack, monkeypatch) as made:
        yield made


def _ephemeral(world: World) -> str:
    (said,) = world.fake.responses
    assert (said["response_type"], said["replace_original"]) == ("ephemeral", False)
    return str(said["text"])


def test_someone_who_is_not_an_engineer_presses_approve_and_is_refused(world: World) -> None:
    change = submit(world)
    post = announcement(world, change)
    assert buttons(post) == [("change:approve", str(change)), ("change:reject", str(change))]
    assert press(world, "change:approve", change, "UOUTSIDER", post).status_code == 200
    assert _ephemeral(world) == NOT_ON_ROTA
    assert world.fake.opened() == []
    assert world.context.changes.change(change).state is ChangeState.UNDER_REVIEW
    assert history(world, change) == SUBMITTED
    world.deliver()
    assert world.fake.updates == []


def test_an_engineer_approves_from_the_form_with_the_suggested_engineer_chosen(world: World) -> None:
    change = submit(world)
    post = announcement(world, change)
    assert press(world, "change:approve", change, "UBILAL", post).status_code == 200
    assert world.fake.responses == []  # the form is the answer
    (view,) = world.fake.opened()
    assert view["callback_id"] == "change:approve"
    (select,) = [b for b in view["blocks"] if b.get("block_id") == "engineer"]
    assert select["element"]["initial_option"]["value"] == "alice"  # primary on call then
    assert "alice is the primary on call then" in view["blocks"][0]["text"]["text"]
    values = {
        "engineer": "alice",
        "instructions": "Follow the runbook; page me if it overruns",
        "channel": "",
    }
    stamp = int(time.time())
    assert ack_of(submit_form(world, view, "UBILAL", values, at=stamp)) == {}
    found = world.context.changes.change(change)
    assert (found.state, found.assigned, found.instructions) == (
        ChangeState.APPROVED,
        "alice",
        "Follow the runbook; page me if it overruns",
    )
    assert history(world, change)[-1] == ("bilal", "slack", "approved")
    # Slack retries the submission (the same view): nothing is done twice, the form closes.
    retried = submit_form(world, view, "UBILAL", values, at=stamp - 1)
    assert ack_of(retried) == {}
    assert [h for h in history(world, change) if h[2] == "approved"] == [("bilal", "slack", "approved")]
    # The announcement is rewritten in place through the outbox, its buttons gone.
    assert world.fake.updates == []
    world.deliver()
    (update,) = world.fake.updates
    assert (update["channel"], update["ts"]) == (post["_conversation"], post["ts"])
    assert str(update["text"]).startswith(
        "Approved by bilal: Alice (alice) carries it out, Thu 03 Dec 2026 19:00"
    )
    assert not update.get("blocks")  # the buttons are gone: nothing more to do from it
    assert any(str(t).startswith(f"Approved: CR-{change}") for t in world.fake.texts())


def test_the_requester_named_on_the_team_is_refused_and_no_form_opens(world: World) -> None:
    change = world.context.changes.submit(
        "Rotate keys", request_body(THIS_WEEK), Actor("dana", Source.CLI)
    ).id
    world.deliver()
    post = announcement(world, change)
    assert press(world, "change:approve", change, "UDANA", post).status_code == 200
    assert (
        _ephemeral(world)
        == f"dana asked for CR-{change}, so another engineer must approve it: nothing was done."
    )
    assert world.fake.opened() == []


def test_reject_needs_a_reason_and_then_rewrites_the_message(world: World) -> None:
    change = submit(world)
    post = announcement(world, change)
    assert press(world, "change:reject", change, "UALICE", post).status_code == 200
    (view,) = world.fake.opened()
    assert view["callback_id"] == "change:reject"
    empty = ack_of(submit_form(world, view, "UALICE", {"reason": "   "}))
    assert empty == {
        "response_action": "errors",
        "errors": {"reason": "reason is needed and must not be empty"},
    }
    assert world.context.changes.change(change).state is ChangeState.UNDER_REVIEW
    # Corrected and sent again (the same form): taken in.
    assert ack_of(submit_form(world, view, "UALICE", {"reason": "Clashes with the <!channel> freeze"})) == {}
    found = world.context.changes.change(change)
    assert (found.state, found.reason) == (ChangeState.REJECTED, "Clashes with the <!channel> freeze")
    assert history(world, change)[-1] == ("alice", "slack", "rejected")
    world.deliver()
    (update,) = world.fake.updates
    assert update["text"] == (
        f"Rejected by alice: Clashes with the &lt;!channel&gt; freeze\nCR-{change} Upgrade the payments database"
    )
    # Pressed again later: already rejected, said to the presser alone, no form.
    assert press(world, "change:approve", change, "UBILAL", post, trigger="T2.2").status_code == 200
    assert _ephemeral(world) == (
        f"change CR-{change} is rejected: to approve it, it must be under-review: nothing was done."
    )
    assert len(world.fake.opened()) == 1


def test_hostile_text_gets_a_clear_error_not_a_500(world: World) -> None:
    change = submit(world)
    post = announcement(world, change)
    press(world, "change:approve", change, "UBILAL", post)
    (view,) = world.fake.opened()
    base = {"engineer": "alice", "channel": ""}
    nul = ack_of(submit_form(world, view, "UBILAL", base | {"instructions": "run\x00it"}))
    assert nul["errors"] == {
        "instructions": "instructions holds a NUL character (U+0000), which opsdesk cannot store: remove it"
    }
    whole = submit_form(world, view, "UBILAL", base | {"instructions": "x" * (1 << 20)})
    assert (whole.status_code, whole.json()) == (413, {"detail": "the request body is over 524288 bytes"})
    long = ack_of(submit_form(world, view, "UBILAL", base | {"instructions": "x" * 400_000}))
    assert long["errors"] == {"instructions": "instructions is 400000 characters; at most 4000"}
    channel = ack_of(submit_form(world, view, "UBILAL", base | {"instructions": "go", "channel": "<!here>"}))
    assert channel["errors"] == {
        "channel": "'&lt;!here&gt;' is not a Slack channel: give e.g. #chg-payments or a channel id"
    }
    stranger = ack_of(
        submit_form(world, view, "UBILAL", base | {"instructions": "go", "engineer": "mallory"})
    )
    assert stranger["errors"] == {
        "engineer": "no engineer 'mallory': give an engineer's id or GitHub login from the policy"
    }
    forged = ack_of(
        submit_form(world, view, "UBILAL", base | {"instructions": "go"}, metadata='{"change":"1; drop"}')
    )
    assert forged["response_action"] == "errors"
    assert world.context.changes.change(change).state is ChangeState.UNDER_REVIEW
    assert history(world, change) == SUBMITTED
    # Bidirectional controls are taken, and shown replaced so they cannot reorder the message.
    bidi = {"instructions": "Restart \u202edb-1\u202c first"}
    assert ack_of(submit_form(world, view, "UBILAL", base | bidi)) == {}
    assert world.context.changes.change(change).state is ChangeState.APPROVED
    world.deliver()
    approved = [t for t in world.fake.texts() if t.startswith(f"Approved: CR-{change}")]
    assert len(approved) == 2  # the ask channel and the designated channel
    assert all("Instructions: Restart \ufffddb-1\ufffd first." in t for t in approved)
    (update,) = world.fake.updates
    assert "\u202e" not in str(update)


def test_the_ooh_command_lists_requests_awaiting_review_and_this_weeks(world: World) -> None:
    answer = world.send(slash_command("ooh"))
    assert answer.json()["text"].startswith("No out-of-hours change requests await review")
    first = submit(world, "Upgrade the payments database")
    second = submit(world, "Rotate the <!channel> keys", "Friday 4th December 2026 20:00-22:00")
    later = submit(world, "Move the queue", "Tuesday 15th December 2026 19:00-20:00")
    world.context.changes.approve(second, Actor("bilal", Source.CLI), "alice", instructions="go")
    again = slash_command("ooh", response_url="https://hooks.slack.com/commands/1234/again")  # not a replay
    text = world.send(again).json()["text"]
    assert text.splitlines()[:3] == [
        "*Awaiting review* (2):",
        f"• CR-{first} Upgrade the payments database | Thu 03 Dec 19:00-21:00 GMT | under-review | no engineer yet",
        f"• CR-{later} Move the queue | Tue 15 Dec 19:00-20:00 GMT | under-review | no engineer yet",
    ]
    assert (
        f"• CR-{second} Rotate the &lt;!channel&gt; keys | Fri 04 Dec 20:00-22:00 GMT | approved | engineer alice"
    ) in text
    assert "*This week (from Mon 30 Nov, Europe/London)* (1):" in text
    assert ASK not in text


def test_the_ooh_list_is_cut_short_with_the_cli_command_for_the_rest(world: World) -> None:
    for n in range(12):
        submit(world, f"Change {n}", f"Thursday 3rd December 2026 {19 + n % 3}:00-{20 + n % 3}:00")
    text = world.send(slash_command("ooh")).json()["text"]
    lines = text.splitlines()
    assert lines[0] == "*Awaiting review* (12):"
    assert len([line for line in lines if line.startswith("• CR-")]) == 10
    assert "…and 2 more: `opsdesk change list --state under-review`" in lines
    assert "*This week (from Mon 30 Nov, Europe/London)*: none." in lines


def test_an_approve_form_opened_before_the_request_was_edited_is_refused(world: World) -> None:
    change = submit(world)
    post = announcement(world, change)
    press(world, "change:approve", change, "UBILAL", post)
    (stale_form,) = world.fake.opened()
    assert "Thu 03 Dec 19:00-21:00" in stale_form["blocks"][0]["text"]["text"]
    # The requester moves the window and changes the rollback plan while the form is open.
    body = request_body(
        "Thursday 3rd December 2026 20:00-22:00", **{"Rollback Plan": "None: we cannot roll back"}
    )
    assert world.context.changes.edit(change, REQUESTER, body).state is ChangeState.UNDER_REVIEW
    world.deliver()
    before, updates = history(world, change), len(world.fake.updates)
    values = {"engineer": "alice", "instructions": "Follow the runbook", "channel": ""}

    refused = ack_of(submit_form(world, stale_form, "UBILAL", values, at=int(time.time())))

    assert refused == {
        "response_action": "errors",
        "errors": {
            "engineer": f"CR-{change} changed since you opened this form (its window or plan): close it "
            "and press Approve again to review the new version"
        },
    }
    found = world.context.changes.change(change)
    assert (found.state, found.assigned) == (ChangeState.UNDER_REVIEW, None)
    assert history(world, change) == before
    world.deliver()
    assert len(world.fake.updates) == updates
    # A fresh form shows the new window, and approves it.
    press(world, "change:approve", change, "UBILAL", post, trigger="T2.2")
    fresh = world.fake.opened()[-1]
    assert "Thu 03 Dec 20:00-22:00" in fresh["blocks"][0]["text"]["text"]
    assert ack_of(submit_form(world, fresh, "UBILAL", values, view_id="VFAKE000002")) == {}
    found = world.context.changes.change(change)
    assert (found.state, found.assigned) == (ChangeState.APPROVED, "alice")
    assert "cannot roll back" in found.body
    assert history(world, change)[-1] == ("bilal", "slack", "approved")


def test_a_reject_form_opened_before_another_engineer_approved_is_refused(world: World) -> None:
    change = submit(world)
    post = announcement(world, change)
    press(world, "change:reject", change, "UALICE", post)
    press(world, "change:approve", change, "UBILAL", post, trigger="T2.2")
    reject_form, approve_form = world.fake.opened()
    values = {"engineer": "alice", "instructions": "Follow the runbook", "channel": ""}
    assert ack_of(submit_form(world, approve_form, "UBILAL", values, view_id="VFAKE000002")) == {}
    world.deliver()
    before, updates = history(world, change), len(world.fake.updates)

    refused = ack_of(submit_form(world, reject_form, "UALICE", {"reason": "Too risky"}))

    assert refused["errors"] == {
        "reason": f"CR-{change} is approved now (it was under-review when you opened this form): close "
        "this form; nothing was done"
    }
    assert world.context.changes.change(change).state is ChangeState.APPROVED
    assert history(world, change) == before
    world.deliver()
    assert len(world.fake.updates) == updates
