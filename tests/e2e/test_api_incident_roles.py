"""The API on an incident's lead and scribe (engineers of the team, two people on a P1) and on a first
page held until cover starts (whom it will page), on a database and a clock set to the story's night."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from opsdesk.config.settings import Settings
from opsdesk.domain.access import AccessRole
from opsdesk.entrypoints.api.app import create_app
from opsdesk.entrypoints.api.context import api_context
from tests.fakes import SteppingClock
from tests.rota_builders import TEAM, team

SERVICES = [
    {
        "id": "platform",
        "name": "Platform",
        "channel": "#platform-alerts",
        "escalation": {"final": "manager"},
    }
]
MANAGER = {"id": "femi", "name": "Femi", "email": "femi@example.org", "manager": True, "on-call": False}
ENGINEERS = "alice, bilal, chen, dana, eve, omar, femi"


class Client:
    def __init__(self, client: TestClient, token: str) -> None:
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def open(self, priority: str | None = None) -> dict[str, Any]:
        body = {"service": "platform", "summary": "Router down", "priority": priority}
        answer = self.client.post("/api/v1/incidents", json=body, headers=self.headers)
        assert answer.status_code == 201, answer.text
        return answer.json()  # type: ignore[no-any-return]

    def change(self, number: int, **body: str) -> tuple[int, dict[str, Any]]:
        answer = self.client.patch(f"/api/v1/incidents/{number}", json=body, headers=self.headers)
        return answer.status_code, answer.json()

    def show(self, number: int) -> dict[str, Any]:
        return self.client.get(f"/api/v1/incidents/{number}", headers=self.headers).json()  # type: ignore[no-any-return]


@pytest.fixture
def night(db: Engine, tmp_path: Path, cache_dir: Path) -> Iterator[tuple[Client, SteppingClock]]:
    """Tuesday 1 December 2026, 23:30 GMT: no cover until 07:00; alice is the primary this week."""
    policy = tmp_path / "opsdesk.yaml"
    document = team(services=SERVICES, engineers=[*TEAM["engineers"], MANAGER])
    policy.write_text(json.dumps(document), encoding="utf-8")
    url = db.url.render_as_string(hide_password=False)
    settings = Settings(policy, policy_path_explicit=True, cache_dir=cache_dir, database_url=url)
    clock = SteppingClock(datetime(2026, 12, 1, 23, 30, tzinfo=UTC))
    context = api_context(settings, clock=clock)
    _, token = context.tokens.create("engineer-token", AccessRole.ENGINEER, datetime.now(UTC))
    with TestClient(create_app(context)) as client:
        yield Client(client, token), clock
    context.engine.dispose()


def test_a_held_page_says_whom_it_will_page(night: tuple[Client, SteppingClock]) -> None:
    api, clock = night
    opened = api.open()
    assert opened["held_page"] == {
        "at": "2026-12-02T07:00:00+00:00",
        "engineers": ["alice"],
        "role": "primary",
        "text": "held for cover: alice (primary) is paged at Wed 02 Dec 07:00 unless it is resolved first",
    }
    assert opened["timeline"][-1]["message"] == opened["held_page"]["text"]
    clock.instant = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    assert api.show(opened["id"])["held_page"] is None  # cover has started: the page is no longer held


def test_lead_and_scribe_are_engineers_of_the_team(night: tuple[Client, SteppingClock]) -> None:
    api, _ = night
    number = api.open("P2")["id"]
    status, answer = api.change(number, lead="zoe")
    assert status == 400
    assert answer == {"detail": f"lead 'zoe' is not an engineer of the team; choose one of: {ENGINEERS}"}
    status, answer = api.change(number, scribe="Alice Smith")
    assert status == 400
    assert answer["detail"].startswith("scribe 'Alice Smith' is not an engineer of the team")
    assert (api.show(number)["lead"], api.show(number)["scribe"]) == (None, None)
    status, answer = api.change(number, lead="alice", scribe="femi")
    assert (status, answer["lead"], answer["scribe"], answer["missing"]) == (200, "alice", "femi", [])


def test_on_a_p1_the_lead_and_the_scribe_are_two_people(night: tuple[Client, SteppingClock]) -> None:
    api, _ = night
    p1 = api.open("P1")["id"]
    assert api.change(p1, lead="alice")[0] == 200
    status, answer = api.change(p1, scribe="alice")
    assert status == 400
    assert answer == {
        "detail": "scribe: on a P1 the lead and the scribe must be two people, and alice would be both; "
        "choose the scribe from: bilal, chen, dana, eve, omar, femi"
    }
    assert api.change(p1, scribe="bilal")[0] == 200
    # On a P3 one person may be both; raising it to P1 then is refused until the scribe changes.
    p3 = api.open("P3")["id"]
    status, answer = api.change(p3, lead="chen", scribe="chen")
    assert (status, answer["lead"], answer["scribe"]) == (200, "chen", "chen")
    status, answer = api.change(p3, priority="P1")
    assert status == 400
    assert answer["detail"].startswith("priority: on a P1 the lead and the scribe must be two people")
    assert api.show(p3)["priority"] == "P3"
    assert api.change(p3, priority="P1", scribe="dana")[0] == 200
