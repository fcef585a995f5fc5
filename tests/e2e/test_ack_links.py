"""Acknowledge links from pages through the real HTTP API on SQLite and PostgreSQL: the page carries a
signed link; opening it changes nothing; pressing its button acknowledges as the paged engineer, once;
a second use, a link after the incident was resolved, an expired link and a changed link each get a page
that says so and change nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from opsdesk.adapters.db.outbox import SqlOutbox
from opsdesk.config.settings import Settings
from opsdesk.domain.access import AccessRole
from opsdesk.domain.incidents.ack_links import AckClaim, sign
from opsdesk.entrypoints.api.app import create_app
from opsdesk.entrypoints.api.context import ApiContext, api_context
from tests.fakes import SteppingClock
from tests.rota_builders import team

KEY = "R0UT1NGKEYFORTHEPLATFORMSERVICE0"
SECRET = "s3cret-for-signing-links-0123456789abcdef"
PUBLIC = "https://opsdesk.example.org"
SERVICES = [
    {
        "id": "platform",
        "name": "Platform",
        "channel": "#platform-alerts",
        "integration-keys": [KEY],
        "paging": ["email"],
    }
]
NIGHT = datetime(2026, 12, 1, 21, 4, tzinfo=UTC)  # Tuesday evening: on call, alice primary, bilal secondary
TRIGGER = {
    "routing_key": KEY,
    "event_action": "trigger",
    "dedup_key": "disk-full",
    "payload": {
        "summary": "Disk full on db-1 <script>alert(1)</script>",
        "source": "db-1",
        "severity": "critical",
        "custom_details": {"free": "0 bytes", "mount": "/var/lib/postgresql"},
    },
    "links": [{"href": "https://grafana.example.org/d/disk", "text": "Disk dashboard"}],
}


@dataclass
class Api:
    client: TestClient
    context: ApiContext
    clock: SteppingClock
    token: str

    def incident(self, number: int) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"}
        return self.client.get(f"/api/v1/incidents/{number}", headers=headers).json()  # type: ignore[no-any-return]

    def acknowledgements(self, number: int) -> list[tuple[str, str]]:
        """(who, from where) of each acknowledgement on the incident's timeline."""
        return [
            (e["who"], e["from"]) for e in self.incident(number)["timeline"] if e["what"] == "acknowledged"
        ]

    def page_link(self) -> str:
        """The acknowledge link in the first page (kept by the log channel here, as Slack would show it)."""
        rows = [
            r
            for r in SqlOutbox(self.context.engine).rows(limit=100)
            if r.message.idempotency_key.startswith("page:")
        ]
        assert rows, "no page was sent"
        said = json.dumps(rows[0].message.payload)
        found = re.search(r"<(https://opsdesk\.example\.org/ack/[A-Za-z0-9_.-]+)\|Acknowledge by link>", said)
        assert found is not None, said
        return found.group(1)


