"""Hostile bodies over HTTP: whatever arrives, the answer is a 4xx that names the problem, never a 500."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.e2e.test_api_incidents import ALERTMANAGER, ALERTS_KEY, ENQUEUE, KEY, Api, make_api
from tests.fake_slack import TOKEN as SLACK_TOKEN
from tests.fake_slack import FakeSlack


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


@contextmanager
def served(app: object) -> Iterator[str]:
    """The app behind a real HTTP server (uvicorn) on a free local port: its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off")  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def chunks(total: int) -> Iterator[bytes]:
    """A body sent chunked (no Content-Length), so only counting what arrives can refuse it."""
    sent = 0
    while sent < total:
        piece = b" " * min(64 * 1024, total - sent)
        sent += len(piece)
        yield piece


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("/api/v1/changes/check", 1 << 20),
        ("/api/v1/incidents", 1 << 20),
        ("/api/v1/tokens", 1 << 20),
        ("/api/v1/events/v2/enqueue", 512 * 1024),
        (f"/api/v1/integrations/alertmanager/{ALERTS_KEY}", 512 * 1024),
    ],
)
def test_a_chunked_body_over_the_limit_is_413_on_every_route(api: Api, path: str, limit: int) -> None:
    headers = {**api.auth("admin"), "Content-Type": "application/json"}
    with served(api.client.app) as base:
        answer = httpx.post(f"{base}{path}", content=chunks(limit + 1), headers=headers, timeout=30)
        fits = httpx.post(f"{base}{path}", content=chunks(limit), headers=headers, timeout=30)
    assert answer.status_code == 413, answer.text
    said = f"the request body is over {limit} bytes"
    if path.startswith("/api/v1/events/"):
        assert answer.json() == {
            "status": "invalid event",
            "message": "Event object is too large",
            "errors": [said],
        }
    else:
        assert answer.json() == {"detail": said}
    assert fits.status_code in (400, 422)  # read whole, then refused as no JSON object
    assert api.incidents() == []


RLO, PDF = "\u202e", "\u202c"  # right-to-left override, pop directional formatting
BIDI_CONTROLS = [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]  # embeddings, overrides, isolates


@pytest.fixture
def slack_api(
    db: Engine, tmp_path: Path, cache_dir: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Api]:
    monkeypatch.setenv("OPSDESK_SLACK_TOKEN", SLACK_TOKEN)
    monkeypatch.setenv("OPSDESK_SLACK_API_URL", fake_slack.url)
    made = make_api(db, tmp_path, cache_dir)
    with made.client:
        yield made
    made.context.engine.dispose()


def test_bidirectional_controls_never_reach_slack(slack_api: Api, fake_slack: FakeSlack) -> None:
    event = {
        "routing_key": KEY,
        "event_action": "trigger",
        "payload": {"summary": f"db-1 {RLO}txt.exe{PDF} ok", "source": "db-1", "severity": "critical"},
    }
    assert slack_api.client.post("/api/v1/events/v2/enqueue", json=event).status_code == 202
    note = slack_api.client.post(
        "/api/v1/incidents/1/resolve", headers=slack_api.auth(), json={"note": f"fixed \u2066{RLO}x\u2069"}
    )
    assert note.status_code == 200
    worker = slack_api.context.app.deliverer()
    while worker.run_once():
        pass
    texts = [str(body["text"]) for body in fake_slack.delivered]
    assert len(texts) == 2
    assert texts[0].startswith("Incident #1 (Platform): db-1 \ufffdtxt.exe\ufffd ok.")
    assert texts[1] == "#1 resolved by engineer-token: fixed \ufffd\ufffdx\ufffd"
    assert not any(chr(c) in text for text in texts for c in BIDI_CONTROLS)
    # Stored as sent: the API gives back what the monitor wrote.
    assert slack_api.incident(1)["summary"] == f"db-1 {RLO}txt.exe{PDF} ok"


NUL = "\x00"
FFFD = "\ufffd"


