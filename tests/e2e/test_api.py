"""The HTTP API: every route for every role, no token and a revoked token; shapes; limits; health."""

from __future__ import annotations

import hashlib
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
from opsdesk.domain.outbox import OutgoingMessage
from opsdesk.entrypoints.api.app import create_app
from opsdesk.entrypoints.api.context import ApiContext, api_context
from tests.rota_builders import team

ROLES = list(AccessRole)


@pytest.fixture
def api(
    db: Engine, tmp_path: Path, cache_dir: Path
) -> Iterator[tuple[TestClient, ApiContext, dict[str, str]]]:
    policy = tmp_path / "opsdesk.yaml"
    policy.write_text(json.dumps(team()), encoding="utf-8")
    url = db.url.render_as_string(hide_password=False)
    settings = Settings(policy, policy_path_explicit=True, cache_dir=cache_dir, database_url=url)
    context = api_context(settings)
    tokens = {}
    for role in ROLES:
        _, tokens[role.value] = context.tokens.create(f"{role}-token", role, datetime.now(UTC))
    _, revoked = context.tokens.create("old", AccessRole.ADMIN, datetime.now(UTC))
    context.tokens.revoke_name("old", datetime.now(UTC))
    tokens["revoked"] = revoked
    with TestClient(create_app(context)) as client:
        yield client, context, tokens
    context.engine.dispose()


ROUTES: list[tuple[str, str, AccessRole, dict[str, Any] | None, int]] = [
    ("GET", "/api/v1/cover?at=2026-12-01T10:00", AccessRole.VIEWER, None, 200),
    ("GET", "/api/v1/oncall?at=2026-12-01T17:00", AccessRole.VIEWER, None, 200),
    ("GET", "/api/v1/cover/elapsed?from=2026-12-04T15:55&to=2026-12-07T09:10", AccessRole.VIEWER, None, 200),
    ("GET", "/api/v1/rota?from=2026-11-30&to=2026-12-06", AccessRole.VIEWER, None, 200),
    ("GET", "/api/v1/calendar/team.ics", AccessRole.VIEWER, None, 200),
    ("GET", "/api/v1/calendar/alice.ics", AccessRole.VIEWER, None, 200),
    ("GET", "/metrics", AccessRole.VIEWER, None, 200),
    ("GET", "/api/v1/outbox", AccessRole.ENGINEER, None, 200),
    ("GET", "/api/v1/tokens", AccessRole.ADMIN, None, 200),
    ("POST", "/api/v1/tokens", AccessRole.ADMIN, {"name": "new one", "role": "viewer"}, 201),
    ("DELETE", "/api/v1/tokens/99999", AccessRole.ADMIN, None, 404),  # allowed, but no such token
    ("GET", "/api/v1/incidents", AccessRole.VIEWER, None, 200),
    ("GET", "/api/v1/incidents/99999", AccessRole.VIEWER, None, 404),
    # Allowed, but this policy has no services / no such incident:
    ("POST", "/api/v1/incidents", AccessRole.ENGINEER, {"service": "platform", "summary": "x"}, 400),
    ("POST", "/api/v1/incidents/99999/acknowledge", AccessRole.ENGINEER, None, 404),
    ("POST", "/api/v1/incidents/99999/resolve", AccessRole.ENGINEER, None, 404),
    ("POST", "/api/v1/incidents/99999/defer", AccessRole.ENGINEER, {"informed": "x", "plan": "y"}, 404),
    ("PATCH", "/api/v1/incidents/99999", AccessRole.ENGINEER, {"priority": "P2"}, 404),
    ("POST", "/api/v1/incidents/99999/notes", AccessRole.ENGINEER, {"text": "x"}, 404),
    ("POST", "/api/v1/changes/check", AccessRole.VIEWER, {"body": "### Scheduled Time\n\nsoon"}, 200),
    ("GET", "/api/v1/changes", AccessRole.VIEWER, None, 200),
    ("GET", "/api/v1/changes/99999", AccessRole.VIEWER, None, 404),
    (
        "POST",
        "/api/v1/changes",
        AccessRole.REQUESTER,
        {"title": "T", "body": "### Scheduled Time\n\nsoon"},
        201,
    ),
    ("PUT", "/api/v1/changes/99999", AccessRole.REQUESTER, {"body": "x"}, 404),
    ("POST", "/api/v1/changes/99999/cancel", AccessRole.REQUESTER, None, 404),
    (
        "POST",
        "/api/v1/changes/99999/approve",
        AccessRole.ENGINEER,
        {"engineer": "alice", "instructions": "x"},
        404,
    ),
    ("POST", "/api/v1/changes/99999/reject", AccessRole.ENGINEER, {"reason": "x"}, 404),
    ("POST", "/api/v1/changes/99999/checklist", AccessRole.ENGINEER, {"item": "stakeholders-informed"}, 404),
    ("POST", "/api/v1/changes/99999/start", AccessRole.ENGINEER, None, 404),
    ("POST", "/api/v1/changes/99999/complete", AccessRole.ENGINEER, {"note": "x"}, 404),
    ("POST", "/api/v1/changes/99999/roll-back", AccessRole.ENGINEER, {"note": "x"}, 404),
    ("GET", "/api/v1/rota/changes", AccessRole.VIEWER, None, 200),
    # Allowed, but no such engineer / no such swap / these tokens are not named after engineers:
    (
        "POST",
        "/api/v1/rota/overrides",
        AccessRole.ENGINEER,
        {"role": "primary", "engineer": "zed", "from": "2026-12-01T17:00", "to": "2026-12-01T18:00"},
        400,
    ),
    (
        "POST",
        "/api/v1/rota/leave",
        AccessRole.ENGINEER,
        {"engineer": "zed", "from": "2026-12-05", "to": "2026-12-05"},
        400,
    ),
    (
        "POST",
        "/api/v1/rota/swaps",
        AccessRole.ENGINEER,
        {"with": "bilal", "role": "primary", "on": "2026-12-01"},
        403,
    ),
    ("POST", "/api/v1/rota/swaps/99999/accept", AccessRole.ENGINEER, None, 404),
    ("POST", "/api/v1/rota/swaps/99999/decline", AccessRole.ENGINEER, None, 404),
]


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/openapi.json", "/docs"])
def test_public_routes_answer_everyone(api: tuple[TestClient, ApiContext, dict[str, str]], path: str) -> None:
    client, _, tokens = api
    for who in ["none", "revoked", *[r.value for r in ROLES]]:
        headers = {} if who == "none" else {"Authorization": f"Bearer {tokens[who]}"}
        assert client.get(path, headers=headers).status_code == 200, who


