"""The live policy: a running API follows the policy file as it changes, keeps the last good one when the
file goes bad, and says which version is in force."""

from __future__ import annotations

import hashlib
import json
import signal
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from opsdesk.bootstrap import bootstrap
from opsdesk.bootstrap.live import LivePolicy
from opsdesk.config.settings import Settings
from opsdesk.domain.access import AccessRole
from opsdesk.domain.rota import Role
from opsdesk.entrypoints.api.app import create_app
from opsdesk.entrypoints.api.context import ApiContext, api_context
from tests.e2e.conftest import Run
from tests.e2e.test_serve import get, serve
from tests.fakes import FixedClock, SteppingClock
from tests.incident_world import ENGINEER, policy_document
from tests.rota_builders import TEAM, lenient_team, team

EVENING = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # Tuesday, on-call hours: alice primary, bilal secondary


def swapped() -> dict[str, Any]:
    """TEAM with this week's pair swapped (bilal primary, alice secondary)."""
    document = team()
    document["rota"]["on-call"][0] = {"week": "2026-11-30", "primary": "bilal", "secondary": "alice"}
    return document


def version_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


@pytest.fixture
def served(
    db: Engine, tmp_path: Path, cache_dir: Path
) -> Iterator[tuple[TestClient, ApiContext, dict[str, str], Path]]:
    policy = tmp_path / "opsdesk.yaml"
    policy.write_text(json.dumps(TEAM), encoding="utf-8")
    url = db.url.render_as_string(hide_password=False)
    settings = Settings(policy, policy_path_explicit=True, cache_dir=cache_dir, database_url=url)
    context = api_context(settings, clock=FixedClock(EVENING), watch=False)
    _, token = context.tokens.create("viewer", AccessRole.VIEWER, datetime.now(UTC))
    with TestClient(create_app(context)) as client:
        yield client, context, {"Authorization": f"Bearer {token}"}, policy
    context.engine.dispose()


def pair(client: TestClient, viewer: dict[str, str]) -> tuple[str, str]:
    body = client.get("/api/v1/oncall", headers=viewer).json()
    return body["primary"]["id"], body["secondary"]["id"]


def test_a_changed_file_is_answered_at_once_and_its_version_shown(
    served: tuple[TestClient, ApiContext, dict[str, str], Path],
) -> None:
    client, context, viewer, policy = served
    pair(client, viewer)  # the token is now cached: the next answers come from the fast path
    assert pair(client, viewer) == ("alice", "bilal")
    first = version_of(policy)
    assert context.live.check() is False  # nothing changed

    policy.write_text(json.dumps(swapped()), encoding="utf-8")
    assert context.live.check() is True
    assert pair(client, viewer) == ("bilal", "alice")  # the same second: the cached answer is not reused
    ready = client.get("/readyz").json()
    assert ready["policy"]["version"] == version_of(policy) != first
    assert ready["policy"]["refused"] is None
    metrics = client.get("/metrics", headers=viewer).text
    assert f'opsdesk_policy_info{{version="{version_of(policy)}"}} 1' in metrics
    assert "opsdesk_policy_reloads_total 1" in metrics
    assert 'opsdesk_policy_refused{version=""} 0' in metrics