def test_a_nul_from_a_monitor_is_replaced_and_the_alarm_kept(api: Api) -> None:
    event = {
        "routing_key": KEY,
        "event_action": "trigger",
        "dedup_key": f"disk{NUL}1",
        "payload": {
            "summary": f"Disk full{NUL} on db-1",
            "source": f"db{NUL}-1",
            "severity": "critical",
            "custom_details": {f"pa{NUL}th": [f"/var{NUL}", 1]},
        },
    }
    answer = api.client.post(ENQUEUE, json=event)
    assert (answer.status_code, answer.json()["dedup_key"]) == (202, f"disk{FFFD}1")
    assert api.client.post(ENQUEUE, json=event).status_code == 202  # the same key: joins
    (incident,) = api.incidents()
    assert (incident["summary"], incident["dedup_key"], incident["source"], incident["alerts"]) == (
        f"Disk full{FFFD} on db-1",
        f"disk{FFFD}1",
        f"db{FFFD}-1",
        2,
    )
    assert incident["details"]["custom_details"] == {f"pa{FFFD}th": [f"/var{FFFD}", 1]}
    resolve = {"routing_key": KEY, "event_action": "resolve", "dedup_key": f"disk{NUL}1"}
    assert api.client.post(ENQUEUE, json=resolve).status_code == 202
    assert api.incident(incident["id"])["state"] == "resolved"
    notification = {
        **ALERTMANAGER,
        "groupKey": f"{{}}:{{alertname={NUL}}}",
        "commonLabels": {"alertname": "DiskFull", f"team{NUL}": f"db{NUL}"},
        "commonAnnotations": {"summary": f"Disk{NUL} full"},
    }
    path = f"/api/v1/integrations/alertmanager/{ALERTS_KEY}"
    grouped = api.client.post(path, json=notification)
    assert grouped.status_code == 200, grouped.text
    shown = api.incident(grouped.json()["incident"])
    assert shown["summary"] == f"Disk{FFFD} full (1 of 1 firing)"
    assert shown["details"]["commonLabels"] == {"alertname": "DiskFull", f"team{FFFD}": f"db{FFFD}"}
    assert shown["timeline"][0]["message"] == f"triggered: Disk{FFFD} full (1 of 1 firing)"


def test_a_nul_from_a_person_is_422_naming_the_field_and_stores_nothing(api: Api) -> None:
    engineer, requester = api.auth("engineer"), api.auth("requester")
    opened = api.client.post(
        "/api/v1/incidents", headers=engineer, json={"service": "platform", "summary": "Router down"}
    ).json()
    base = f"/api/v1/incidents/{opened['id']}"
    before = api.incident(opened["id"])
    attempts = [
        ("POST", f"{base}/notes", engineer, {"text": f"fail{NUL}over"}, "text"),
        ("POST", "/api/v1/incidents", engineer, {"service": "platform", "summary": f"x{NUL}"}, "summary"),
        ("PATCH", base, engineer, {"lead": f"al{NUL}ice"}, "lead"),
        ("POST", f"{base}/defer", engineer, {"informed": "payments", "plan": f"{NUL}"}, "plan"),
        ("POST", "/api/v1/changes", requester, {"title": f"Pay{NUL}ments", "body": "x"}, "title"),
        ("POST", "/api/v1/changes", requester, {"title": "Payments", "body": f"### Details{NUL}"}, "body"),
        ("POST", "/api/v1/tokens", api.auth("admin"), {"name": f"ci{NUL}", "role": "viewer"}, "name"),
    ]
    for method, path, auth, body, field in attempts:
        answer = api.client.request(method, path, headers=auth, json=body)
        assert answer.status_code == 422, (path, answer.text)
        (error,) = answer.json()["detail"]
        assert (error["loc"], error["msg"]) == (
            ["body", field],
            f"{field} holds a NUL character (U+0000), which opsdesk cannot store: remove it",
        )
    assert api.incident(opened["id"]) == before
    assert len(api.incidents()) == 1
    assert api.client.get("/api/v1/changes", headers=requester).json() == []
    listed = api.client.get("/api/v1/incidents?service=%00", headers=engineer)
    assert listed.status_code == 422
    assert listed.json()["detail"][0]["loc"] == ["query", "service"]