@pytest.mark.parametrize(("method", "path", "needed", "body", "ok"), ROUTES)
def test_every_route_checks_the_token_and_role(
    api: tuple[TestClient, ApiContext, dict[str, str]],
    method: str,
    path: str,
    needed: AccessRole,
    body: dict[str, Any] | None,
    ok: int,
) -> None:
    client, _, tokens = api
    seen = {}
    for who in ["none", "revoked", *[r.value for r in ROLES]]:
        headers = {} if who == "none" else {"Authorization": f"Bearer {tokens[who]}"}
        if body is not None and "name" in body:
            body = {**body, "name": f"{body['name'][:20]} {who}"}
        seen[who] = client.request(method, path, headers=headers, json=body).status_code
    expected = {"none": 401, "revoked": 401}
    expected |= {r.value: ok if r.allows(needed) else 403 for r in ROLES}
    assert seen == expected


def test_cover_and_oncall_are_the_cli_objects(api: tuple[TestClient, ApiContext, dict[str, str]]) -> None:
    client, _, tokens = api
    auth = {"Authorization": f"Bearer {tokens['viewer']}"}
    cover = client.get("/api/v1/cover", params={"at": "2026-12-28T16:00"}, headers=auth).json()
    assert cover == {
        "at": "2026-12-28T16:00:00+00:00",
        "cover": "on-call",
        "day": "bank-holiday",
        "holiday": "Boxing Day (substitute day)",
        "until": "2026-12-28T22:00:00+00:00",
    }
    oncall = client.get("/api/v1/oncall", params={"at": "2026-12-01T17:00"}, headers=auth).json()
    assert (oncall["primary"], oncall["secondary"]) == (
        {"id": "alice", "name": "Alice"},
        {"id": "bilal", "name": "Bilal"},
    )
    bad = client.get("/api/v1/cover", params={"at": "2026-03-29T01:30"}, headers=auth)
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "at"]
    assert "does not exist in Europe/London" in bad.json()["detail"][0]["msg"]


def test_calendar_feeds_accept_their_url_secret(api: tuple[TestClient, ApiContext, dict[str, str]]) -> None:
    client, context, _ = api
    assert client.get("/api/v1/calendar/team.ics").status_code == 401
    assert client.get("/api/v1/calendar/team.ics", params={"key": "wrong"}).status_code == 401
    good = client.get("/api/v1/calendar/team.ics", params={"key": context.feed_secret("team")})
    assert good.status_code == 200
    assert good.text.startswith("BEGIN:VCALENDAR")
    other = client.get("/api/v1/calendar/alice.ics", params={"key": context.feed_secret("team")})
    assert other.status_code == 401  # a feed's secret opens that feed only


