"""The support board over the HTTP API: a request filed, triaged, worked and reopened; who may do what;
bad input answered with a reason and nothing stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from opsdesk.config.settings import Settings
from opsdesk.domain.access import AccessRole
from opsdesk.entrypoints.api.app import create_app
from opsdesk.entrypoints.api.context import api_context
from tests.change_world import ENGINEERS
from tests.e2e.test_api_changes import Api
from tests.fakes import SteppingClock
from tests.rota_builders import team

BASE = "/api/v1/support/requests"


@pytest.fixture
def api(db: Engine, tmp_path: Path, cache_dir: Path) -> Iterator[Api]:
    policy = tmp_path / "opsdesk.yaml"
    document = team(engineers=ENGINEERS, support={"channel": "#ask", "triage-hours": 0.5})
    policy.write_text(json.dumps(document), encoding="utf-8")
    url = db.url.render_as_string(hide_password=False)
    clock = SteppingClock(datetime(2026, 12, 7, 9, tzinfo=UTC))  # a Monday morning: support hours
    settings = Settings(policy, policy_path_explicit=True, cache_dir=cache_dir, database_url=url)
    context = api_context(settings, clock=clock)
    tokens = {}
    for name, role in (
        ("payments", AccessRole.REQUESTER),
        ("chen", AccessRole.ENGINEER),
        ("alice", AccessRole.ENGINEER),
        ("grafana", AccessRole.ENGINEER),  # an engineer's token that is not named after an engineer
        ("watcher", AccessRole.VIEWER),
    ):
        _, tokens[name] = context.tokens.create(name, role, datetime.now(UTC))
    with TestClient(create_app(context)) as client:
        yield Api(client, context, tokens, clock)
    context.engine.dispose()


def get(api: Api, path: str, who: str = "watcher") -> Any:
    return api.client.get(path, headers=api.auth(who))


def test_a_request_through_the_api(api: Api) -> None:
    filed = api.post(
        BASE, "payments", {"title": "<b>Disk</b> quota", "body": "Please", "labels": ["storage"]}
    )
    assert filed.status_code == 201, filed.text
    request = filed.json()
    assert (request["reference"], request["title"], request["status"], request["triage"]) == (
        "SR-1",
        "<b>Disk</b> quota",
        "todo",
        "untriaged",
    )
    assert (request["requester"], request["labels"], request["history"][0]["what"]) == (
        "payments",
        ["storage"],
        "created",
    )
    api.clock.advance(timedelta(minutes=40))
    waiting = get(api, f"{BASE}/untriaged").json()
    assert [r["reference"] for r in waiting["breaches"]] == ["SR-1"]  # 40 minutes: over the half hour
    assert (waiting["breaches"][0]["waited_support_seconds"], waiting["target_support_seconds"]) == (
        2400,
        1800,
    )
    refused = api.post(f"{BASE}/1/triage", "payments", {"decision": "accept", "priority": "P2"})
    assert refused.status_code == 403  # a requester's token
    not_engineer = api.post(f"{BASE}/1/triage", "grafana", {"decision": "accept", "priority": "P2"})
    assert not_engineer.status_code == 403
    assert "grafana is not one of the team's engineers" in not_engineer.json()["detail"]
    accepted = api.post(f"{BASE}/1/triage", "alice", {"decision": "accept", "priority": "P2"})
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["priority"], accepted.json()["support_seconds"]["triage"]) == ("P2", 2400)
    commented = api.post(f"{BASE}/1/comments", "chen", {"text": "Resized"})
    assert commented.status_code == 201
    assert commented.json()["comments"][0] == {
        "id": 1,
        "at": "2026-12-07T09:40:00+00:00",
        "author": "chen",
        "from": "api",
        "text": "Resized",
    }
    assert commented.json()["first_response_at"] == "2026-12-07T09:40:00+00:00"
    assert api.post(f"{BASE}/1/assign", "chen", {"engineer": "alice-a"}).json()["assignee"] == "alice"
    for status in ("in-progress", "done"):
        assert api.post(f"{BASE}/1/move", "alice", {"status": status}).status_code == 200
    back = api.post(f"{BASE}/1/move", "alice", {"status": "todo"})
    assert back.status_code == 400
    assert back.json()["detail"].startswith("SR-1 is done: a done request does not move; reopen it first")
    reopened = api.post(f"{BASE}/1/reopen", "payments", {"reason": "full again"})
    assert (reopened.status_code, reopened.json()["status"]) == (200, "todo")
    listed = get(api, f"{BASE}?status=todo&label=STORAGE&assignee=alice")
    assert [r["reference"] for r in listed.json()] == ["SR-1"]
    assert get(api, f"{BASE}?status=done").json() == []


def test_bad_input_is_answered_with_a_reason_and_nothing_is_stored(api: Api) -> None:
    nul = api.post(BASE, "payments", {"title": "Disk\x00", "body": ""})
    assert nul.status_code == 422
    assert nul.json()["detail"][0]["msg"].startswith("title holds a NUL character (U+0000)")
    long = api.post(BASE, "payments", {"title": "Disk", "body": "x" * 16_001})
    assert (long.status_code, long.json()["detail"][0]["loc"]) == (422, ["body", "body"])
    control = api.post(BASE, "payments", {"title": "Disk", "labels": ["a\u202eb"]})
    assert control.status_code == 400
    assert "holds a control character" in control.json()["detail"]
    assert get(api, BASE).json() == []
    api.post(BASE, "payments", {"title": "Disk"})
    unknown = api.post(f"{BASE}/1/move", "alice", {"status": "doing"})
    assert unknown.status_code == 422
    assert "'todo', 'in-progress', 'blocked', 'for-review' or 'done'" in unknown.json()["detail"][0]["msg"]
    untriaged = api.post(f"{BASE}/1/move", "alice", {"status": "in-progress"})
    assert (untriaged.status_code, untriaged.json()["detail"][:27]) == (400, "SR-1 is untriaged: triage i")
    no_reason = api.post(f"{BASE}/1/triage", "alice", {"decision": "decline"})
    assert (
        no_reason.json()["detail"] == "triage: to decline a request, give the reason (the requester is told)"
    )
    assert get(api, f"{BASE}/9").status_code == 404
    assert get(api, f"{BASE}/1").json()["history"] == [
        {
            "at": "2026-12-07T09:00:00+00:00",
            "who": "payments",
            "from": "api",
            "what": "created",
            "message": "created: Disk",
        }
    ]
    assert api.client.get(BASE).status_code == 401  # reads need a token unless reads are open


def test_the_report_over_the_api(api: Api) -> None:
    api.post(BASE, "payments", {"title": "Disk", "labels": ["storage"]})
    api.clock.advance(timedelta(minutes=10))
    api.post(f"{BASE}/1/triage", "alice", {"decision": "accept", "priority": "P3"})
    rows = get(api, "/api/v1/support/report?from=2026-12-07T00:00:00Z&to=2026-12-08T00:00:00Z").json()
    storage = next(r for r in rows if r["by"] == "label" and r["group"] == "storage")
    assert (storage["count"], storage["triage_median_s"], storage["triage_late"]) == (1, 600, 0)
    backwards = get(api, "/api/v1/support/report?from=2026-12-08T00:00:00&to=2026-12-07T00:00:00")
    assert backwards.status_code == 400
