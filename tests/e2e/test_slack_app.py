"""The Slack app end to end, as people use it: the incident buttons on pages and opening posts, and the
`/opsdesk` command; requests shaped and signed as Slack sends them (tests/slack_requests.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from opsdesk.domain.incidents.model import IncidentState
from tests.fake_slack import FakeSlack
from tests.slack_requests import signed, slash_command
from tests.slack_world import EVENING, NOT_ON_ROTA, World, blocks_of, slack_world


@pytest.fixture
def world(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    with slack_world(db, tmp_path, cache_dir, fake_slack, monkeypatch) as made:
        yield made


def test_the_on_call_engineer_acknowledges_a_page_from_its_button_and_escalation_stops(world: World) -> None:
    number = world.alarm()
    world.deliver()
    page = world.page_to("UALICE")
    assert [e["action_id"] for e in blocks_of(page)[-1]["elements"]] == [
        "incident:acknowledge",
        "incident:resolve",
        "incident:defer",
    ]
    answer = world.press("incident:acknowledge", number, "UALICE", page)
    assert answer.status_code == 200
    incident = world.context.incidents.incident(number)
    assert (incident.state, incident.acknowledged_by) == (IncidentState.ACKNOWLEDGED, "alice")
    assert ("alice", "slack", "acknowledged") in world.timeline(number)
    assert world.fake.responses == [
        {
            "text": f"Incident #{number} acknowledged by you: escalation has stopped.",
            "response_type": "ephemeral",
            "replace_original": False,
        }
    ]
    # Two hours on: the secondary's page (due 20 minutes after the first) never goes out.
    world.run_jobs_until(EVENING + timedelta(hours=2))
    assert world.pages() == [f"page:{number}:c1s1:slack"]  # the primary's first page, and no other
    assert [e for e in world.timeline(number) if e[2] == "paged"] == [("opsdesk", "system", "paged")]
    # The page itself is rewritten in place, through the outbox: acknowledged, Resolve still offered.
    assert world.fake.updates == []
    world.deliver()
    (update,) = world.fake.updates
    assert (update["channel"], update["ts"]) == (page["_conversation"], page["ts"])
    assert update["text"] == f"Incident #{number}: Disk full on db-1 (acknowledged by alice)"
    blocks = blocks_of(update)
    assert [e["action_id"] for e in blocks[-1]["elements"]] == ["incident:resolve", "incident:defer"]


def test_the_opening_post_carries_the_buttons_and_resolve_takes_them_away(world: World) -> None:
    number = world.alarm()
    world.deliver()
    (post,) = [b for b in world.fake.delivered if b.get("channel") == "#platform-alerts"]
    blocks = blocks_of(post)
    assert [(e["action_id"], e["value"]) for e in blocks[-1]["elements"]] == [
        ("incident:acknowledge", str(number)),
        ("incident:resolve", str(number)),
        ("incident:defer", str(number)),
    ]
    assert world.press("incident:resolve", number, "UBILAL", post).status_code == 200
    incident = world.context.incidents.incident(number)
    assert (incident.state, incident.resolved_by) == (IncidentState.RESOLVED, "bilal")
    world.deliver()
    (update,) = world.fake.updates
    assert update["text"] == f"Incident #{number}: Disk full on db-1 (resolved by bilal)"
    assert [b["type"] for b in blocks_of(update)] == ["section"]


def test_someone_not_on_the_team_is_refused_and_nothing_changes(world: World) -> None:
    number = world.alarm()
    world.deliver()
    page = world.page_to("UALICE")
    before = world.timeline(number)
    answer = world.press("incident:acknowledge", number, "UOUTSIDER", page)
    assert answer.status_code == 200
    assert world.fake.responses == [
        {"text": NOT_ON_ROTA, "response_type": "ephemeral", "replace_original": False}
    ]
    assert world.context.incidents.incident(number).state is IncidentState.TRIGGERED
    assert world.timeline(number) == before
    world.run_jobs_until(EVENING + timedelta(minutes=21))
    assert [e for e in world.timeline(number) if e[2] == "paged"] == [("opsdesk", "system", "paged")] * 2


def test_a_retry_of_the_same_press_does_nothing_twice(world: World) -> None:
    number = world.alarm()
    world.deliver()
    page = world.page_to("UALICE")
    payload = world.press_body("incident:acknowledge", number, "UALICE", page)
    assert world.send(payload).status_code == 200
    # Slack's retry: the same payload, signed again a moment later, with X-Slack-Retry-Num.
    retry = signed(payload, at=int(time.time()) + 1) | {
        "X-Slack-Retry-Num": "1",
        "X-Slack-Retry-Reason": "http_timeout",
    }
    assert world.send(payload, retry).status_code == 200
    assert [e[2] for e in world.timeline(number)].count("acknowledged") == 1
    assert len(world.fake.responses) == 1
    world.deliver()
    assert len(world.fake.updates) == 1
    # A second press (a new trigger): already done, said to the presser alone.
    again = world.press("incident:acknowledge", number, "UBILAL", page, trigger_id="2.2.b", action_ts="2.2")
    assert again.status_code == 200
    assert world.fake.responses[-1]["text"] == f"incident #{number} is already acknowledged by alice"
    assert [e[2] for e in world.timeline(number)].count("acknowledged") == 1


def test_an_action_the_domain_refuses_is_answered_with_its_reason(world: World) -> None:
    number = world.alarm()
    world.deliver()
    page = world.page_to("UALICE")
    assert world.press("incident:resolve", number, "UALICE", page).status_code == 200
    answer = world.press("incident:acknowledge", number, "UALICE", page, trigger_id="3.3.c", action_ts="3.3")
    assert answer.status_code == 200
    assert world.fake.responses[-1]["text"] == f"incident #{number} is already acknowledged by alice"
    missing = world.press("incident:resolve", 99, "UALICE", page, trigger_id="4.4.d", action_ts="4.4")
    assert missing.status_code == 200
    assert world.fake.responses[-1]["text"] == "no incident #99"


def test_an_unknown_button_is_answered_and_nothing_runs(world: World) -> None:
    number = world.alarm()
    world.deliver()
    before = world.timeline(number)
    answer = world.press("incident:escalate", number, "UALICE", world.page_to("UALICE"))
    assert answer.status_code == 200
    assert world.fake.responses == [
        {
            "text": "opsdesk does not know the button `incident:escalate`: nothing was done.",
            "response_type": "ephemeral",
            "replace_original": False,
        }
    ]
    assert world.timeline(number) == before


def test_oncall_answers_who_holds_each_role_in_the_who_wording(world: World) -> None:
    body = slash_command("oncall")
    answer = world.send(body)
    assert answer.status_code == 200
    assert answer.json() == {
        "text": "```\nMon 30 Nov 2026 17:30 GMT: on-call hours (working day) until 22:00 GMT\n"
        "  primary:   Alice (alice)\n  secondary: Bilal (bilal)\n```",
        "response_type": "ephemeral",
    }
    later = world.send(slash_command("oncall 2026-11-30T23:00"))
    assert later.json()["text"] == (
        "```\nMon 30 Nov 2026 23:00 GMT: no cover (working day) until Tue 01 Dec 2026 07:00 GMT\n"
        "  nobody is on duty; when cover resumes:\n"
        "  Tue 01 Dec 2026 07:00 GMT: on-call hours (working day) until 09:00 GMT\n"
        "    primary:   Alice (alice)\n    secondary: Bilal (bilal)\n```"
    )
    wrong = world.send(slash_command("oncall 2026-03-29T01:30"))
    assert wrong.json()["text"].startswith("I cannot read `2026-03-29T01:30` as a time: ")
    assert "does not exist in Europe/London" in wrong.json()["text"]


def test_an_unknown_subcommand_gets_the_help(world: World) -> None:
    answer = world.send(slash_command("rota"))
    text = answer.json()["text"]
    assert (answer.status_code, answer.json()["response_type"]) == (200, "ephemeral")
    assert text.startswith("`/opsdesk rota` is not a subcommand.\n*/opsdesk* subcommands:")
    for usage in ("oncall [when]", "handover note TEXT", "incident new", "ooh", "announce", "support"):
        assert f"`/opsdesk {usage}`" in text