def test_a_file_that_no_longer_validates_is_refused_and_the_last_good_policy_kept(
    served: tuple[TestClient, ApiContext, dict[str, str], Path],
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, context, viewer, policy = served
    good = version_of(policy)
    broken = team()
    broken["rota"]["on-call"][0]["primay"] = "zed"  # a misspelt key
    policy.write_text(json.dumps(broken), encoding="utf-8")
    assert context.live.check() is False
    assert pair(client, viewer) == ("alice", "bilal")
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"
    assert ready["policy"]["version"] == good
    refused = ready["policy"]["refused"]
    assert refused["version"] == version_of(policy)
    assert any("unknown key 'primay'" in problem for problem in refused["problems"]), refused
    assert any("refused" in r.message and "primay" in r.message for r in caplog.records)
    metrics = client.get("/metrics", headers=viewer).text
    assert f'opsdesk_policy_refused{{version="{version_of(policy)}"}} 1' in metrics
    assert f'opsdesk_policy_info{{version="{good}"}} 1' in metrics

    caplog.clear()
    assert context.live.check() is False
    assert not [r for r in caplog.records if "refused" in r.message]  # said once, not every look

    policy.write_text("rota: [unclosed", encoding="utf-8")  # not even YAML
    assert context.live.check() is False
    assert "not valid YAML" in " ".join(client.get("/readyz").json()["policy"]["refused"]["problems"])

    policy.write_text(json.dumps(swapped()), encoding="utf-8")  # mended
    assert context.live.check() is True
    assert pair(client, viewer) == ("bilal", "alice")
    assert client.get("/readyz").json()["policy"]["refused"] is None


def test_a_removed_file_named_explicitly_is_refused_not_replaced_by_the_defaults(
    served: tuple[TestClient, ApiContext, dict[str, str], Path],
) -> None:
    client, context, viewer, policy = served
    policy.unlink()
    assert context.live.check() is False
    assert pair(client, viewer) == ("alice", "bilal")
    assert "cannot be read" in " ".join(client.get("/readyz").json()["policy"]["refused"]["problems"])


def primary(live: LivePolicy) -> str | None:
    holding = live.app.rota.who(EVENING).holdings.get(Role.PRIMARY)
    return holding.engineer if holding is not None else None


def test_the_built_in_defaults_give_way_to_a_file_written_later(workdir: Path, cache_dir: Path) -> None:
    settings = Settings(workdir / "opsdesk.yaml", policy_path_explicit=False, cache_dir=cache_dir)
    live = LivePolicy(bootstrap(settings, clock=FixedClock(EVENING)))
    assert live.status().version == "built-in"
    assert primary(live) is None
    assert live.check() is False
    (workdir / "opsdesk.yaml").write_text(json.dumps(TEAM), encoding="utf-8")
    assert live.check() is True
    assert primary(live) == "alice"
    assert live.status().version == version_of(workdir / "opsdesk.yaml")


def test_the_watcher_picks_a_change_up_by_itself(workdir: Path, cache_dir: Path) -> None:
    policy = workdir / "opsdesk.yaml"
    policy.write_text(json.dumps(TEAM), encoding="utf-8")
    settings = Settings(policy, policy_path_explicit=True, cache_dir=cache_dir)
    live = LivePolicy(bootstrap(settings, clock=FixedClock(EVENING))).watch(interval=0.2)
    policy.write_text(json.dumps(swapped()), encoding="utf-8")
    deadline = datetime.now(UTC).timestamp() + 10
    while primary(live) != "bilal" and datetime.now(UTC).timestamp() < deadline:
        time.sleep(0.05)
    assert primary(live) == "bilal"
    assert live.status().reloads == 1


def test_two_serve_processes_follow_the_file_within_seconds_and_keep_the_last_good_one(
    opsdesk: Run, workdir: Path, pg_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The story: two replicas on PostgreSQL; a swap through the CLI changes the file under them; then
    the file is broken by hand."""
    monkeypatch.setenv("OPSDESK_DATABASE_URL", pg_db.url.render_as_string(hide_password=False))
    policy = workdir / "opsdesk.yaml"
    policy.write_text(json.dumps(lenient_team()), encoding="utf-8")
    token = opsdesk("token", "create", "--name", "grafana", "--role", "viewer").stdout.strip()
    servers = [serve(workdir, "--delivery-threads", "0") for _ in range(2)]
    try:
        at = "/api/v1/oncall?at=2026-12-01T17:00"
        for _, base in servers:
            assert json.loads(get(base + at, token)[1])["primary"]["id"] == "alice"

        swap = ["rota", "swap", "--as", "alice", "--with", "chen", "--role", "primary", "--on", "2026-12-01"]
        proposed = opsdesk(*swap, "--back", "2026-12-08")
        assert proposed.returncode == 0, proposed.stderr
        accepted = opsdesk("rota", "swap", "accept", "1", "--as", "chen")
        assert accepted.returncode == 0, accepted.stderr
        assert "Chen" in opsdesk("who", "--at", "2026-12-01T17:00").stdout  # the CLI at once
        # The replicas look every 2 s (policy-reload-seconds); four looks allow for a loaded machine (the
        # whole suite runs beside this test on two cores).
        changed = time.monotonic()
        waiting = {base for _, base in servers}
        while waiting and time.monotonic() - changed < 8:
            waiting = {b for b in waiting if json.loads(get(b + at, token)[1])["primary"]["id"] != "chen"}
            time.sleep(0.1)
        assert not waiting, "a replica still answered the old pair four looks (8 s) after the change"
        new = version_of(policy)
        for _, base in servers:
            assert json.loads(get(base + "/readyz")[1])["policy"]["version"] == new

        policy.write_text(
            policy.read_text(encoding="utf-8").replace('"email"', '"emial"', 1), encoding="utf-8"
        )
        time.sleep(3)  # two looks and more
        for _, base in servers:
            answer = json.loads(get(base + at, token)[1])
            assert answer["primary"]["id"] == "chen"  # the last good policy, still in force
            ready = json.loads(get(base + "/readyz")[1])
            assert ready["status"] == "ready"
            assert ready["policy"]["version"] == new
            assert ready["policy"]["refused"]["version"] == version_of(policy)
            assert "unknown key 'emial'" in " ".join(ready["policy"]["refused"]["problems"])
            metrics = get(base + "/metrics", token)[1]
            assert f'opsdesk_policy_refused{{version="{version_of(policy)}"}} 1' in metrics
    finally:
        for server, _ in servers:
            server.send_signal(signal.SIGTERM)
        for server, _ in servers:
            server.wait(timeout=30)


def test_jobs_run_by_the_policy_in_force_page_the_new_holder(
    sqlite_db: Engine, workdir: Path, cache_dir: Path
) -> None:
    """An escalation queued under the old rota pages whoever holds the step under the new one."""
    document = policy_document(date(2026, 11, 30), weeks=2)  # week 1: alice primary, bilal secondary
    policy = workdir / "opsdesk.yaml"
    policy.write_text(json.dumps(document), encoding="utf-8")
    url = sqlite_db.url.render_as_string(hide_password=False)
    settings = Settings(policy, policy_path_explicit=True, cache_dir=cache_dir, database_url=url)
    clock = SteppingClock(EVENING)
    live = LivePolicy(bootstrap(settings, clock=clock))
    incident = live.app.incidents.open("platform", "disk full", ENGINEER)
    document["rota"]["on-call"][0]["secondary"] = "chen"  # bilal swaps out of tonight's secondary
    policy.write_text(json.dumps(document), encoding="utf-8")
    assert live.check() is True
    runner = live.job_runner()
    for _ in range(3):  # the second step (the secondary) is due 20 minutes on
        clock.advance(timedelta(minutes=10))
        runner.run_once()
    with live.app.unit_of_work() as uow:
        entries = reversed(uow.incidents.timeline(incident.id, limit=100).entries)  # oldest first
        paged = [e.data["engineer"] for e in entries if e.kind == "paged"]
    assert paged[:2] == ["alice", "chen"]


def test_a_policy_naming_a_bank_holiday_file_that_is_not_there_is_refused(
    served: tuple[TestClient, ApiContext, dict[str, str], Path],
) -> None:
    client, context, viewer, policy = served
    policy.write_text(json.dumps(team(**{"bank-holidays": {"file": "holidays.json"}})), encoding="utf-8")
    assert context.live.check() is False
    assert pair(client, viewer) == ("alice", "bilal")
    problems = " ".join(client.get("/readyz").json()["policy"]["refused"]["problems"])
    assert "holidays.json" in problems


def test_a_removed_file_at_the_default_path_keeps_the_last_good_policy(
    workdir: Path, cache_dir: Path
) -> None:
    """A branch checked out without the file must not leave the service with nobody on call (and `serve
    --workers N`, whose API processes are given the path explicitly, behaves the same in every process)."""
    policy = workdir / "opsdesk.yaml"
    policy.write_text(json.dumps(TEAM), encoding="utf-8")
    settings = Settings(policy, policy_path_explicit=False, cache_dir=cache_dir)
    live = LivePolicy(bootstrap(settings, clock=FixedClock(EVENING)))
    policy.unlink()
    assert live.check() is False
    assert primary(live) == "alice"
    refused = live.status().refused
    assert refused is not None and "cannot be read" in " ".join(refused.problems)


def test_putting_back_the_version_in_force_clears_the_refusal(
    served: tuple[TestClient, ApiContext, dict[str, str], Path],
) -> None:
    client, context, viewer, policy = served
    good = policy.read_bytes()
    policy.write_text("rota: [unclosed", encoding="utf-8")
    assert context.live.check() is False
    assert client.get("/readyz").json()["policy"]["refused"] is not None
    policy.write_bytes(good)  # the usual undo
    assert context.live.check() is False  # nothing new to put in force...
    assert client.get("/readyz").json()["policy"]["refused"] is None  # ...and nothing refused any more
    assert 'opsdesk_policy_refused{version=""} 0' in client.get("/metrics", headers=viewer).text