@pytest.fixture
def api(db: Engine, tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setenv("OPSDESK_PUBLIC_URL", PUBLIC)
    monkeypatch.setenv("OPSDESK_LINK_SECRET", SECRET)
    policy = tmp_path / "opsdesk.yaml"
    policy.write_text(json.dumps(team(services=SERVICES)), encoding="utf-8")
    url = db.url.render_as_string(hide_password=False)
    settings = Settings(policy, policy_path_explicit=True, cache_dir=cache_dir, database_url=url)
    clock = SteppingClock(NIGHT)
    context = api_context(settings, clock=clock)
    _, token = context.tokens.create("engineer-token", AccessRole.ENGINEER, datetime.now(UTC))
    made = Api(TestClient(create_app(context)), context, clock, token)
    with made.client:
        assert made.client.post("/api/v1/events/v2/enqueue", json=TRIGGER).status_code == 202
        yield made
    context.engine.dispose()


def path_of(link: str) -> str:
    return link.removeprefix(PUBLIC)


def test_opening_the_link_asks_and_pressing_acknowledges_once(api: Api) -> None:
    link = path_of(api.page_link())
    shown = api.client.get(link)
    assert shown.status_code == 200
    assert (
        "Acknowledge incident #1 (Platform: Disk full on db-1 &lt;script&gt;alert(1)&lt;/script&gt;)?"
        in shown.text
    )
    assert "<script>" not in shown.text
    assert '<form method="post"><button type="submit">Acknowledge</button></form>' in shown.text
    assert shown.headers["cache-control"] == "no-store"
    assert api.incident(1)["state"] == "triggered"  # opening it (as a mail scanner would) did nothing

    api.clock.advance(timedelta(minutes=2))
    done = api.client.post(link)
    assert done.status_code == 200
    assert "✓ Incident #1 acknowledged" in done.text
    incident = api.incident(1)
    assert (incident["state"], incident["acknowledged_by"]) == ("acknowledged", "alice")
    assert api.acknowledgements(1) == [("alice", "link")]

    api.clock.advance(timedelta(minutes=5))
    again = api.client.post(link)
    assert again.status_code == 409
    assert "This link was already used at 21:06" in again.text
    assert "#1 is acknowledged by alice (at 21:06). Nothing was done again." in again.text
    assert api.acknowledgements(1) == [("alice", "link")]
    assert api.client.get(link).status_code == 409  # and says so when opened, too


def test_a_link_after_the_incident_was_resolved_does_nothing(api: Api) -> None:
    link = path_of(api.page_link())
    headers = {"Authorization": f"Bearer {api.token}"}
    api.clock.advance(timedelta(minutes=10))
    resolved = api.client.post("/api/v1/incidents/1/resolve", json={}, headers=headers)
    assert resolved.status_code == 200, resolved.text
    answer = api.client.post(link)
    assert answer.status_code == 409
    assert "was resolved by" in answer.text and "at 21:14: nothing to do" in answer.text
    assert api.incident(1)["state"] == "resolved"
    assert api.acknowledgements(1) == []


def test_an_expired_link_says_when_and_what_to_do(api: Api) -> None:
    link = path_of(api.page_link())
    api.clock.advance(timedelta(hours=24, minutes=1))
    answer = api.client.post(link)
    assert answer.status_code == 410
    assert "It expired at 21:04, 24 hours after the page. Nothing was done." in answer.text
    assert "<code>opsdesk incident ack 1</code>" in answer.text
    assert api.incident(1)["state"] == "triggered"


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "a.b",
        "%00",
        "x%E2%80%AEy.z",
        "A" * 300,
        "A" * 60_000,  # the test client refuses longer URLs; the server looks at 200 characters at most
    ],
)
def test_garbage_is_404_and_changes_nothing(api: Api, token: str) -> None:
    for method in (api.client.get, api.client.post):
        answer = method(f"/ack/{token}")
        assert answer.status_code in (404, 414), answer.status_code
        if answer.status_code == 404:
            assert "This link is not valid" in answer.text
    assert api.incident(1)["state"] == "triggered"


def test_a_changed_or_foreign_link_is_404_and_changes_nothing(api: Api) -> None:
    link = path_of(api.page_link())
    body, mac = link.removeprefix("/ack/").split(".")
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    claim = AckClaim(1, "alice", 1, 1, NIGHT + timedelta(hours=1), b"123456789")
    foreign = sign("another-deployment-secret-0123456789abcdef", claim)
    for token in (f"{flipped}.{mac}", f"{body}.{mac[:-1]}", foreign, f"{body}.{mac}.x"):
        answer = api.client.post(f"/ack/{token}")
        assert answer.status_code == 404
        assert "This link is not valid" in answer.text
        assert "alice" not in answer.text
    assert api.incident(1)["state"] == "triggered"
    # A link signed with this deployment's secret, for bilal, acknowledges as bilal.
    mine = sign(SECRET, AckClaim(1, "bilal", 1, 2, NIGHT + timedelta(hours=1), b"987654321"))
    assert api.client.post(f"/ack/{mine}").status_code == 200
    assert api.incident(1)["acknowledged_by"] == "bilal"
    # alice's own link now finds it acknowledged by someone else: nothing to do.
    late = api.client.post(link)
    assert late.status_code == 409
    assert "#1 is acknowledged by bilal (at 21:04): nothing to do." in late.text
