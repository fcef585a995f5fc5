"""Announcements through the API: posted (201, then a linked pair in the outbox), listed and read; the
mention budget (400 saying why, nothing kept); bad bodies answered with a reason, never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from opsdesk.adapters.db.unit_of_work import SqlUnitOfWork
from opsdesk.config.settings import Settings
from opsdesk.domain.access import AccessRole
from opsdesk.domain.announcements.model import Announcement, AnnouncementKind, Promise
from opsdesk.entrypoints.api.app import create_app
from opsdesk.entrypoints.api.context import api_context
from tests.rota_builders import team

Api = tuple[TestClient, Engine, dict[str, dict[str, str]]]
URL = "/api/v1/announcements"
SERVICES = [{"id": "platform", "name": "Platform", "channel": "#platform-alerts"}]
SECTION = {"update-channel": "#platform-updates", "ask-channel": "#ask-platform"}


@pytest.fixture
def api(db: Engine, tmp_path: Path, cache_dir: Path) -> Iterator[Api]:
    policy = tmp_path / "opsdesk.yaml"
    policy.write_text(json.dumps(team(services=SERVICES, announcements=SECTION)), encoding="utf-8")
    url = db.url.render_as_string(hide_password=False)
    settings = Settings(policy, policy_path_explicit=True, cache_dir=cache_dir, database_url=url)
    context = api_context(settings)
    headers = {}
    for name, role in [("alice", AccessRole.ENGINEER), ("viewer", AccessRole.VIEWER)]:
        _, token = context.tokens.create(name, role, datetime.now(UTC))
        headers[name] = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(context)) as client:
        yield client, db, headers
    context.engine.dispose()


def body(**fields: object) -> dict[str, object]:
    return {"kind": "maintenance", "title": "Database failover", "body": "Writes pause.", **fields}


def test_posted_listed_and_read(api: Api) -> None:
    client, _, headers = api
    posted = client.post(URL, json=body(mention="here"), headers=headers["alice"])
    assert posted.status_code == 201, posted.text
    made = posted.json()
    assert {k: made[k] for k in ("id", "kind", "author", "mention", "update_channel", "ask_channel")} == {
        "id": 1,
        "kind": "maintenance",
        "author": "alice",
        "mention": "here",
        "update_channel": "#platform-updates",
        "ask_channel": "#ask-platform",
    }
    assert (made["next_update"], made["reminders"]) == (None, [])
    assert client.get(f"{URL}/1", headers=headers["viewer"]).json() == made
    assert [a["id"] for a in client.get(URL, headers=headers["viewer"]).json()] == [1]
    outbox = client.get("/api/v1/outbox", headers=headers["alice"]).json()
    pair = sorted(
        (r for r in outbox if r["idempotency_key"].startswith("announcement:1:")), key=lambda r: r["id"]
    )
    assert [(r["destination"], r["after"]) for r in pair] == [
        ("#platform-updates", None),
        ("#ask-platform", "announcement:1:post"),
    ]
    missing = client.get(f"{URL}/9", headers=headers["viewer"])
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        "no announcement #9: `opsdesk announce list` shows the ones made",
    )
    assert client.post(URL, json=body(), headers=headers["viewer"]).status_code == 403


def test_an_incident_update_with_a_promise_and_the_overdue_list(api: Api) -> None:
    client, db, headers = api
    opened = client.post(
        "/api/v1/incidents",
        json={"service": "platform", "summary": "DB down", "priority": "P1"},
        headers=headers["alice"],
    )
    assert opened.status_code == 201, opened.text
    posted = client.post(
        URL,
        json=body(kind="incident-update", incident=1, mention="channel", next_update="2h"),
        headers=headers["alice"],
    )
    assert posted.status_code == 201, posted.text
    promise = posted.json()["next_update"]
    assert promise["state"] == "pending"
    assert datetime.fromisoformat(promise["due"]) - datetime.fromisoformat(posted.json()["at"]) == timedelta(
        hours=2
    )
    at = datetime.now(UTC) - timedelta(hours=3)
    with SqlUnitOfWork(db) as uow:
        uow.announcements.add(
            Announcement(
                0, AnnouncementKind.MAINTENANCE, "Old", "Body.", "bilal", at, incident=1,
                promise=Promise(at + timedelta(hours=1), at + timedelta(hours=1, minutes=10)),
            )
        )  # fmt: skip
        uow.commit()
    overdue = client.get(URL, params={"overdue": "true"}, headers=headers["viewer"]).json()
    assert [(a["title"], a["next_update"]["state"]) for a in overdue] == [("Old", "overdue")]
    on_incident = client.get(URL, params={"incident": 1}, headers=headers["viewer"]).json()
    assert [a["id"] for a in on_incident] == [1, 2]  # the newest first: #2 was made three hours ago


def test_the_mention_budget_is_400_saying_why_and_nothing_is_kept(api: Api) -> None:
    client, _, headers = api
    refused = client.post(URL, json=body(mention="channel"), headers=headers["alice"])
    assert refused.status_code == 400
    assert refused.json()["detail"] == (
        "@channel is kept for an incident update on a P1 incident (the policy's "
        "announcements.channel-mention-for); this is maintenance: post it with @here (2 of 2 left this "
        "week) or without a mention"
    )
    for _ in range(2):
        assert client.post(URL, json=body(mention="here"), headers=headers["alice"]).status_code == 201
    spent = client.post(URL, json=body(mention="here"), headers=headers["alice"])
    assert spent.status_code == 400
    assert spent.json()["detail"].startswith("@here was used 2 times this week (the budget is 2 a week")
    assert len(client.get(URL, headers=headers["viewer"]).json()) == 2


@pytest.mark.parametrize(
    ("sent", "status", "said"),
    [
        (body(kind="outage"), 422, "scheduled-work"),
        (body(title="x" * 201), 400, "a title is at most 200 characters and this one has 201"),
        (body(body="y" * 4001), 400, "a body is at most 4000 characters and this one has 4001"),
        (body(title="Fail\x00over"), 422, "title holds a NUL character (U+0000)"),
        (body(kind="incident-update", incident=9), 400, "no incident #9"),
        (body(change=9), 400, "no change request #9"),
        (body(change=9, next_update="soon"), 422, "expected a duration from now"),
        (body(starts_at="2026-03-29T01:30"), 422, "does not exist in Europe/London"),
        (body(mention="everyone"), 422, "'here' or 'channel'"),
        (body(colour="red"), 422, "Extra inputs are not permitted"),
    ],
)
def test_bad_bodies_are_refused_with_a_reason(
    api: Api, sent: dict[str, object], status: int, said: str
) -> None:
    client, _, headers = api
    answer = client.post(URL, json=sent, headers=headers["alice"])
    assert answer.status_code == status, answer.text
    assert said in answer.text
    assert client.get(URL, headers=headers["viewer"]).json() == []


def test_a_title_written_as_html_is_kept_as_written_and_escaped_for_slack(api: Api) -> None:
    client, _, headers = api
    title = "<script>alert(1)</script> & <!channel>"
    made = client.post(URL, json=body(title=title), headers=headers["alice"]).json()
    assert made["title"] == title  # JSON is data: a client shows it as text
    outbox = client.get("/api/v1/outbox", headers=headers["alice"]).json()
    for row in outbox:
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!channel&gt;" in row["text"]
        assert "<script>" not in row["text"] and "<!channel>" not in row["text"]
