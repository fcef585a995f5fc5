"""Hostile bodies over HTTP: whatever arrives, the answer is a 4xx that names the problem, never a 500."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.e2e.test_api_incidents import Api, make_api


@pytest.fixture
def api(db: Engine, tmp_path: Path, cache_dir: Path) -> Iterator[Api]:
    made = make_api(db, tmp_path, cache_dir)
    with made.client:
        yield made
    made.context.engine.dispose()


def body_routes(client: TestClient) -> list[tuple[str, str, list[str]]]:
    """Every route the published schema gives a JSON body: method, path (ids filled in) and field names."""
    schema = client.get("/openapi.json").json()
    found = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content is None:
                continue
            body = content["schema"]
            ref = next((s["$ref"] for s in body.get("anyOf", [body]) if "$ref" in s), None)
            if ref is None:
                continue
            fields = list(schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"])
            found.append((method.upper(), re.sub(r"\{[a-z_]+\}", "1", path), fields))
    return found


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_or_infinity_in_any_body_is_422_naming_the_field(api: Api, literal: bytes) -> None:
    client = TestClient(api.client.app, raise_server_exceptions=False)
    headers = {**api.auth("admin"), "Content-Type": "application/json"}
    routes = body_routes(client)
    assert len(routes) >= 15  # tokens, incidents, changes
    for method, path, fields in routes:
        whole = client.request(method, path, content=literal, headers=headers)
        assert whole.status_code == 422, (path, whole.text)
        for name in fields:
            answer = client.request(
                method, path, content=b'{"%s": %s}' % (name.encode(), literal), headers=headers
            )
            assert answer.status_code == 422, (path, name, answer.text)
            assert ["body", name] in [e["loc"] for e in answer.json()["detail"]], (path, name)
    shown = client.post(
        "/api/v1/changes/check", content=b'{"body": [1, %s]}' % literal, headers=headers
    ).json()["detail"][0]
    assert (shown["loc"], shown["input"]) == (["body", "body"], f"[1, {float(literal)!r}]")
