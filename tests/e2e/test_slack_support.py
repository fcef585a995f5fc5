"""The support board in the Slack app, as people use it: Triage and Assign on a request's message (a form
each, submitted by an engineer, the message rewritten in place), `/opsdesk support`, and the "Make a
support request" message shortcut; requests shaped and signed as Slack sends them, on both databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from opsdesk.domain.support.model import Priority, Status, Triage
from opsdesk.domain.timeline import Actor, Source
from tests.e2e.conftest import Run
from tests.fake_slack import FakeSlack
from tests.slack_requests import form_payload, message_action, slash_command
from tests.slack_support_world import (
    SUPPORT_CHANNEL,
    answered,
    buttons,
    file_request,
    history,
    press,
    request,
    shortcut,
    submit,
)
from tests.slack_world import NOT_ON_ROTA, World, blocks_of, slack_world

TRIAGE, ASSIGN = "support:triage", "support:assign"
THREAD = "1733340000.000050"


@pytest.fixture
def world(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    with slack_world(
        db, tmp_path, cache_dir, fake_slack, monkeypatch, support={"channel": SUPPORT_CHANNEL}
    ) as made:
        yield made


def opened(world: World, press_number: int = 1) -> dict[str, object]:
    """The form the `press_number`th press opened, with the id Slack gave it."""
    view = world.fake.opened()[press_number - 1]
    return {**view, "id": f"VFAKE{press_number:06d}"}


def test_an_engineer_accepts_a_request_as_p2_from_its_message(
    world: World, opsdesk: Run, tmp_path: Path, db: Engine
) -> None:
    number, posted = file_request(world)
    assert buttons(posted) == [TRIAGE, ASSIGN]

    assert press(world, TRIAGE, number, "UALICE", posted).status_code == 200
    (view,) = world.fake.opened()
    assert view["callback_id"] == TRIAGE
    assert world.fake.responses == []  # the form is the answer
    answer = submit(world, opened(world), {"decision": "P2"})

    assert answer.status_code == 200
    assert answered(answer) == {}  # the form closes
    done = request(world, number)
    assert (done.triage, done.priority, done.triaged_by) == (Triage.ACCEPTED, Priority.P2, "alice")
    assert ("alice", "slack", "triaged") in history(world, number)
    world.deliver()
    (update,) = world.fake.updates
    assert update["ts"] == posted["ts"]
    assert "Accepted as P2 by alice" in str(update["text"])
    assert buttons(update) == [ASSIGN]  # triaged: what is left to do from the message
    env = {
        "OPSDESK_CONFIG": str(tmp_path / "opsdesk.yaml"),
        "OPSDESK_DATABASE_URL": db.url.render_as_string(hide_password=False),
    }
    shown = opsdesk("support", "show", str(number), "--json", env=env)
    assert shown.returncode == 0, shown.stderr
    triaged = [h for h in json.loads(shown.stdout)["history"] if h["what"] == "triaged"]
    assert [(h["who"], h["from"]) for h in triaged] == [("alice", "slack")]


def test_declining_needs_a_reason_and_then_leaves_nothing_to_press(world: World) -> None:
    number, posted = file_request(world)
    press(world, TRIAGE, number, "UBILAL", posted)

    refused = submit(world, opened(world), {"decision": "decline", "reason": "   "}, "UBILAL")

    assert answered(refused)["response_action"] == "errors"
    assert "Say why it is declined" in answered(refused)["errors"]["reason"]
    assert request(world, number).triage is Triage.UNTRIAGED
    declined = submit(world, opened(world), {"decision": "decline", "reason": "Ask the pay team"}, "UBILAL")
    assert answered(declined) == {}
    done = request(world, number)
    assert (done.triage, done.status, done.reason) == (Triage.DECLINED, Status.DONE, "Ask the pay team")
    world.deliver()
    (update,) = world.fake.updates
    assert "Declined by bilal: Ask the pay team" in str(update["text"])
    assert buttons(update) == []


def test_someone_not_on_the_rota_is_refused_and_no_form_opens(world: World) -> None:
    number, posted = file_request(world)

    assert press(world, TRIAGE, number, "UOTHER", posted).status_code == 200
    assert press(world, ASSIGN, number, "UOTHER", posted).status_code == 200

    assert world.fake.opened() == []
    assert [r["text"] for r in world.fake.responses] == [NOT_ON_ROTA, NOT_ON_ROTA]
    assert all(r["response_type"] == "ephemeral" for r in world.fake.responses)
    assert request(world, number).triage is Triage.UNTRIAGED


def test_a_form_submitted_by_someone_not_on_the_rota_stays_open(world: World) -> None:
    number, posted = file_request(world)
    press(world, TRIAGE, number, "UALICE", posted)

    refused = submit(world, opened(world), {"decision": "P1"}, user="UOTHER")

    assert answered(refused)["errors"]["decision"] == NOT_ON_ROTA
    assert request(world, number).triage is Triage.UNTRIAGED


def test_a_submission_sent_twice_triages_once(world: World) -> None:
    number, posted = file_request(world)
    press(world, TRIAGE, number, "UALICE", posted)
    view = opened(world)

    assert submit(world, view, {"decision": "P3"}).status_code == 200
    assert submit(world, view, {"decision": "P1"}, again=True).status_code == 200

    assert request(world, number).priority is Priority.P3
    assert [k for _, _, k in history(world, number)].count("triaged") == 1
    world.deliver()
    assert len(world.fake.updates) == 1


def test_an_engineer_assigns_from_the_message_and_the_assignee_is_told(world: World) -> None:
    number, posted = file_request(world)

    press(world, ASSIGN, number, "UALICE", posted)
    view = opened(world)
    assert view["callback_id"] == ASSIGN
    (chooser,) = [b for b in view["blocks"] if b.get("block_id") == "assignee"]
    assert chooser["element"]["initial_option"]["value"] == "alice"  # Monday's support engineer
    assert submit(world, view, {"assignee": "bilal"}).status_code == 200

    assert request(world, number).assignee == "bilal"
    assert ("alice", "slack", "assigned") in history(world, number)
    world.deliver()
    (update,) = world.fake.updates
    assert "assigned to bilal" in str(update["text"])
    assert buttons(update) == [TRIAGE, ASSIGN]  # still untriaged
    assert any(b.get("channel") == "UBILAL" and "SR-" in str(b["text"]) for b in world.fake.delivered)


def test_assigning_someone_not_on_the_team_keeps_the_form_open_with_the_reason(world: World) -> None:
    number, posted = file_request(world)
    press(world, ASSIGN, number, "UALICE", posted)

    refused = submit(world, opened(world), {"assignee": "zed"})

    assert "'zed' is not one of the team's engineers" in answered(refused)["errors"]["assignee"]
    assert request(world, number).assignee is None
    world.deliver()
    assert world.fake.updates == []


def test_a_form_with_forged_metadata_names_no_request(world: World) -> None:
    number, posted = file_request(world)
    press(world, TRIAGE, number, "UALICE", posted)
    view = {**opened(world), "private_metadata": '{"request": "1; drop table"}'}

    refused = submit(world, view, {"decision": "P1"})

    assert "names no support request" in answered(refused)["errors"]["decision"]


def test_opsdesk_support_lists_the_untriaged_requests_to_anyone(world: World) -> None:
    empty = answered(world.send(slash_command("support", user="UOTHER")))
    assert empty["text"].startswith("Nothing untriaged on the support board")

    first, _ = file_request(world, "Cannot reach the staging database")
    file_request(world, "<!channel> VPN is down")
    world.clock.instant = world.clock.instant.replace(hour=18, minute=10)
    sent = world.send(slash_command("support", user="USOMEONE"))
    assert sent.status_code == 200, sent.text
    listed = answered(sent)

    assert listed["response_type"] == "ephemeral"
    lines = listed["text"].splitlines()
    assert lines[0] == "*2 untriaged support requests*, the oldest first:"
    assert lines[1].startswith(f"• SR-{first} Cannot reach the staging database — from pay-dev;")
    assert "waiting 40 min" in lines[1]
    assert "&lt;!channel&gt; VPN is down" in lines[2]
    assert "Triage" in lines[-1]


def test_the_shortcut_makes_a_request_linked_to_the_thread_once(world: World) -> None:
    text = "Deploys to staging fail with 403\nSince this morning, every deploy from CI."

    first = shortcut(world, text, ts="1733350000.000100", thread_ts=THREAD)
    again = shortcut(world, text, ts="1733350000.000100", thread_ts=THREAD, again=True)

    assert first.status_code == again.status_code == 200
    (made,) = world.context.app.support.requests()
    assert made.title == "Deploys to staging fail with 403"
    assert made.body == text
    assert made.requester == "UASKER"  # the message's author, not on the team
    assert made.link == f"https://platform.slack.com/archives/C0ASKPLAT/p{THREAD.replace('.', '')}"
    said = [str(r["text"]) for r in world.fake.responses]
    assert said[0].startswith(f"Support request {made.reference} is on the board, linked to this thread")
    assert said[1] == f"This message is already support request {made.reference}: nothing new was made."
    world.deliver()
    (reply,) = [b for b in world.fake.delivered if b.get("thread_ts")]
    assert (reply["channel"], reply["thread_ts"]) == ("C0ASKPLAT", THREAD)
    assert str(reply["text"]).startswith(f"Support request {made.reference} is on the board.")
    assert "The support engineer on duty (alice)" in str(reply["text"])
    assert any(f"New support request {made.reference}" in t for t in world.fake.texts())


def test_an_engineers_message_is_filed_as_theirs(world: World) -> None:
    payload = message_action(
        "support:from_message",
        user="UOTHER",
        channel="C0ASKPLAT",
        ts="1733350000.000200",
        text="Please rotate the staging certificate",
        author="UBILAL",
        response_url=world.fake.response_url(),
    )

    assert world.send(form_payload(payload)).status_code == 200

    (made,) = world.context.app.support.requests()
    assert made.requester == "bilal"
    assert made.link == "https://platform.slack.com/archives/C0ASKPLAT/p1733350000000200"


@pytest.mark.parametrize(
    "text",
    [
        "Printer\x00 on fire\nand more",
        "\u202eevil\u202c title that reads backwards",
        "x" * 500_000,
        "",
    ],
    ids=["nul", "bidi", "half-a-megabyte", "empty"],
)
def test_hostile_message_text_makes_a_sane_request(world: World, text: str) -> None:
    answer = shortcut(world, text, ts="1733350000.000300")

    assert answer.status_code == 200
    (made,) = world.context.app.support.requests()
    assert "\x00" not in made.title + made.body
    assert "\u202e" not in made.title + made.body
    assert 0 < len(made.title) <= 200
    assert len(made.body) <= 16_000
    assert "is on the board" in str(world.fake.responses[0]["text"])
    if len(text) > 16_000:
        assert made.title.endswith("…")
        assert "(cut: the message is 500,000 characters" in made.body


def test_a_message_over_the_body_limit_is_refused_clearly(world: World) -> None:
    answer = shortcut(world, "x" * 1_100_000, ts="1733350000.000500")

    assert answer.status_code == 413
    assert "the request body is over" in answer.json()["detail"]
    assert world.context.app.support.requests() == []


def test_a_shortcut_without_a_message_is_answered_not_failed(world: World) -> None:
    payload = message_action(
        "support:from_message",
        user="UASKER",
        channel="C0ASKPLAT",
        ts="1733350000.000400",
        text="x",
        response_url=world.fake.response_url(),
    )
    payload["message"] = "not an object"
    payload["message_ts"] = "../../etc"

    assert world.send(form_payload(payload)).status_code == 200

    assert world.context.app.support.requests() == []
    assert "Slack sent no message" in str(world.fake.responses[0]["text"])
    assert blocks_of  # the shared helpers stay importable


def test_a_triage_form_opened_before_someone_else_triaged_is_refused(world: World) -> None:
    number, posted = file_request(world)
    press(world, TRIAGE, number, "UALICE", posted)
    press(world, TRIAGE, number, "UBILAL", posted, trigger="T2.2")
    alices, bilals = opened(world, 1), opened(world, 2)
    assert submit(world, alices, {"decision": "P1"}, "UALICE").status_code == 200
    world.deliver()
    before, updates = history(world, number), len(world.fake.updates)

    # Bilal's form was opened while the request was untriaged: it does not decline Alice's P1.
    stale = submit(world, bilals, {"decision": "decline", "reason": "a duplicate"}, "UBILAL")

    assert answered(stale)["errors"] == {
        "reason": f"alice accepted SR-{number} as P1 since you opened this form: close it, or press "
        "Triage again to change it"
    }
    found = request(world, number)
    assert (found.triage, found.priority, found.status) == (Triage.ACCEPTED, Priority.P1, Status.TODO)
    assert history(world, number) == before
    world.deliver()
    assert len(world.fake.updates) == updates
    # A fresh form still triages it again, for a new priority (as the CLI allows).
    press(world, TRIAGE, number, "UBILAL", posted, trigger="T3.3")
    assert submit(world, opened(world, 3), {"decision": "P2"}, "UBILAL").status_code == 200
    assert request(world, number).priority is Priority.P2
    assert history(world, number)[-1] == ("bilal", "slack", "triaged")
    world.deliver()
    assert "Accepted as P2" in str(world.fake.updates[-1]["text"])


def test_a_triage_form_carrying_no_version_is_refused(world: World) -> None:
    number, posted = file_request(world)
    press(world, TRIAGE, number, "UALICE", posted)
    view = opened(world)
    carried = json.loads(str(view["private_metadata"]))
    forged = {**view, "private_metadata": json.dumps({**carried, "seen": ["x"]})}

    refused = submit(world, forged, {"decision": "P1"})

    assert "does not say how" in answered(refused)["errors"]["decision"]
    assert request(world, number).triage is Triage.UNTRIAGED
    assert submit(world, view, {"decision": "P1"}).status_code == 200  # the form as opened
    assert request(world, number).priority is Priority.P1


def test_an_assign_form_opened_before_someone_else_assigned_is_refused(world: World) -> None:
    number, posted = file_request(world)
    press(world, ASSIGN, number, "UALICE", posted)
    press(world, ASSIGN, number, "UBILAL", posted, trigger="T2.2")
    alices, bilals = opened(world, 1), opened(world, 2)
    assert submit(world, alices, {"assignee": "bilal"}, "UALICE").status_code == 200
    world.deliver()
    before, updates = history(world, number), len(world.fake.updates)

    stale = submit(world, bilals, {"assignee": "alice"}, "UBILAL")

    assert answered(stale)["errors"] == {
        "assignee": f"alice assigned SR-{number} to bilal since you opened this form: close it, or "
        "press Assign again to change it"
    }
    assert request(world, number).assignee == "bilal"
    assert history(world, number) == before
    world.deliver()
    assert len(world.fake.updates) == updates
    press(world, ASSIGN, number, "UBILAL", posted, trigger="T3.3")
    assert submit(world, opened(world, 3), {"assignee": "alice"}, "UBILAL").status_code == 200
    assert request(world, number).assignee == "alice"


ASKED_TS = "1733350000.000100"


def made_from_shortcut(world: World, ts: str = ASKED_TS, text: str = "VPN drops every hour") -> int:
    """A request made by the shortcut from a reply in THREAD, its announcement and first reply delivered."""
    assert shortcut(world, text, ts=ts, thread_ts=THREAD).status_code == 200
    world.deliver()
    return max(r.id for r in world.context.app.support.requests())


def announced(world: World, number: int) -> dict[str, object]:
    (posted,) = [b for b in world.fake.delivered if f"New support request SR-{number} " in str(b["text"])]
    return posted


def in_thread(world: World) -> list[str]:
    """What opsdesk said in THREAD, in order."""
    return [
        str(b["text"])
        for b in world.fake.delivered
        if (b.get("channel"), b.get("thread_ts")) == ("C0ASKPLAT", THREAD)
    ]


def test_a_request_from_slack_declined_from_its_button_is_answered_in_its_thread(world: World) -> None:
    number = made_from_shortcut(world)
    press(world, TRIAGE, number, "UBILAL", announced(world, number))

    submit(world, opened(world), {"decision": "decline", "reason": "Ask the <pay> team"}, "UBILAL")
    world.deliver()

    said = in_thread(world)
    assert said[0].startswith(f"Support request SR-{number} is on the board.")
    assert said[1:] == [f"SR-{number} is declined: Ask the &lt;pay&gt; team"]  # escaped, as Slack shows it
    with_reason = [b for b in world.fake.delivered if "the &lt;pay&gt; team" in str(b["text"])]
    assert [b.get("thread_ts") for b in with_reason] == [THREAD]  # the reason posted nowhere else new


def test_accepted_assigned_commented_done_and_reopened_are_each_told_in_the_thread(world: World) -> None:
    number = made_from_shortcut(world)
    posted = announced(world, number)
    press(world, TRIAGE, number, "UALICE", posted)
    submit(world, opened(world), {"decision": "P2"})
    press(world, ASSIGN, number, "UALICE", posted)
    submit(world, opened(world, 2), {"assignee": "bilal"})
    board, bilal = world.context.app.support, Actor("bilal", Source.API)
    board.comment(number, bilal, "Which office are you in?")
    board.comment(number, Actor("UASKER", Source.API), "Leeds")  # the requester's own: not echoed
    board.move(number, bilal, "in-progress")
    board.move(number, bilal, "done")
    board.reopen(number, Actor("alice", Source.CLI), "still drops")
    world.deliver()

    ref = f"SR-{number}"
    assert in_thread(world)[1:] == [
        f"{ref} is accepted as P2 and is on the support board.",
        f"{ref} is assigned to bilal, who takes it from here. You are told here when it is done.",
        f"bilal on {ref}: Which office are you in?",
        f"{ref} is done. If that does not solve it for you, ask the support team to reopen it.",
        f"{ref} is reopened (still drops) and back in todo: the team takes it up again.",
    ]


def test_a_request_filed_elsewhere_says_nothing_in_any_thread(world: World) -> None:
    number, posted = file_request(world)
    press(world, TRIAGE, number, "UALICE", posted)
    submit(world, opened(world), {"decision": "P3"})
    world.deliver()

    assert [b for b in world.fake.delivered if b.get("thread_ts")] == []


def test_two_replies_in_one_thread_each_find_their_own_request_again(world: World) -> None:
    first = made_from_shortcut(world, "1733350000.000100", "Staging 403s")
    second = made_from_shortcut(world, "1733350000.000200", "And the VPN drops")
    assert first != second
    made = {r.id: r for r in world.context.app.support.requests()}
    assert made[first].link == made[second].link  # both linked to the thread
    assert (made[first].slack_thread, made[first].slack_ts) == (THREAD, "1733350000.000100")

    again = shortcut(world, "Staging 403s", ts="1733350000.000100", thread_ts=THREAD, again=True)
    twice = shortcut(world, "And the VPN drops", ts="1733350000.000200", thread_ts=THREAD, again=True)

    assert again.status_code == twice.status_code == 200
    said = [str(r["text"]) for r in world.fake.responses][-2:]
    assert said == [
        f"This message is already support request SR-{first}: nothing new was made.",
        f"This message is already support request SR-{second}: nothing new was made.",
    ]
    assert len(world.context.app.support.requests()) == 2


def test_the_board_says_a_requester_not_on_the_team_is_a_slack_user(world: World) -> None:
    number = made_from_shortcut(world)

    assert f"New support request SR-{number} from Slack user UASKER: VPN drops" in str(
        announced(world, number)["text"]
    )
    listed = answered(world.send(slash_command("support", user="UOTHER")))
    assert "from Slack user UASKER;" in listed["text"]
