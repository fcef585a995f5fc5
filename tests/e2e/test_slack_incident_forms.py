"""The incident forms in Slack end to end, as people use them: Defer on an incident's message opens a form
whose submission defers it as `opsdesk incident defer` does; `/opsdesk incident` lists the open incidents
and `/opsdesk incident new` opens one from a form; requests shaped and signed as Slack sends them."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from opsdesk.domain.incidents.model import IncidentState, Priority
from opsdesk.domain.timeline import Actor, Source
from tests.fake_slack import FakeSlack
from tests.slack_requests import form_payload, signed, slash_command, view_submission
from tests.slack_world import EVENING, NOT_ON_ROTA, World, blocks_of, slack_world

DEFER = "incident:defer"
OPEN = "incident:open"
SENT = itertools.count()
EXPIRED = "Slack's three seconds to open the form ran out: try again."


@pytest.fixture
def world(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    with slack_world(db, tmp_path, cache_dir, fake_slack, monkeypatch) as made:
        yield made


def submit_body(
    callback: str,
    given: dict[str, str],
    *,
    user: str = "UALICE",
    metadata: str = "",
    view_id: str = "VFAKE000001",
    selects: frozenset[str] = frozenset(),
) -> str:
    payload = view_submission(
        callback, given, user=user, private_metadata=metadata, view_id=view_id, selects=selects
    )
    return form_payload(payload)


def ack_of(answer: httpx.Response) -> dict[str, Any]:
    """What a view_submission's acknowledgement asks of Slack ({}: close the form)."""
    assert answer.status_code == 200
    return answer.json() if answer.content else {}  # type: ignore[no-any-return]


def paged(world: World) -> tuple[int, dict[str, object]]:
    number = world.alarm()
    world.deliver()
    return number, world.page_to("UALICE")


def defer_form(world: World) -> tuple[int, dict[str, object], dict[str, Any]]:
    """An incident paged to alice, and the defer form her press opened."""
    number, page = paged(world)
    assert world.press(DEFER, number, "UALICE", page).status_code == 200
    (view,) = world.fake.opened()
    return number, page, view


def inputs(view: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in view["blocks"] if b["type"] == "input"]


# -- Defer ----------------------------------------------------------------------------------------------


def test_defer_opens_a_form_asking_who_was_told_and_the_plan(world: World) -> None:
    number, page, view = defer_form(world)
    assert view["callback_id"] == DEFER
    assert view["title"]["text"] == f"Defer incident #{number}"
    assert inputs(view) == ["informed", "plan"]
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["Who was told", "The plan for working hours"]
    assert json.loads(view["private_metadata"]) == {
        "incident": number,
        "channel": page["_conversation"],
        "ts": page["ts"],
    }
    assert world.fake.responses == []  # the form is the answer
    assert world.context.incidents.incident(number).state is IncidentState.TRIGGERED


def test_submitting_the_form_defers_as_the_cli_does_and_rewrites_the_message(world: World) -> None:
    number, page, view = defer_form(world)
    body = submit_body(
        DEFER,
        {"informed": "Payments team, by phone", "plan": "Replace the disk at 09:00"},
        metadata=view["private_metadata"],
    )
    assert ack_of(world.send(body)) == {}
    incident = world.context.incidents.incident(number)
    assert (incident.state, incident.informed, incident.plan) == (
        IncidentState.DEFERRED,
        "Payments team, by phone",
        "Replace the disk at 09:00",
    )
    assert ("alice", "slack", "deferred") in world.timeline(number)
    assert ("opsdesk", "system", "hand-back-due") in world.timeline(number)
    assert [i.id for i in world.context.incidents.incidents(IncidentState.DEFERRED)] == [number]
    # Escalation stops: the secondary's page, due 20 minutes after the first, never goes out.
    world.run_jobs_until(EVENING + timedelta(hours=2))
    assert world.pages() == [f"page:{number}:c1s1:slack"]
    # The pressed page is rewritten through the outbox: deferred, only Resolve still offered.
    assert world.fake.updates == []
    world.deliver()
    (update,) = world.fake.updates
    assert (update["channel"], update["ts"]) == (page["_conversation"], page["ts"])
    assert update["text"] == f"Incident #{number}: Disk full on db-1 (deferred to working hours by alice)"
    assert [e["action_id"] for e in blocks_of(update)[-1]["elements"]] == ["incident:resolve"]
    said = [str(b["text"]) for b in world.fake.delivered if b.get("channel") == "#platform-alerts"]
    assert said[-1].startswith(f"#{number} deferred to working hours by alice: informed Payments team")
    # The same submission again (Slack's retry, a double click): nothing twice.
    again = signed(body, at=int(time.time()) + 1)
    assert ack_of(world.send(body, again)) == {}
    assert [e[2] for e in world.timeline(number)].count("deferred") == 1
    world.deliver()
    assert len(world.fake.updates) == 1


