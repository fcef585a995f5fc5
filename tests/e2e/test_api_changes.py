"""Change requests over the HTTP API: a whole request, who may do what, and bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from opsdesk.config.settings import Settings
from opsdesk.domain.access import AccessRole
from opsdesk.entrypoints.api.app import create_app
from opsdesk.entrypoints.api.context import ApiContext, api_context
from tests.change_world import ENGINEERS, request_body
from tests.fakes import SteppingClock
from tests.rota_builders import team


@dataclass
class Api:
    client: TestClient
    context: ApiContext
    tokens: dict[str, str]
    clock: SteppingClock

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def post(self, path: str, who: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(path, headers=self.auth(who), json=body)


@pytest.fixture
def api(db: Engine, tmp_path: Path, cache_dir: Path) -> Iterator[Api]:
    policy = tmp_path / "opsdesk.yaml"
    document = team(engineers=ENGINEERS, changes={"ask-channel": "#ask", "channel": "#changes"})
    policy.write_text(json.dumps(document), encoding="utf-8")
    url = db.url.render_as_string(hide_password=False)
    clock = SteppingClock(datetime(2027, 2, 20, 10, tzinfo=UTC))
    settings = Settings(policy, policy_path_explicit=True, cache_dir=cache_dir, database_url=url)
    context = api_context(settings, clock=clock)
    tokens = {}
    for name, role in (
        ("payments", AccessRole.REQUESTER),
        ("chen", AccessRole.ENGINEER),
        ("alice", AccessRole.ENGINEER),
        ("dana", AccessRole.ENGINEER),
        ("root", AccessRole.ADMIN),
    ):
        _, tokens[name] = context.tokens.create(name, role, datetime.now(UTC))
    with TestClient(create_app(context)) as client:
        yield Api(client, context, tokens, clock)
    context.engine.dispose()


def test_a_request_through_the_api(api: Api) -> None:
    filed = api.post(
        "/api/v1/changes",
        "payments",
        {"title": "Payments: db upgrade", "body": request_body("Tuesday 2nd March 2027 18:00-20:00")},
    )
    assert filed.status_code == 201
    change = filed.json()
    assert (change["reference"], change["state"], change["requester"]) == ("CR-1", "under-review", "payments")
    assert change["window"] == {"start": "2027-03-02T18:00:00+00:00", "end": "2027-03-02T20:00:00+00:00"}
    assert change["history"][0]["who"] == "payments"
    base = "/api/v1/changes/1"
    refused = api.post(f"{base}/approve", "payments", {"engineer": "alice", "instructions": "go"})
    assert refused.status_code == 403  # a requester token cannot approve
    approved = api.post(f"{base}/approve", "chen", {"engineer": "alice", "instructions": "snapshot first"})
    assert approved.status_code == 200, approved.text
    assert (approved.json()["state"], approved.json()["assigned"], approved.json()["channel"]) == (
        "approved",
        "alice",
        "#changes",
    )
    early = api.post(f"{base}/start", "alice")
    assert early.status_code == 400
    assert early.json()["detail"] == (
        "CR-1 cannot start: tick the checklist first (stakeholders informed, backup and rollback verified); "
        "its window opens Tue 02 Mar 2027 18:00 Europe/London, in 10 days 8 hours; it may start from 17:45 "
        "(15 minutes before)"
    )
    for item in ("stakeholders-informed", "backup-and-rollback-verified"):
        assert api.post(f"{base}/checklist", "alice", {"item": item}).status_code == 200
    bad_item = api.post(f"{base}/checklist", "alice", {"item": "coffee"})
    assert bad_item.status_code == 400
    assert bad_item.json()["detail"].startswith(
        "no checklist item 'coffee'; the items are: stakeholders-informed,"
    )
    api.clock.instant = datetime(2027, 3, 2, 17, 45, tzinfo=UTC)
    assert api.post(f"{base}/start", "alice").json()["state"] == "in-progress"
    for item in ("assigned-engineer-available", "updates-posted-in-the-designated-channel"):
        assert api.post(f"{base}/checklist", "alice", {"item": item}).status_code == 200
    api.clock.instant = datetime(2027, 3, 2, 20, 30, tzinfo=UTC)
    done = api.post(f"{base}/complete", "alice", {"note": "upgraded"}).json()
    assert done["state"] == "completed"
    assert (done["finished_at"], done["overran_by_seconds"], done["monitoring_until"]) == (
        "2027-03-02T20:30:00+00:00",
        1800,
        "2027-03-03T20:30:00+00:00",
    )
    assert [h["message"] for h in done["history"][-2:]] == [
        "completed by alice (30 minutes after its window closed): upgraded",
        "CR-1 overran its window by 30 minutes",
    ]
    assert done["checklist"]["during"] == [
        {
            "item": "assigned-engineer-available",
            "label": "assigned engineer available",
            "ticked_by": "alice",
            "ticked_at": "2027-03-02T17:45:00+00:00",
        },
        {
            "item": "updates-posted-in-the-designated-channel",
            "label": "updates posted in the designated channel",
            "ticked_by": "alice",
            "ticked_at": "2027-03-02T17:45:00+00:00",
        },
    ]
    assert [i["ticked_by"] for i in done["checklist"]["before"]] == ["alice", "alice"]
    assert done["checklist"]["after"][0]["ticked_by"] is None
    assert [h["what"] for h in done["history"]] == [
        "submitted",
        "checked",
        "approved",
        "ticked",
        "ticked",
        "in-progress",
        "ticked",
        "ticked",
        "completed",
        "overran",
    ]
    cancel = api.post(f"{base}/cancel", "payments")
    assert cancel.status_code == 400
    assert (
        cancel.json()["detail"]
        == "change CR-1 is completed: to cancel it, it must be submitted, needs-info, under-review or approved"
    )


def test_a_check_without_storing(api: Api) -> None:
    answer = api.post(
        "/api/v1/changes/check",
        "payments",
        {"body": request_body("Tuesday 2nd March 2027 18:00"), "submitted_at": "2027-02-20T10:00:00Z"},
    )
    assert answer.json() == {
        "ok": False,
        "window": None,
        "problems": [
            {
                "code": "ambiguous-time",
                "severity": "error",
                "message": "Scheduled Time: a start time (18:00) but no end time; write e.g. '18:00-20:00'",
            }
        ],
    }
    assert api.client.get("/api/v1/changes", headers=api.auth("chen")).json() == []


def test_bad_input_stores_nothing_half(api: Api) -> None:
    huge = api.post("/api/v1/changes", "payments", {"title": "T", "body": "x" * (1 << 20)})
    assert huge.status_code in (413, 422)
    html = request_body(**{"Change Details": "<script>alert('x')</script>"})
    filed = api.post("/api/v1/changes", "payments", {"title": "<b>Payments</b>", "body": html}).json()
    assert filed["body"] == html  # kept as written; escaped wherever it is shown
    not_form = api.post(
        "/api/v1/changes", "payments", {"title": "T", "body": "please help on tuesday"}
    ).json()
    assert (not_form["state"], [p["code"] for p in not_form["problems"]]) == ("needs-info", ["not-form"])
    assert len(api.client.get("/api/v1/changes", headers=api.auth("chen")).json()) == 2


def test_who_may_act_is_403_naming_who_may(api: Api) -> None:
    for name, role in (("billing", AccessRole.REQUESTER), ("ops-bot", AccessRole.ENGINEER)):
        _, api.tokens[name] = api.context.tokens.create(name, role, datetime.now(UTC))
    api.post("/api/v1/changes", "payments", {"title": "Payments: db upgrade", "body": request_body()})
    _, api.tokens["alice-as-requester"] = api.context.tokens.create(
        "alice-a", AccessRole.ENGINEER, datetime.now(UTC)
    )
    api.post(
        "/api/v1/changes",
        "alice-as-requester",
        {"title": "Router swap", "body": request_body("Wednesday 3rd March 2027 18:00-20:00")},
    )
    refusals = [
        (api.post("/api/v1/changes/1/cancel", "billing"), "only the requester (payments) can cancel CR-1"),
        (
            api.client.put("/api/v1/changes/1", headers=api.auth("billing"), json={"body": request_body()}),
            "only the requester (payments) can edit CR-1",
        ),
        (
            api.post("/api/v1/changes/1/approve", "ops-bot", {"engineer": "alice", "instructions": "go"}),
            "ops-bot is not one of the team's engineers (by id or GitHub login), so cannot approve CR-1",
        ),
        (
            api.post("/api/v1/changes/2/approve", "alice", {"engineer": "dana", "instructions": "go"}),
            "alice asked for CR-2, so another engineer must approve it",
        ),
    ]
    assert [(answer.status_code, answer.json()) for answer, _ in refusals] == [
        (403, {"detail": said}) for _, said in refusals
    ]
    states = [c["state"] for c in api.client.get("/api/v1/changes", headers=api.auth("chen")).json()]
    assert states == ["under-review", "under-review"]


def test_only_the_assigned_engineer_or_an_admin_carries_a_change_out(api: Api) -> None:
    """A change whose window is next month: a team engineer who is not the assigned one is refused every
    step (403, saying who can); the assigned engineer cannot start it today; an admin may act, recorded."""
    api.post("/api/v1/changes", "payments", {"title": "Payments: db upgrade", "body": request_body()})
    api.post("/api/v1/changes/1/approve", "chen", {"engineer": "alice", "instructions": "snapshot first"})
    base = "/api/v1/changes/1"
    refusals = [
        api.post(f"{base}/checklist", "dana", {"item": "stakeholders-informed"}),
        api.post(f"{base}/start", "dana"),
        api.post(f"{base}/complete", "dana", {"note": "done"}),
        api.post(f"{base}/roll-back", "dana", {"note": "undone"}),
    ]
    assert [(r.status_code, r.json()["detail"]) for r in refusals] == [
        (403, f"dana cannot {what} CR-1: only its assigned engineer (alice) or an admin can")
        for what in ("tick the checklist of", "start", "complete", "roll back")
    ]
    ticked = api.post(f"{base}/checklist", "root", {"item": "Stakeholders informed"})
    assert ticked.status_code == 200
    assert ticked.json()["checklist"]["before"][0]["ticked_by"] == "root"
    assert (
        ticked.json()["history"][-1]["message"]
        == "ticked: stakeholders informed (before the change) as admin"
    )
    api.post(f"{base}/checklist", "alice", {"item": "backup-and-rollback-verified"})
    during = api.post(f"{base}/checklist", "alice", {"item": "assigned-engineer-available"})
    assert (during.status_code, during.json()["detail"]) == (
        400,
        "'assigned engineer available' is ticked during the change, once it has started and until it is "
        "completed or rolled back; CR-1 is approved",
    )
    today = api.post(f"{base}/start", "alice")
    assert (today.status_code, today.json()["detail"]) == (
        400,
        "CR-1 cannot start: its window opens Tue 02 Mar 2027 18:00 Europe/London, in 10 days 8 hours; it may "
        "start from 17:45 (15 minutes before)",
    )
    shown = api.client.get(base, headers=api.auth("chen")).json()
    assert (shown["state"], shown["started_at"]) == ("approved", None)