def test_a_revoked_feed_url_stops_working_at_once(api: tuple[TestClient, ApiContext, dict[str, str]]) -> None:
    client, context, _ = api
    old_alice, old_team = context.feed_secret("alice"), context.feed_secret("team")
    assert client.get("/api/v1/calendar/alice.ics", params={"key": old_alice}).status_code == 200
    context.tokens.revoke_feed("alice")
    revoked = client.get("/api/v1/calendar/alice.ics", params={"key": old_alice})
    assert revoked.status_code == 401
    assert revoked.json()["detail"] == (
        "this calendar feed's key is wrong or was revoked: get its current URL with "
        "`opsdesk token feed-url --engineer alice` and give that to the calendar app"
    )
    new_alice = context.feed_secret("alice")
    assert new_alice != old_alice
    assert client.get("/api/v1/calendar/alice.ics", params={"key": new_alice}).status_code == 200
    assert client.get("/api/v1/calendar/team.ics", params={"key": old_team}).status_code == 200


def test_a_401_says_how_to_get_a_token_and_send_it(
    api: tuple[TestClient, ApiContext, dict[str, str]],
) -> None:
    client, _, tokens = api
    none = client.get("/api/v1/outbox")
    assert none.status_code == 401
    assert none.json()["detail"] == (
        "a token is needed: an admin creates one with `opsdesk token create --name NAME --role engineer`; "
        "send it as `Authorization: Bearer <token>`"
    )
    assert none.headers["www-authenticate"] == (
        'Bearer realm="opsdesk", error_description="a token is needed: an admin creates one with '
        'opsdesk token create --name NAME --role engineer; send it as Authorization: Bearer <token>"'
    )
    revoked = client.get("/api/v1/oncall", headers={"Authorization": f"Bearer {tokens['revoked']}"})
    assert revoked.json()["detail"].startswith("this token is unknown or revoked: an admin creates one with ")
    assert revoked.headers["www-authenticate"].startswith('Bearer realm="opsdesk", error="invalid_token", ')
    basic = client.get("/api/v1/oncall", headers={"Authorization": "Basic abc"})
    assert basic.json()["detail"].startswith("the Authorization header is not `Bearer <token>`: ")
    assert "opsdesk token create --name NAME --role viewer" in basic.headers["www-authenticate"]
    unknown = client.get("/api/v1/outbox", headers={"Authorization": "Bearer odk_nobody"})
    assert unknown.json()["detail"] == (  # the role the route needs, as for no token at all
        "this token is unknown or revoked: an admin creates one with `opsdesk token create --name NAME "
        "--role engineer`; send it as `Authorization: Bearer <token>`"
    )


def test_bad_bodies(api: tuple[TestClient, ApiContext, dict[str, str]]) -> None:
    client, _, tokens = api
    auth = {"Authorization": f"Bearer {tokens['admin']}", "Content-Type": "application/json"}
    malformed = client.post("/api/v1/tokens", content=b'{"name": "x", "role": ', headers=auth)
    assert malformed.status_code == 422
    wrong = client.post("/api/v1/tokens", json={"name": "x", "role": "superuser"}, headers=auth)
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["body", "role"]
    huge = client.post("/api/v1/tokens", content=b"x" * ((1 << 20) + 1), headers=auth)
    assert huge.status_code == 413


def test_a_token_name_is_never_all_digits(api: tuple[TestClient, ApiContext, dict[str, str]]) -> None:
    client, _, tokens = api
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    for name, said in (
        (
            "2",
            "a token name is never all digits (it could be taken for a token's number): add a letter, e.g. ci-2",
        ),
        (
            " x",
            "a token name is 1 to 100 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit, e.g. grafana",
        ),
    ):
        refused = client.post("/api/v1/tokens", json={"name": name, "role": "viewer"}, headers=admin)
        assert refused.status_code == 422
        (error,) = refused.json()["detail"]
        assert (error["loc"], error["msg"]) == (["body", "name"], said)
    assert [t["name"] for t in client.get("/api/v1/tokens", headers=admin).json()] == [
        "viewer-token",
        "requester-token",
        "engineer-token",
        "admin-token",
        "old",
    ]
    made = client.post("/api/v1/tokens", json={"name": "ci 2", "role": "viewer"}, headers=admin).json()
    assert client.delete(f"/api/v1/tokens/{made['id']}", headers=admin).status_code == 204
    revoked = {t["name"]: t["revoked_at"] for t in client.get("/api/v1/tokens", headers=admin).json()}
    assert revoked["ci 2"] is not None and revoked["engineer-token"] is None