def test_someone_not_on_the_team_gets_no_form_and_cannot_submit_one(world: World) -> None:
    number, page = paged(world)
    assert world.press(DEFER, number, "UOUTSIDER", page).status_code == 200
    assert world.fake.opened() == []
    assert world.fake.responses == [
        {"text": NOT_ON_ROTA, "response_type": "ephemeral", "replace_original": False}
    ]
    metadata = json.dumps({"incident": number})
    answer = world.send(
        submit_body(DEFER, {"informed": "x", "plan": "y"}, user="UOUTSIDER", metadata=metadata)
    )
    assert ack_of(answer) == {"response_action": "errors", "errors": {"informed": NOT_ON_ROTA}}
    assert world.context.incidents.incident(number).state is IncidentState.TRIGGERED


def test_an_empty_plan_keeps_the_form_open_and_the_corrected_form_then_defers(world: World) -> None:
    number, _, view = defer_form(world)
    metadata = view["private_metadata"]
    empty = world.send(submit_body(DEFER, {"informed": "Payments", "plan": "  "}, metadata=metadata))
    assert ack_of(empty) == {"response_action": "errors", "errors": {"plan": "The plan is needed."}}
    assert world.context.incidents.incident(number).state is IncidentState.TRIGGERED
    # The same form (the same view), corrected: its refusal kept no receipt.
    fixed = world.send(submit_body(DEFER, {"informed": "Payments", "plan": "Disk at 9"}, metadata=metadata))
    assert ack_of(fixed) == {}
    assert world.context.incidents.incident(number).state is IncidentState.DEFERRED


def test_hostile_answers_and_a_forged_form_are_refused_clearly(world: World) -> None:
    number, _, view = defer_form(world)
    metadata = view["private_metadata"]
    cases = {
        "a\x00b": "Who was told holds a NUL character (U+0000), which opsdesk cannot store: remove it.",
        "Payments \u202eyrros": "Who was told holds a bidirectional control (U+202E) that would make it "
        "read differently from what it says: remove it.",
        "x" * 100_000: "Who was told is 100,000 characters; at most 4,000.",
    }
    for n, (informed, said) in enumerate(cases.items()):
        body = submit_body(DEFER, {"informed": informed, "plan": "p"}, metadata=metadata, view_id=f"V{n}")
        assert ack_of(world.send(body)) == {"response_action": "errors", "errors": {"informed": said}}
    # 1 MB: the body is over the Slack route's limit (512 KB), refused before it reaches the app, saying so.
    huge = world.send(submit_body(DEFER, {"informed": "x" * (1 << 20), "plan": "p"}, metadata=metadata))
    assert (huge.status_code, huge.json()) == (413, {"detail": "the request body is over 524288 bytes"})
    for forged in ("not json", json.dumps({"incident": "1; drop"}), json.dumps({"incident": True})):
        answer = world.send(submit_body(DEFER, {"informed": "a", "plan": "b"}, metadata=forged))
        assert ack_of(answer)["errors"]["informed"].startswith("This form names no incident")
    assert world.context.incidents.incident(number).state is IncidentState.TRIGGERED


