"""The API's error answers by the error's base class: what a caller sees for each branch of the error tree."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from opsdesk.config.settings import Settings
from opsdesk.domain.errors import (
    ChangeNotAllowedError,
    DomainError,
    IncidentError,
    IntegrationError,
    NotAllowedError,
    NotFoundError,
    PolicyError,
    PolicyProblem,
    UnknownChangeError,
    UnknownIncidentError,
    VendorUnavailableError,
)
from opsdesk.entrypoints.api.app import create_app
from opsdesk.entrypoints.api.context import api_context
from tests.rota_builders import team

RAISED: dict[str, DomainError] = {
    "unknown-incident": UnknownIncidentError("no incident #7: `opsdesk incident list` shows them"),
    "unknown-change": UnknownChangeError("no change request CR-7"),
    "not-found": NotFoundError("no such thing"),
    "not-allowed": NotAllowedError("only the assigned engineer may start it"),
    "change-not-allowed": ChangeNotAllowedError("a reviewer other than the requester must approve"),
    "unavailable": VendorUnavailableError("Slack did not answer: try again", retry_after=17),
    "integration": IntegrationError("GitHub answered HTTP 422: the label does not exist"),
    "refused": IncidentError("#7 is resolved: it cannot be acknowledged"),
    "domain": DomainError("refused"),
    "policy": PolicyError([PolicyProblem("rota", "no engineers")]),
}


@pytest.fixture
def client(tmp_path: Path, cache_dir: Path) -> Iterator[TestClient]:
    """The real API, with one extra route per error that raises it (the way a use case would)."""
    policy = tmp_path / "opsdesk.yaml"
    policy.write_text(json.dumps(team()), encoding="utf-8")
    settings = Settings(
        policy,
        policy_path_explicit=True,
        cache_dir=cache_dir,
        database_url=f"sqlite:///{tmp_path / 'opsdesk.db'}",
    )
    context = api_context(settings)
    app = create_app(context)
    for name, error in RAISED.items():
        app.fastapi.add_api_route(f"/raise/{name}", _raising(error))
    with TestClient(app) as test_client:
        yield test_client
    context.engine.dispose()


def _raising(error: DomainError) -> Callable[[], None]:
    def route() -> None:
        raise error

    return route


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("unknown-incident", 404),
        ("unknown-change", 404),
        ("not-found", 404),
        ("not-allowed", 403),
        ("change-not-allowed", 403),
        ("unavailable", 503),
        ("integration", 502),
        ("refused", 400),  # a refusal by a rule has always been 400
        ("domain", 400),
        ("policy", 400),
    ],
)
def test_each_error_answers_by_its_base_class(client: TestClient, name: str, status: int) -> None:
    answer = client.get(f"/raise/{name}")
    assert answer.status_code == status
    assert answer.json() == {"detail": str(RAISED[name])}


def test_a_vendor_out_for_now_says_when_to_retry(client: TestClient) -> None:
    answer = client.get("/raise/unavailable")
    assert (answer.status_code, answer.headers["retry-after"]) == (503, "17")
    assert "retry-after" not in client.get("/raise/integration").headers


def test_openapi_lists_every_error_answer(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    answers = schema["paths"]["/api/v1/incidents/{incident_id}/acknowledge"]["post"]["responses"]
    assert {"400", "401", "403", "404", "413", "422", "502", "503"} <= set(answers)
    assert "retry" in answers["503"]["description"].lower()
