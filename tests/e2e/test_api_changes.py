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
from tests.rota_builders import team


@dataclass
class Api:
    client: TestClient
    context: ApiContext
    tokens: dict[str, str]

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
    context = api_context(Settings(policy, policy_path_explicit=True, cache_dir=cache_dir, database_url=url))
    tokens = {}
    for name, role in (
        ("payments", AccessRole.REQUESTER),
        ("chen", AccessRole.ENGINEER),
        ("alice", AccessRole.ENGINEER),
    ):
        _, tokens[name] = context.tokens.create(name, role, datetime.now(UTC))
    with TestClient(create_app(context)) as client:
        yield Api(client, context, tokens)
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
    assert "tick the checklist first" in early.json()["detail"]
    for item in ("stakeholders-informed", "backup-and-rollback-verified"):
        assert api.post(f"{base}/checklist", "alice", {"item": item}).status_code == 200
    bad_item = api.post(f"{base}/checklist", "alice", {"item": "coffee"})
    assert bad_item.status_code == 400
    assert api.post(f"{base}/start", "alice").json()["state"] == "in-progress"
    done = api.post(f"{base}/complete", "alice", {"note": "upgraded"}).json()
    assert done["state"] == "completed"
    assert done["monitoring_until"] is not None
    assert [h["what"] for h in done["history"]] == [
        "submitted",
        "checked",
        "approved",
        "ticked",
        "ticked",
        "in-progress",
        "completed",
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
        (
            api.post("/api/v1/changes/1/checklist", "ops-bot", {"item": "stakeholders-informed"}),
            "ops-bot is not one of the team's engineers (by id or GitHub login), so cannot tick the checklist of CR-1",
        ),
    ]
    assert [(answer.status_code, answer.json()) for answer, _ in refusals] == [
        (403, {"detail": said}) for _, said in refusals
    ]
    states = [c["state"] for c in api.client.get("/api/v1/changes", headers=api.auth("chen")).json()]
    assert states == ["under-review", "under-review"]