def test_a_resolved_incident_offers_no_form_and_a_late_submission_is_refused_with_the_reason(
    world: World,
) -> None:
    number, page, view = defer_form(world)
    world.context.incidents.resolve(number, Actor("bilal", Source.CLI))
    late = world.send(submit_body(DEFER, {"informed": "a", "plan": "b"}, metadata=view["private_metadata"]))
    assert ack_of(late) == {
        "response_action": "errors",
        "errors": {"informed": f"incident #{number} is already resolved by bilal"},
    }
    again = world.press(DEFER, number, "UALICE", page, trigger_id="2.2.b", action_ts="2.2")
    assert again.status_code == 200
    assert world.fake.responses[-1]["text"] == (
        f"incident #{number} is resolved: only a triggered or acknowledged incident can be deferred"
    )
    assert len(world.fake.opened()) == 1


def test_a_form_slack_would_not_open_tells_the_presser_to_try_again(world: World) -> None:
    number, page = paged(world)
    world.fake.view_script.append((200, {"ok": False, "error": "expired_trigger_id"}, {}))
    assert world.press(DEFER, number, "UALICE", page).status_code == 200
    assert world.fake.responses == [
        {"text": EXPIRED, "response_type": "ephemeral", "replace_original": False}
    ]
    assert world.context.incidents.incident(number).state is IncidentState.TRIGGERED


# -- /opsdesk incident ----------------------------------------------------------------------------------


def command(world: World, text: str, user: str = "UALICE") -> httpx.Response:
    """`/opsdesk <text>` sent by `user`, each with a response_url of its own, as Slack gives (the same body
    twice in a second would carry the same signature: a replay)."""
    url = f"https://hooks.slack.com/commands/T0TEAM/{next(SENT)}/secret"
    answer = world.send(slash_command(text, user=user, response_url=url))
    assert answer.status_code == 200
    return answer


def test_the_open_incidents_are_listed_newest_first_to_anyone(world: World) -> None:
    assert command(world, "incident", "UOUTSIDER").json()["text"] == (
        "No open incidents: none is triggered, acknowledged or deferred. `/opsdesk incident new` opens one."
    )
    incidents, alice = world.context.incidents, Actor("alice", Source.CLI)
    first = incidents.open("platform", "Disk full on db-1", alice, Priority.P3).id
    world.clock.instant += timedelta(minutes=5)
    second = incidents.open("alerts", "Queue <depth> high", alice).id
    incidents.acknowledge(second, alice)
    gone = incidents.open("platform", "Fixed already", alice).id
    incidents.resolve(gone, alice)
    answer = command(world, "incident", "UOUTSIDER").json()
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == (
        "*2 open incidents*, newest first:\n"
        f"• #{second} acknowledged Queue &lt;depth&gt; high (alerts, opened Mon 30 Nov 17:35)\n"
        f"• #{first} P3 triggered Disk full on db-1 (platform, opened Mon 30 Nov 17:30)\n"
        "Act on one from its post's buttons; `opsdesk incident show ID` shows its timeline."
    )


def test_a_long_list_is_cut_at_twenty_and_says_how_many_more(world: World) -> None:
    for n in range(23):
        world.context.incidents.open("alerts", f"Alert {n}", Actor("alice", Source.CLI))
    lines = command(world, "incident").json()["text"].split("\n")
    assert lines[0] == "*23 open incidents*, newest first:"
    assert lines[1].startswith("• #23 triggered Alert 22 ")
    assert lines[20].startswith("• #4 triggered Alert 3 ")
    assert lines[21] == "…and 3 more: `opsdesk incident list`"


def test_an_unknown_subcommand_says_what_there_is(world: World) -> None:
    assert command(world, "incident <!channel>").json()["text"] == (
        "`/opsdesk incident &lt;!channel&gt;` is not a subcommand. `/opsdesk incident` lists the open "
        "incidents; `/opsdesk incident new` opens one in a form."
    )


def open_form(world: World) -> dict[str, Any]:
    answer = command(world, "incident new")
    assert answer.content in (b"", b"null")  # the form is the answer
    (view,) = world.fake.opened()
    return view


def test_new_opens_a_form_with_the_policys_services_and_the_priorities(world: World) -> None:
    view = open_form(world)
    assert view["callback_id"] == OPEN
    assert inputs(view) == ["service", "summary", "priority"]
    service, summary, priority = [b for b in view["blocks"] if b["type"] == "input"]
    assert [o["value"] for o in service["element"]["options"]] == ["platform", "alerts"]
    assert service["element"]["options"][0]["text"]["text"] == "Platform (platform)"
    assert summary["element"]["max_length"] == 200
    assert [o["value"] for o in priority["element"]["options"]] == ["P1", "P2", "P3"]
    assert priority["optional"] is True


