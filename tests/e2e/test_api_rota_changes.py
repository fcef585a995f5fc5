"""Rota changes through the API: the engineer role, the token's engineer proposes and accepts, hostile text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from opsdesk.bootstrap import bootstrap
from opsdesk.config.settings import Settings
from opsdesk.domain.access import AccessRole
from opsdesk.domain.rota import Role
from opsdesk.entrypoints.api.app import create_app
from opsdesk.entrypoints.api.context import api_context
from tests.rota_builders import lenient_team

Api = tuple[TestClient, Path, dict[str, dict[str, str]]]


@pytest.fixture
def api(db: Engine, tmp_path: Path, cache_dir: Path) -> Iterator[Api]:
    policy = tmp_path / "opsdesk.yaml"
    policy.write_text(json.dumps(lenient_team()), encoding="utf-8")
    url = db.url.render_as_string(hide_password=False)
    settings = Settings(policy, policy_path_explicit=True, cache_dir=cache_dir, database_url=url)
    context = api_context(settings)
    headers = {}
    for name, role in [
        ("alice", AccessRole.ENGINEER),
        ("chen", AccessRole.ENGINEER),
        ("viewer", AccessRole.VIEWER),
    ]:
        _, token = context.tokens.create(name, role, datetime.now(UTC))
        headers[name] = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(context)) as client:
        yield client, policy, headers
    context.engine.dispose()


SWAP = {"with": "chen", "role": "primary", "on": "2026-12-01", "back": "2026-12-08"}


def test_a_swap_proposed_and_accepted_by_the_two_engineers(api: Api) -> None:
    client, policy, headers = api
    original = policy.read_text(encoding="utf-8")
    assert client.post("/api/v1/rota/swaps", json=SWAP, headers=headers["viewer"]).status_code == 403
    proposed = client.post("/api/v1/rota/swaps", json=SWAP, headers=headers["alice"])
    assert proposed.status_code == 201, proposed.text
    change = proposed.json()["change"]
    assert (change["id"], change["state"], change["proposed_by"], change["partner"]) == (
        1,
        "proposed",
        "alice",
        "chen",
    )
    assert policy.read_text(encoding="utf-8") == original
    own = client.post("/api/v1/rota/swaps/1/accept", headers=headers["alice"])
    assert own.status_code == 403
    assert own.json()["detail"].startswith("swap #1 needs the consent of chen, not alice")
    accepted = client.post("/api/v1/rota/swaps/1/accept", headers=headers["chen"])
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["change"]["accepted_by"] == "chen"
    assert body["change"]["state"] == "written"
    assert body["on_duty"]["primary"] == {"id": "chen", "name": "Chen"}
    assert "swap alice/chen" in policy.read_text(encoding="utf-8")
    # The API that wrote it answers by it at once (the live policy looked again), as the CLI does.
    oncall = client.get("/api/v1/oncall?at=2026-12-01T17:00", headers=headers["viewer"]).json()
    assert oncall["primary"] == {"id": "chen", "name": "Chen"}
    listed = client.get("/api/v1/rota/changes", headers=headers["viewer"]).json()["changes"]
    assert [(c["id"], c["accepted_by"]) for c in listed] == [(1, "chen")]


def test_override_and_leave_are_checked_and_written(api: Api) -> None:
    client, policy, headers = api
    override = {"role": "primary", "engineer": "dana", "from": "2026-12-01T17:00", "to": "2026-12-02T07:00"}
    assert client.post("/api/v1/rota/overrides", json=override, headers=headers["viewer"]).status_code == 403
    made = client.post("/api/v1/rota/overrides", json=override, headers=headers["alice"])
    assert made.status_code == 201, made.text
    assert made.json()["on_duty"]["primary"]["id"] == "dana"
    leave = {"engineer": "bilal", "from": "2026-12-05", "to": "2026-12-05"}
    refused = client.post("/api/v1/rota/leave", json=leave, headers=headers["alice"])
    assert refused.status_code == 400
    assert "on-leave: Sat 05 Dec 2026 07:00" in refused.json()["detail"]
    assert "engineer: bilal" not in policy.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "reason",
    ["a\x00b", "evil\u202etxt", "line\nbreak", "x" * 201, "x" * (1 << 20)],
    ids=["nul", "bidi", "newline", "long", "1mb"],
)
def test_hostile_text_is_refused_never_a_500(api: Api, reason: str) -> None:
    client, policy, headers = api
    original = policy.read_text(encoding="utf-8")
    override = {
        "role": "primary", "engineer": "dana", "from": "2026-12-01T17:00", "to": "2026-12-02T07:00", "reason": reason,
    }  # fmt: skip
    for path, body in [
        ("/api/v1/rota/overrides", override),
        (
            "/api/v1/rota/leave",
            {"engineer": "omar", "from": "2026-12-05", "to": "2026-12-05", "note": reason},
        ),
        ("/api/v1/rota/swaps", {**SWAP, "reason": reason}),
        ("/api/v1/rota/overrides", {**override, "reason": "", "engineer": reason[:254]}),
    ]:
        answer = client.post(path, json=body, headers=headers["alice"])
        assert answer.status_code in {400, 413, 422}, (path, answer.text[:300])
    assert policy.read_text(encoding="utf-8") == original


def test_the_layer_revision_moves_with_the_layer(
    db: Engine, tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "opsdesk.yaml"
    policy.write_text(json.dumps(lenient_team()), encoding="utf-8")
    url = db.url.render_as_string(hide_password=False)
    settings = Settings(policy, policy_path_explicit=True, cache_dir=cache_dir, database_url=url)
    monkeypatch.setenv("OPSDESK_POLICY_READ_ONLY", "true")
    app = bootstrap(settings, migrate=True)
    assert app.rota_layer_revision() == ""
    start = datetime(2026, 12, 1, 17, tzinfo=UTC)
    app.rota_changes.override(
        "alice", Role.PRIMARY, "dana", start=start, end=start + timedelta(hours=14), reason=""
    )
    first = app.rota_layer_revision()
    assert first != ""
    fresh = bootstrap(settings)
    assert fresh.rota.who(start + timedelta(hours=1)).holdings[Role.PRIMARY].engineer == "dana"
    monkeypatch.delenv("OPSDESK_POLICY_READ_ONLY")
    writer = bootstrap(settings)
    assert len(writer.rota_changes.fold()) == 1
    assert app.rota_layer_revision() == ""
    for each in (app, fresh, writer):
        each.engine.dispose()
