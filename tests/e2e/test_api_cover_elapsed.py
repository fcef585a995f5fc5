"""The cover clock through the API: `GET /api/v1/cover/elapsed`, the object `opsdesk hours elapsed --json`
prints, and a 422 naming the parameter on bad input."""

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
from tests.rota_builders import team

ROUTE = "/api/v1/cover/elapsed"


@pytest.fixture
def client(sqlite_db: Engine, tmp_path: Path, cache_dir: Path) -> Iterator[TestClient]:
    """A viewer's client (the clock touches no table: one database is enough)."""
    policy = tmp_path / "opsdesk.yaml"
    policy.write_text(json.dumps(team()), encoding="utf-8")
    url = sqlite_db.url.render_as_string(hide_password=False)
    settings = Settings(policy, policy_path_explicit=True, cache_dir=cache_dir, database_url=url)
    context = api_context(settings)
    _, token = context.tokens.create("viewer", AccessRole.VIEWER, datetime.now(UTC))
    with TestClient(create_app(context), headers={"Authorization": f"Bearer {token}"}) as client:
        yield client
    context.engine.dispose()


def test_the_weekend_wait_is_the_cli_object(client: TestClient) -> None:
    answer = client.get(ROUTE, params={"from": "2026-12-04T15:55", "to": "2026-12-07T09:10"})
    assert answer.status_code == 200
    assert answer.text == (
        '{"from":"2026-12-04T15:55:00+00:00","to":"2026-12-07T09:10:00+00:00","cover":"support","seconds":900}'
    )


@pytest.mark.parametrize(("cover", "hours"), [("support", 2), ("on-call", 6 + 15 * 3 + 2), ("none", 36)])
def test_each_cover_over_the_late_may_bank_holiday(client: TestClient, cover: str, hours: int) -> None:
    params = {"from": "2027-05-28T14:00Z", "to": "2027-06-01T10:00+01:00", "cover": cover}
    assert client.get(ROUTE, params=params).json() == {
        "from": "2027-05-28T15:00:00+01:00",
        "to": "2027-06-01T10:00:00+01:00",
        "cover": cover,
        "seconds": hours * 3600,
    }


def test_now_and_fractions(client: TestClient) -> None:
    empty = client.get(ROUTE, params={"from": "now", "to": "now"}).json()
    assert (empty["from"] == empty["to"], empty["seconds"]) == (True, 0)
    fraction = client.get(ROUTE, params={"from": "2026-12-01T10:00", "to": "2026-12-01T10:00:01.5"}).json()
    assert fraction["seconds"] == 1.5


def refusal(client: TestClient, params: dict[str, str]) -> dict[str, Any]:
    answer = client.get(ROUTE, params=params)
    assert answer.status_code == 422
    (error,) = answer.json()["detail"]
    return dict(error)


@pytest.mark.parametrize(
    ("params", "name", "said"),
    [
        ({"from": "soon", "to": "2026-12-01T10:00"}, "from", "not an ISO 8601 date and time"),
        ({"from": "2027-03-01", "to": "2027-03-28T01:30"}, "to", "does not exist in Europe/London"),
        ({"from": "2026-12-02T10:00", "to": "2026-12-01T10:00"}, "to", "`to` must not be before `from`"),
        ({"from": "2026-01-01", "to": "2037-01-01"}, "to", "ask for at most 3660 days (ten years) at a time"),
        (
            {"from": "2026-12-01T10:00", "to": "2026-12-01T11:00", "cover": "daytime"},
            "cover",
            "Input should be",
        ),
        ({"to": "2026-12-01T11:00"}, "from", "Field required"),
    ],
)
def test_bad_input_is_a_422_naming_the_parameter(
    client: TestClient, params: dict[str, str], name: str, said: str
) -> None:
    error = refusal(client, params)
    assert error["loc"] == ["query", name]
    assert said in error["msg"]


def test_it_is_in_the_published_schema(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    operation = schema["paths"][ROUTE]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["from", "to", "cover"]