def test_new_is_refused_to_someone_not_on_the_team_and_says_when_slack_would_not_open_it(
    world: World,
) -> None:
    assert command(world, "incident new", "UOUTSIDER").json()["text"] == NOT_ON_ROTA
    world.fake.view_script.append((200, {"ok": False, "error": "expired_trigger_id"}, {}))
    assert command(world, "incident new").json()["text"] == EXPIRED
    assert world.fake.opened() == []


NEW = {"service": "platform", "summary": "Checkout is down", "priority": "P2"}
SELECTS = frozenset({"service", "priority"})


def test_submitting_the_form_opens_an_incident_routed_and_paged_once(world: World) -> None:
    open_form(world)
    body = submit_body(OPEN, NEW, view_id="VNEW00001", selects=SELECTS)
    answer = ack_of(world.send(body))
    assert answer["response_action"] == "update"
    (incident,) = world.context.incidents.incidents()
    assert (incident.service, incident.summary, incident.priority) == ("platform", "Checkout is down", "P2")
    text = answer["view"]["blocks"][0]["text"]["text"]
    assert text.startswith(f"*Incident #{incident.id} opened* (Platform): Checkout is down\n")
    assert "`/opsdesk incident` lists the open incidents" in text
    assert ("alice", "slack", "triggered") in world.timeline(incident.id)
    assert ("opsdesk", "system", "routed") in world.timeline(incident.id)
    world.deliver()
    assert world.pages() == [f"page:{incident.id}:c1s1:slack"]
    page = world.page_to("UALICE")
    assert [e["action_id"] for e in blocks_of(page)[-1]["elements"]][-1] == DEFER
    (post,) = [b for b in world.fake.delivered if str(b["text"]).startswith(f"Incident #{incident.id} ")]
    assert post["channel"] == "#platform-alerts"
    # A double submit (the same view again): one incident, one page.
    assert ack_of(world.send(body, signed(body, at=int(time.time()) + 1))) == {}
    assert len(world.context.incidents.incidents()) == 1
    world.deliver()
    assert world.pages() == [f"page:{incident.id}:c1s1:slack"]


def test_a_submission_without_a_priority_opens_one_without(world: World) -> None:
    body = submit_body(OPEN, NEW | {"priority": ""}, view_id="VNEW00002", selects=SELECTS)
    assert ack_of(world.send(body))["response_action"] == "update"
    (incident,) = world.context.incidents.incidents()
    assert incident.priority is None


def test_hostile_or_wrong_answers_keep_the_form_open_with_the_reason(world: World) -> None:
    cases = [
        (
            {"summary": "a\x00b"},
            "summary",
            "What is wrong holds a NUL character (U+0000), which opsdesk cannot store: remove it.",
        ),
        (
            {"summary": "ok \u2066evil"},
            "summary",
            "What is wrong holds a bidirectional control (U+2066) "
            "that would make it read differently from what it says: remove it.",
        ),
        ({"summary": "x" * 100_000}, "summary", "What is wrong is 100,000 characters; at most 200."),
        ({"summary": " "}, "summary", "What is wrong is needed."),
        ({"service": "payroll"}, "service", "Choose one of the services listed."),
        ({"priority": "P9"}, "priority", "Choose P1, P2 or P3, or leave it empty."),
    ]
    for n, (changed, field, said) in enumerate(cases):
        body = submit_body(OPEN, NEW | changed, view_id=f"VBAD{n}", selects=SELECTS)
        assert ack_of(world.send(body)) == {"response_action": "errors", "errors": {field: said}}
    huge = world.send(submit_body(OPEN, NEW | {"summary": "x" * (1 << 20)}, selects=SELECTS))
    assert (huge.status_code, huge.json()) == (413, {"detail": "the request body is over 524288 bytes"})
    outsider = submit_body(OPEN, NEW, user="UOUTSIDER", view_id="VOUT", selects=SELECTS)
    assert ack_of(world.send(outsider)) == {"response_action": "errors", "errors": {"summary": NOT_ON_ROTA}}
    assert world.context.incidents.incidents() == []
