"""The Slack app end to end: requests signed and shaped as Slack sends them, to the served FastAPI app on a
real database, the outbox delivered to a local fake of Slack's Web API, escalation on a moving clock."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from opsdesk.config.settings import Settings
from opsdesk.domain.incidents.model import IncidentState
from opsdesk.domain.jobs import JobState
from opsdesk.entrypoints.api.app import create_app
from opsdesk.entrypoints.api.context import ApiContext, api_context
from tests.fake_slack import TOKEN, FakeSlack
from tests.fakes import SteppingClock
from tests.incident_world import policy_document
from tests.slack_requests import SECRET, block_action, form_payload, signed, slash_command

ROUTE = "/api/v1/integrations/slack/events"
EVENING = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)  # Monday, on-call hours: alice primary, bilal secondary
NOT_ON_ROTA = (
    "You are not on the team's rota in opsdesk: ask an admin to add your Slack id under engineers[].slack"
)


def blocks_of(body: dict[str, object]) -> list[dict[str, Any]]:
    """A message's blocks as sent (slack_sdk sends JSON; a form would carry them as a JSON string)."""
    blocks = body["blocks"]
    return json.loads(blocks) if isinstance(blocks, str) else blocks  # type: ignore[return-value]


@dataclass
class World:
    client: TestClient
    context: ApiContext
    clock: SteppingClock
    fake: FakeSlack

    def send(self, body: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return self.client.post(ROUTE, content=body.encode(), headers=headers or signed(body))

    def alarm(self, summary: str = "Disk full on db-1") -> int:
        event = {
            "routing_key": "k" * 32,
            "event_action": "trigger",
            "dedup_key": summary,
            "payload": {"summary": summary, "source": "db-1", "severity": "critical"},
        }
        assert self.client.post("/api/v1/events/v2/enqueue", json=event).status_code == 202
        return len(self.context.incidents.incidents())

    def deliver(self) -> None:
        worker = self.context.app.deliverer("test-worker")
        while worker.run_once():
            pass

    def run_jobs_until(self, when: datetime) -> None:
        """Each job run as it falls due, the clock moved to it, up to `when` (as a worker would)."""
        runner = self.context.app.job_runner(
            "test-runner", handlers=self.context.incidents.jobs(), planner=lambda now: None
        )
        while True:
            pending = self.context.jobs.jobs(JobState.PENDING, limit=1000)
            due = [j.due_at for j in pending if j.due_at <= when]
            if not due:
                break
            self.clock.instant = max(self.clock.instant, min(due))
            runner.run_once()
        self.clock.instant = when

    def page_to(self, user: str) -> dict[str, object]:
        """The page delivered to `user`'s direct messages."""
        (page,) = [b for b in self.fake.delivered if b.get("channel") == user]
        return page

    def press(
        self, action: str, incident: int, user: str, message: dict[str, object], **extra: Any
    ) -> httpx.Response:
        payload = block_action(
            action,
            str(incident),
            user=user,
            channel=str(message["_conversation"]),
            ts=str(message["ts"]),
            response_url=self.fake.response_url(),
            **extra,
        )
        return self.send(form_payload(payload))

    def timeline(self, incident: int) -> list[tuple[str, str, str]]:
        return [(e.actor, str(e.source), e.kind) for e in self.context.incidents.walk_timeline(incident)]

    def pages(self) -> list[str]:
        return [
            r.message.idempotency_key
            for r in self.context.outbox.rows(limit=1000)
            if r.message.idempotency_key.startswith("page:")
        ]


def make_world(db: Engine, tmp_path: Path, cache_dir: Path, fake: FakeSlack) -> tuple[World, ApiContext]:
    policy = tmp_path / "opsdesk.yaml"
    policy.write_text(json.dumps(policy_document(date(2026, 11, 30))), encoding="utf-8")
    url = db.url.render_as_string(hide_password=False)
    settings = Settings(policy, policy_path_explicit=True, cache_dir=cache_dir, database_url=url)
    clock = SteppingClock(EVENING)
    context = api_context(settings, clock=clock)
    return World(TestClient(create_app(context)), context, clock, fake), context


@pytest.fixture
def world(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    monkeypatch.setenv("OPSDESK_SLACK_TOKEN", TOKEN)
    monkeypatch.setenv("OPSDESK_SLACK_API_URL", fake_slack.url)
    monkeypatch.setenv("OPSDESK_SLACK_SIGNING_SECRET", SECRET)
    made, context = make_world(db, tmp_path, cache_dir, fake_slack)
    with made.client:
        yield made
    context.engine.dispose()


def test_the_on_call_engineer_acknowledges_a_page_from_its_button_and_escalation_stops(world: World) -> None:
    number = world.alarm()
    world.deliver()
    page = world.page_to("UALICE")
    assert [e["action_id"] for e in blocks_of(page)[-1]["elements"]] == [
        "incident:acknowledge",
        "incident:resolve",
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
    assert [e["action_id"] for e in blocks[-1]["elements"]] == ["incident:resolve"]


def test_the_opening_post_carries_the_buttons_and_resolve_takes_them_away(world: World) -> None:
    number = world.alarm()
    world.deliver()
    (post,) = [b for b in world.fake.delivered if b.get("channel") == "#platform-alerts"]
    blocks = blocks_of(post)
    assert [(e["action_id"], e["value"]) for e in blocks[-1]["elements"]] == [
        ("incident:acknowledge", str(number)),
        ("incident:resolve", str(number)),
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
    payload = form_payload(
        block_action(
            "incident:acknowledge",
            str(number),
            user="UALICE",
            channel=str(page["_conversation"]),
            ts=str(page["ts"]),
            response_url=world.fake.response_url(),
        )
    )
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


def _refused(world: World, number: int, answer: httpx.Response, status: int, detail: str) -> None:
    assert (answer.status_code, answer.json()) == (status, {"detail": detail})
    assert world.context.incidents.incident(number).state is IncidentState.TRIGGERED
    assert world.fake.responses == []


def _ack_body(world: World, number: int) -> str:
    page = world.page_to("UALICE")
    payload = block_action(
        "incident:acknowledge",
        str(number),
        user="UALICE",
        channel=str(page["_conversation"]),
        ts=str(page["ts"]),
        response_url=world.fake.response_url(),
    )
    return form_payload(payload)


def test_a_forged_signature_is_refused_and_nothing_runs(world: World) -> None:
    number = world.alarm()
    world.deliver()
    body = _ack_body(world, number)
    forged = world.send(body, signed(body, secret="not-the-app-secret"))
    _refused(
        world, number, forged, 401, "X-Slack-Signature does not match this body and the app's signing secret"
    )
    # Signed for one body, sent with another (a button pressed on another incident).
    other = world.send(body.replace("incident%3Aacknowledge", "incident%3Aresolve"), signed(body))
    _refused(
        world, number, other, 401, "X-Slack-Signature does not match this body and the app's signing secret"
    )


def test_an_old_timestamp_or_a_missing_header_is_refused(world: World) -> None:
    number = world.alarm()
    world.deliver()
    body = _ack_body(world, number)
    old = int(datetime.now(UTC).timestamp()) - 5 * 60 - 1
    _refused(
        world,
        number,
        world.send(body, signed(body, at=old)),
        401,
        "X-Slack-Request-Timestamp is more than 5 minutes from now: an old request is refused",
    )
    headers = signed(body)
    del headers["X-Slack-Signature"]
    _refused(
        world,
        number,
        world.send(body, headers),
        401,
        "X-Slack-Request-Timestamp and X-Slack-Signature are required: requests come from Slack",
    )
    bad = signed(body) | {"X-Slack-Request-Timestamp": "yesterday"}
    _refused(world, number, world.send(body, bad), 401, "X-Slack-Request-Timestamp is not a Unix time")


def test_a_replayed_request_is_refused(world: World) -> None:
    number = world.alarm()
    world.deliver()
    page = world.page_to("UALICE")
    body = form_payload(
        block_action(
            "incident:resolve",
            str(number),
            user="UALICE",
            channel=str(page["_conversation"]),
            ts=str(page["ts"]),
            response_url=world.fake.response_url(),
        )
    )
    headers = signed(body)
    assert world.send(body, headers).status_code == 200
    replay = world.send(body, headers)
    assert (replay.status_code, replay.json()) == (
        401,
        {"detail": "this signed request was taken in before (a replay): nothing was done"},
    )
    assert [e[2] for e in world.timeline(number)].count("resolved") == 1
    assert len(world.fake.responses) == 1


def test_a_payload_that_is_not_json_is_a_clear_400(world: World) -> None:
    number = world.alarm()
    world.deliver()
    for body, detail in [
        (
            "payload=%7Bnot+json",
            "the body is not JSON where Slack sends JSON (a JSON body, or the form's payload field)",
        ),
        ("payload=%5B1%5D", "the payload field is not a JSON object"),
    ]:
        _refused(world, number, world.send(body), 400, detail)
    body = "{not json"
    answer = world.send(body, signed(body, content_type="application/json"))
    _refused(
        world,
        number,
        answer,
        400,
        "the body is not JSON where Slack sends JSON (a JSON body, or the form's payload field)",
    )


def test_the_url_verification_challenge_is_answered(world: World) -> None:
    body = json.dumps(
        {
            "token": "Jhj5dZrVaK7ZwHHjRyZWjbDl",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    answer = world.send(body, signed(body, content_type="application/json"))
    assert answer.status_code == 200
    assert answer.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
    unsigned = world.client.post(ROUTE, content=body, headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 401


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
    answer = world.send(slash_command("handover"))
    text = answer.json()["text"]
    assert (answer.status_code, answer.json()["response_type"]) == (200, "ephemeral")
    assert text.startswith("`/opsdesk handover` is not a subcommand.\n*/opsdesk* subcommands:")
    assert "`/opsdesk oncall [when]`" in text
    assert "Coming next, not here yet: `handover`, `incident`, `ooh`, `announce`, `support`." in text


def test_without_a_signing_secret_the_route_says_so_and_runs_nothing(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPSDESK_SLACK_SIGNING_SECRET", raising=False)
    monkeypatch.setenv("OPSDESK_SLACK_TOKEN", TOKEN)  # posting to Slack is set up; the app is not
    monkeypatch.setenv("OPSDESK_SLACK_API_URL", fake_slack.url)
    made, context = make_world(db, tmp_path, cache_dir, fake_slack)
    with made.client:
        body = slash_command("oncall")
        answer = made.send(body)
        made.alarm()
        made.deliver()
    context.engine.dispose()
    assert fake_slack.delivered != []
    assert [b for b in fake_slack.delivered if "blocks" in b] == []  # no buttons nothing would answer
    assert (answer.status_code, answer.json()) == (
        404,
        {"detail": "the Slack app is not set up: set OPSDESK_SLACK_SIGNING_SECRET (see docs/slack.md)"},
    )
