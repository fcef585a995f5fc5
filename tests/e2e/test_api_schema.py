"""schemathesis against /openapi.json: no server error, and every answer fits the published schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from opsdesk.config.settings import Settings
from opsdesk.domain.access import AccessRole
from opsdesk.entrypoints.api.app import create_app
from opsdesk.entrypoints.api.context import api_context
from tests.rota_builders import team

TOKEN: dict[str, str] = {}


@pytest.fixture
def api_schema(tmp_path: Path, cache_dir: Path) -> Iterator[Any]:
    policy = tmp_path / "opsdesk.yaml"
    policy.write_text(json.dumps(team()), encoding="utf-8")
    settings_ = Settings(
        policy,
        policy_path_explicit=True,
        cache_dir=cache_dir,
        database_url=f"sqlite:///{tmp_path / 'opsdesk.db'}",
    )
    context = api_context(settings_)
    _, TOKEN["admin"] = context.tokens.create("schemathesis", AccessRole.ADMIN, datetime.now(UTC))
    yield schemathesis.openapi.from_asgi("/openapi.json", create_app(context))
    context.engine.dispose()


def test_no_server_error_and_answers_fit_the_schema(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def check(case: Any) -> None:
            # The bar: no 5xx and no answer outside the schema. (A well-formed but impossible `at`,
            # such as 2026-02-30T10:00, is rightly a 422, which schemathesis's "positive data" check flags.)
            case.call_and_validate(
                headers={"Authorization": f"Bearer {TOKEN['admin']}"},
                excluded_checks=[positive_data_acceptance],
            )

        check()
