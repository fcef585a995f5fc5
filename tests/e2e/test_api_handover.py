"""The handover through the API: preview, notes, a kept handover read and acknowledged by its receivers
only, and hostile input answered with a reason, never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from opsdesk.adapters.db.unit_of_work import SqlUnitOfWork
from opsdesk.config.settings import Settings
from opsdesk.domain.access import AccessRole
from opsdesk.domain.handover.model import Briefing, HandoverKind, Person
from opsdesk.domain.rota import EngineerId
from opsdesk.entrypoints.api.app import create_app
from opsdesk.entrypoints.api.context import api_context
from tests.rota_builders import team

Api = tuple[TestClient, Engine, dict[str, dict[str, str]]]


@pytest.fixture
def api(db: Engine, tmp_path: Path, cache_dir: Path) -> Iterator[Api]:
    policy = tmp_path / "opsdesk.yaml"
    policy.write_text(json.dumps(team()), encoding="utf-8")
    url = db.url.render_as_string(hide_password=False)
    settings = Settings(policy, policy_path_explicit=True, cache_dir=cache_dir, database_url=url)
    context = api_context(settings)
    headers = {}
    for name, role in [
        ("alice", AccessRole.ENGINEER),
        ("dana", AccessRole.ENGINEER),
        ("viewer", AccessRole.VIEWER),
    ]:
        _, token = context.tokens.create(name, role, datetime.now(UTC))
        headers[name] = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(context)) as client:
        yield client, db, headers
    context.engine.dispose()


def keep_handover(db: Engine) -> int:
    at = datetime(2026, 12, 2, 16, tzinfo=UTC)
    people = {name: Person(EngineerId(name), name.capitalize()) for name in ("chen", "alice", "bilal")}
    briefing = Briefing(
        HandoverKind.HANDOVER,
        at,
        at,
        datetime(2026, 12, 3, 9, tzinfo=UTC),
        (people["chen"],),
        people["alice"],
        people["bilal"],
    )
    with SqlUnitOfWork(db) as uow:
        record = uow.handovers.add("handover:2026-12-02T16:00Z", briefing, at)
        uow.commit()
    assert record is not None
    return record.id


def test_preview_at_an_instant(api: Api) -> None:
    client, _, headers = api
    answer = client.get(
        "/api/v1/handovers/preview", params={"at": "2026-12-02T15:00"}, headers=headers["viewer"]
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["from"] == {"id": "chen", "name": "Chen"}
    assert body["to"]["primary"] == {"id": "alice", "name": "Alice"}
    assert body["stretch"] == {"start": "2026-12-02T16:00:00+00:00", "end": "2026-12-03T09:00:00+00:00"}
    bad = client.get(
        "/api/v1/handovers/preview", params={"at": "Thurs 14/1 from 6pm"}, headers=headers["viewer"]
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "at"]


def test_notes_by_an_engineer_and_their_limits(api: Api) -> None:
    client, _, headers = api
    path = "/api/v1/handovers/notes"
    assert client.post(path, json={"text": "x"}, headers=headers["viewer"]).status_code == 403
    kept = client.post(path, json={"text": "Payments deploy paused"}, headers=headers["alice"])
    assert kept.status_code == 201, kept.text
    assert (kept.json()["author"], kept.json()["text"]) == ("alice", "Payments deploy paused")
    long = client.post(path, json={"text": "é" * 2001}, headers=headers["alice"])
    assert long.status_code == 400
    assert "at most 2000 characters and this one has 2001" in long.text
    nul = client.post(path, json={"text": "a\x00b"}, headers=headers["alice"])
    assert nul.status_code == 422, nul.text
    assert nul.json()["detail"][0]["loc"] == ["body", "text"]
    huge = client.post(path, content=b'{"text": "' + b"x" * (2 << 20) + b'"}', headers=headers["alice"])
    assert huge.status_code == 413


def test_a_kept_handover_acknowledged_by_a_receiver_only(api: Api) -> None:
    client, db, headers = api
    number = keep_handover(db)
    one = f"/api/v1/handovers/{number}"
    shown = client.get(one, headers=headers["viewer"])
    assert shown.status_code == 200, shown.text
    assert (shown.json()["kind"], shown.json()["acknowledged"]) == ("handover", None)
    refused = client.post(f"{one}/ack", headers=headers["dana"])
    assert refused.status_code == 403
    assert "only its receivers acknowledge" in refused.text
    assert client.post(f"{one}/ack", headers=headers["viewer"]).status_code == 403
    done = client.post(f"{one}/ack", headers=headers["alice"])
    assert done.status_code == 200, done.text
    assert (done.json()["acknowledged"]["by"], done.json()["acknowledged"]["via"]) == ("alice", "api")
    twice = client.post(f"{one}/ack", headers=headers["alice"])
    assert twice.status_code == 400 and "acknowledged already" in twice.text
    by_day = client.get("/api/v1/handovers", params={"date": "2026-12-02"}, headers=headers["viewer"])
    assert [h["id"] for h in by_day.json()] == [number]
    weekend = client.get("/api/v1/handovers", params={"date": "2026-12-05"}, headers=headers["viewer"])
    assert weekend.status_code == 404
    assert "covered by the handover of Fri 04 Dec 16:00" in weekend.text
    assert client.get("/api/v1/handovers/999", headers=headers["viewer"]).status_code == 404
    assert (
        client.get("/api/v1/handovers", params={"date": "5th"}, headers=headers["viewer"]).status_code == 422
    )