def test_a_created_token_works_and_a_revoked_one_stops(
    api: tuple[TestClient, ApiContext, dict[str, str]],
) -> None:
    client, context, tokens = api
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    created = client.post("/api/v1/tokens", json={"name": "grafana", "role": "viewer"}, headers=admin).json()
    assert created["token"].startswith("odk_")
    mine = {"Authorization": f"Bearer {created['token']}"}
    assert client.get("/api/v1/cover", headers=mine).status_code == 200
    listed = client.get("/api/v1/tokens", headers=admin).json()
    assert all("token" not in t and "token_hash" not in t for t in listed)
    assert client.delete(f"/api/v1/tokens/{created['id']}", headers=admin).status_code == 204
    context.token_cache.ttl = 0  # the cache would otherwise serve the old answer for a few seconds
    context.token_cache._seen.clear()
    assert client.get("/api/v1/cover", headers=mine).status_code == 401


def test_health_readiness_and_metrics(api: tuple[TestClient, ApiContext, dict[str, str]]) -> None:
    client, context, tokens = api
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    policy_file = context.settings.policy_path
    assert ready["status"] == "ready"
    assert ready["policy"]["version"] == hashlib.sha256(policy_file.read_bytes()).hexdigest()[:12]
    assert ready["policy"]["source"] == str(policy_file)
    assert ready["policy"]["refused"] is None
    client.get("/api/v1/cover", headers={"Authorization": f"Bearer {tokens['viewer']}"})
    text = client.get("/metrics", headers={"Authorization": f"Bearer {tokens['viewer']}"}).text
    assert 'opsdesk_http_requests_total{method="GET",route="/api/v1/cover",status="200"} 1' in text
    assert 'opsdesk_outbox_rows{state="pending"} 0' in text
    assert "opsdesk_outbox_lag_seconds 0.000" in text
    assert 'opsdesk_jobs{state="due"} 0' in text
    schema = client.get("/openapi.json").json()
    assert "/api/v1/oncall" in schema["paths"]


def test_the_fast_path_for_now_answers_as_the_route_does(
    api: tuple[TestClient, ApiContext, dict[str, str]],
) -> None:
    client, context, tokens = api
    viewer = {"Authorization": f"Bearer {tokens['viewer']}"}
    context.token_cache._seen.clear()
    first = client.get("/api/v1/oncall", headers=viewer)  # unknown to the cache: the FastAPI route answers
    second = client.get("/api/v1/oncall", headers=viewer)  # now cached: the fast path answers
    assert first.status_code == second.status_code == 200
    assert (
        set(first.json())
        == set(second.json())
        == {
            "at",
            "cover",
            "until",
            "cover_until",
            "primary",
            "secondary",
            "support",
            "overrides",
            "leave",
            "next",
        }
    )
    assert (
        client.get("/api/v1/oncall", headers={"Authorization": f"Bearer {tokens['revoked']}"}).status_code
        == 401
    )
    assert client.get("/api/v1/oncall", headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.get("/api/v1/oncall").status_code == 401
    context.open_reads = True
    assert client.get("/api/v1/oncall").status_code == 200
    assert client.get("/metrics").status_code == 401  # open reads open cover, on-call and calendars only
    text = client.get("/metrics", headers=viewer).text
    assert 'route="/api/v1/oncall",status="200"' in text


def test_metrics_show_rows_held_back_and_in_doubt(api: tuple[TestClient, ApiContext, dict[str, str]]) -> None:
    client, context, tokens = api
    now = context.clock.now()
    with context.engine.begin() as connection:
        for key in ("page", "post"):
            context.outbox.add(connection, OutgoingMessage("slack", "C0123", {"text": key}, key), now)
    held, doubtful = context.outbox.claim("w1", now, 2, timedelta(seconds=60))
    assert context.outbox.failed(held.id, "w1", "HTTP 429 ratelimited", now + timedelta(minutes=5))
    assert context.outbox.take(doubtful.id, "w1", now, timedelta(seconds=60))
    assert context.outbox.failed(
        doubtful.id, "w1", "IncompleteRead", now + timedelta(seconds=30), in_doubt=True
    )
    text = client.get("/metrics", headers={"Authorization": f"Bearer {tokens['viewer']}"}).text
    assert 'opsdesk_outbox_rows{state="held"} 2' in text
    assert 'opsdesk_outbox_rows{state="in_doubt"} 1' in text
    assert 'opsdesk_outbox_rows{state="due"} 0' in text
    assert "opsdesk_outbox_lag_seconds 0.000" in text  # nothing due: lag alone would hide them
    held_line = next(line for line in text.splitlines() if line.startswith("opsdesk_outbox_held_seconds "))
    assert (
        240 <= float(held_line.split()[1]) <= 300
    )  # five minutes less the test's own time (slow under load)
    rows = client.get("/api/v1/outbox", headers={"Authorization": f"Bearer {tokens['engineer']}"}).json()
    assert {r["idempotency_key"]: r["in_doubt"] for r in rows} == {"page": False, "post": True}
