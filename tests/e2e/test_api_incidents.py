"""Alarm intake over HTTP (Events API v2, Alertmanager, CloudWatch through SNS) and incidents for people."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import trustme
from fastapi.testclient import TestClient
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine

from opsdesk.config.settings import Settings
from opsdesk.domain.access import AccessRole
from opsdesk.domain.incidents.model import IncidentState
from opsdesk.entrypoints.api.app import create_app
from opsdesk.entrypoints.api.context import ApiContext, api_context
from tests.rota_builders import team
from tests.sns_signing import Signer

KEY = "R0UT1NGKEYFORTHEPLATFORMSERVICE0"  # 32 characters, as PagerDuty's
ALERTS_KEY = "alertmanager-key-0123456789"
SERVICES = [
    {
        "id": "platform",
        "name": "Platform",
        "channel": "#platform-alerts",
        "integration-keys": [KEY, ALERTS_KEY],
    },
    {"id": "alerts", "name": "High-priority alerts", "mode": "notify", "channel": "#alerts"},
]


@dataclass
class Api:
    client: TestClient
    context: ApiContext
    tokens: dict[str, str]
    settings: Settings

    def auth(self, role: str = "engineer") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def incidents(self) -> list[dict[str, Any]]:
        return self.client.get("/api/v1/incidents", headers=self.auth()).json()  # type: ignore[no-any-return]

    def incident(self, incident_id: int) -> dict[str, Any]:
        return self.client.get(f"/api/v1/incidents/{incident_id}", headers=self.auth()).json()  # type: ignore[no-any-return]


def make_api(db: Engine, tmp_path: Path, cache_dir: Path, service: dict[str, str] | None = None) -> Api:
    policy = tmp_path / "opsdesk.yaml"
    policy.write_text(json.dumps(team(services=SERVICES, service=service or {})), encoding="utf-8")
    url = db.url.render_as_string(hide_password=False)
    settings = Settings(policy, policy_path_explicit=True, cache_dir=cache_dir, database_url=url)
    context = api_context(settings)
    tokens = {}
    for role in AccessRole:
        _, tokens[role.value] = context.tokens.create(f"{role}-token", role, datetime.now(UTC))
    return Api(TestClient(create_app(context)), context, tokens, settings)


@pytest.fixture
def api(db: Engine, tmp_path: Path, cache_dir: Path) -> Iterator[Api]:
    made = make_api(db, tmp_path, cache_dir)
    with made.client:
        yield made
    made.context.engine.dispose()


# PagerDuty's documented example events (developer.pagerduty.com, "Send an Alert Event"), with our key.
DOCUMENTED_TRIGGER = {
    "payload": {
        "summary": "Example alert on host1.example.com",
        "timestamp": "2015-07-17T08:42:58.315+0000",
        "source": "monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003",
        "severity": "info",
        "component": "postgres",
        "group": "prod-datapipe",
        "class": "deploy",
        "custom_details": {"ping time": "1500ms", "load avg": 0.75},
    },
    "routing_key": KEY,
    "dedup_key": "samplekeyhere",
    "images": [
        {
            "src": "https://www.pagerduty.com/wp-content/uploads/2016/05/pagerduty-logo-green.png",
            "href": "https://example.com/",
            "alt": "Example text",
        }
    ],
    "links": [{"href": "https://example.com/", "text": "Link text"}],
    "event_action": "trigger",
    "client": "Sample Monitoring Service",
    "client_url": "https://monitoring.example.com",
}
ENQUEUE = "/api/v1/events/v2/enqueue"
INVALID = {"status": "invalid event", "message": "Event object is invalid"}


def test_the_documented_trigger_acknowledge_and_resolve(api: Api) -> None:
    answer = api.client.post(ENQUEUE, json=DOCUMENTED_TRIGGER)
    assert answer.status_code == 202
    assert answer.json() == {"status": "success", "message": "Event processed", "dedup_key": "samplekeyhere"}
    (incident,) = api.incidents()
    assert (incident["service"], incident["summary"], incident["severity"]) == (
        "platform",
        "Example alert on host1.example.com",
        "info",
    )
    assert incident["details"]["custom_details"] == {"ping time": "1500ms", "load avg": 0.75}
    assert incident["details"]["links"] == DOCUMENTED_TRIGGER["links"]
    assert incident["details"]["component"] == "postgres"
    assert incident["origin"] == {
        "kind": "alarm",
        "source": "monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003",
    }
    again = api.client.post(ENQUEUE, json=DOCUMENTED_TRIGGER)
    assert again.status_code == 202
    assert api.incident(incident["id"])["alerts"] == 2
    for action, state in (("acknowledge", "acknowledged"), ("resolve", "resolved")):
        event = {"routing_key": KEY, "dedup_key": "samplekeyhere", "event_action": action}
        answer = api.client.post(ENQUEUE, json=event)
        assert answer.status_code == 202
        assert answer.json() == {
            "status": "success",
            "message": "Event processed",
            "dedup_key": "samplekeyhere",
        }
        shown = api.incident(incident["id"])
        assert shown["state"] == state
        assert shown["timeline"][-1]["who"] == "events-api-v2"
        assert shown["timeline"][-1]["from"] == "alarm"
    # After resolve the same key opens a new incident; an acknowledge for a key with none open is dropped.
    assert api.client.post(ENQUEUE, json=DOCUMENTED_TRIGGER).status_code == 202
    assert len(api.incidents()) == 2
    stray = {"routing_key": KEY, "dedup_key": "never-seen", "event_action": "acknowledge"}
    assert api.client.post(ENQUEUE, json=stray).status_code == 202
    assert len(api.incidents()) == 2


def test_a_trigger_without_a_dedup_key_gets_one(api: Api) -> None:
    event = {k: v for k, v in DOCUMENTED_TRIGGER.items() if k != "dedup_key"}
    first = api.client.post(ENQUEUE, json=event).json()
    second = api.client.post(ENQUEUE, json=event).json()
    assert len(first["dedup_key"]) == 32
    assert first["dedup_key"] != second["dedup_key"]
    assert len(api.incidents()) == 2


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"event_action": None}, ["'event_action' must be one of: trigger, acknowledge, resolve"]),
        ({"event_action": "escalate"}, ["'event_action' must be one of: trigger, acknowledge, resolve"]),
        ({"routing_key": None}, ["'routing_key' is missing or not a string"]),
        ({"payload": None}, ["'payload' is required for a trigger and must be an object"]),
        ({"payload": {"source": "a", "severity": "info"}}, ["'payload.summary' is missing or empty"]),
        (
            {"payload": {"summary": "x", "source": "a", "severity": "fatal"}},
            ["'payload.severity' must be one of: critical, error, warning, info"],
        ),
        ({"payload": {"summary": "x", "severity": "info"}}, ["'payload.source' is missing or empty"]),
        (
            {"payload": {"summary": "x" * 1025, "source": "a", "severity": "info"}},
            ["'payload.summary' is 1025 characters; the maximum is 1024"],
        ),
        (
            {"payload": {"summary": "x", "source": "a", "severity": "info", "timestamp": "yesterday"}},
            ["'payload.timestamp' must be an ISO 8601 date and time"],
        ),
        ({"dedup_key": "k" * 256}, ["'dedup_key' is 256 characters; the maximum is 255"]),
        ({"dedup_key": 42}, ["'dedup_key' must be a non-empty string"]),
        ({"links": [{"text": "no href"}]}, ["'links' must be a list of objects, each with a string 'href'"]),
        ({"images": "logo.png"}, ["'images' must be a list of objects, each with a string 'src'"]),
        (
            {"event_action": None, "payload": None},
            ["'event_action' must be one of: trigger, acknowledge, resolve"],
        ),
    ],
)
def test_an_invalid_event_is_400_naming_the_field_and_stores_nothing(
    api: Api, change: dict[str, Any], errors: list[str]
) -> None:
    event = {k: v for k, v in {**DOCUMENTED_TRIGGER, **change}.items() if v is not None}
    answer = api.client.post(ENQUEUE, json=event)
    assert answer.status_code == 400
    assert answer.json() == {**INVALID, "errors": errors}
    assert api.incidents() == []


def test_an_acknowledge_needs_a_dedup_key_and_bad_json_is_refused(api: Api) -> None:
    answer = api.client.post(ENQUEUE, json={"routing_key": KEY, "event_action": "resolve"})
    assert answer.json() == {**INVALID, "errors": ["'dedup_key' is required to resolve"]}
    broken = api.client.post(
        ENQUEUE, content=b'{"routing_key": ', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json() == {**INVALID, "errors": ["the body is not JSON"]}


def test_an_unknown_routing_key_is_404_and_stores_nothing(api: Api) -> None:
    answer = api.client.post(ENQUEUE, json={**DOCUMENTED_TRIGGER, "routing_key": "x" * 32})
    assert answer.status_code == 404
    assert answer.json()["errors"] == ["'routing_key' is not an integration key of any service"]
    assert api.incidents() == []
    assert api.client.get("/api/v1/outbox", headers=api.auth()).json() == []


def test_a_body_over_512_kb_is_413_and_stores_nothing(api: Api) -> None:
    event = {
        **DOCUMENTED_TRIGGER,
        "payload": {**DOCUMENTED_TRIGGER["payload"], "custom_details": {"x": "y" * 524_288}},
    }
    answer = api.client.post(ENQUEUE, json=event)
    assert answer.status_code == 413
    assert api.incidents() == []
    small = {
        **DOCUMENTED_TRIGGER,
        "payload": {**DOCUMENTED_TRIGGER["payload"], "custom_details": {"x": "y" * 500_000}},
    }
    assert api.client.post(ENQUEUE, json=small).status_code == 202


ALERTMANAGER = {
    "version": "4",
    "groupKey": '{}:{alertname="DiskFull"}',
    "truncatedAlerts": 0,
    "status": "firing",
    "receiver": "opsdesk",
    "groupLabels": {"alertname": "DiskFull"},
    "commonLabels": {"alertname": "DiskFull", "severity": "critical"},
    "commonAnnotations": {"summary": "Disk full on db-1"},
    "externalURL": "http://alertmanager:9093",
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "DiskFull", "instance": "db-1"},
            "annotations": {"summary": "Disk full on db-1"},
            "startsAt": "2026-12-01T16:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph",
            "fingerprint": "c0ffee",
        }
    ],
}


def test_alertmanager_one_incident_per_group(api: Api) -> None:
    path = f"/api/v1/integrations/alertmanager/{ALERTS_KEY}"
    first = api.client.post(path, json=ALERTMANAGER)
    assert first.status_code == 200
    incident_id = first.json()["incident"]
    assert api.client.post(path, json=ALERTMANAGER).json()["incident"] == incident_id
    other = {**ALERTMANAGER, "groupKey": '{}:{alertname="CPU"}'}
    assert api.client.post(path, json=other).json()["incident"] != incident_id
    shown = api.incident(incident_id)
    assert (shown["summary"], shown["alerts"], shown["state"]) == (
        "Disk full on db-1 (1 of 1 firing)",
        2,
        "triggered",
    )
    resolved = api.client.post(path, json={**ALERTMANAGER, "status": "resolved"})
    assert resolved.json()["incident"] == incident_id
    assert api.incident(incident_id)["state"] == "resolved"
    bad = api.client.post(path, json={**ALERTMANAGER, "version": "3"})
    assert bad.status_code == 400
    assert "'version' must be \"4\"" in bad.json()["detail"]
    assert (
        api.client.post("/api/v1/integrations/alertmanager/not-a-key-at-all", json=ALERTMANAGER).status_code
        == 404
    )
    assert len(api.incidents()) == 2


def sns_settings(server: HTTPServer, ca_file: Path | None, **more: str) -> dict[str, str]:
    """SNS addresses on the local HTTPS server: its host, its port (not Amazon's 443), the test CA."""
    found = {"sns-cert-hosts": "^localhost$", "sns-port": str(server.port), **more}
    return found | ({"ca-file": str(ca_file)} if ca_file else {})


@pytest.fixture
def sns_api(
    db: Engine, tmp_path: Path, cache_dir: Path, tls: tuple[HTTPServer, trustme.CA, Path]
) -> Iterator[tuple[Api, Signer, HTTPServer]]:
    server, ca, ca_file = tls
    signing = ca.issue_cert("sns.test", key_type=trustme.KeyType.RSA)
    server.expect_request("/SimpleNotificationService-test.pem").respond_with_data(
        signing.cert_chain_pems[0].bytes(), content_type="application/x-pem-file"
    )
    made = make_api(db, tmp_path, cache_dir, sns_settings(server, ca_file))
    signer = Signer(signing, server.url_for("/SimpleNotificationService-test.pem"))
    with made.client:
        yield made, signer, server
    made.context.engine.dispose()


def test_cloudwatch_alarm_and_ok_through_verified_sns(sns_api: tuple[Api, Signer, HTTPServer]) -> None:
    api, signer, server = sns_api
    path = f"/api/v1/integrations/cloudwatch/{KEY}"
    alarm = signer.alarm("ALARM", message_id="m-1")
    first = api.client.post(
        path, content=json.dumps(alarm), headers={"x-amz-sns-message-type": "Notification"}
    )
    assert first.status_code == 200
    incident_id = first.json()["incident"]
    # SNS retries a delivery with the same MessageId: taken once.
    assert api.client.post(path, content=json.dumps(alarm)).json() == {"status": "success", "incident": None}
    assert api.incident(incident_id)["alerts"] == 1
    # Signature version 2 (SHA256withRSA) too; the certificate was fetched once, then cached.
    again = api.client.post(path, content=json.dumps(signer.alarm("ALARM", version="2")))
    assert again.json()["incident"] == incident_id
    assert api.incident(incident_id)["alerts"] == 2
    fetched = [r for r, _ in server.log if r.path.endswith(".pem")]
    assert len(fetched) == 1
    ok = api.client.post(path, content=json.dumps(signer.alarm("OK")))
    assert ok.json()["incident"] == incident_id
    shown = api.incident(incident_id)
    assert shown["state"] == "resolved"
    assert shown["summary"].startswith("db-1 CPU: Threshold Crossed")
    assert [e["who"] for e in shown["timeline"]][-1] == "cloudwatch"


def test_a_forged_sns_message_is_403_and_stores_nothing(sns_api: tuple[Api, Signer, HTTPServer]) -> None:
    api, signer, server = sns_api
    path = f"/api/v1/integrations/cloudwatch/{KEY}"
    forged = signer.alarm("ALARM")
    forged["Message"] = forged["Message"].replace("db-1 CPU", "db-2 CPU")
    answer = api.client.post(path, content=json.dumps(forged))
    assert answer.status_code == 403
    assert answer.json()["detail"] == "not a verified SNS message: the signature does not match the message"
    elsewhere = {
        **signer.alarm("ALARM"),
        "SigningCertURL": "https://attacker.example/SimpleNotificationService.pem",
    }
    refused = api.client.post(path, content=json.dumps(elsewhere))
    assert refused.status_code == 403
    assert "not an HTTPS address on an allowed SNS host" in refused.json()["detail"]
    plain = {**signer.alarm("ALARM"), "SigningCertURL": signer.cert_url.replace("https:", "http:")}
    assert api.client.post(path, content=json.dumps(plain)).status_code == 403
    unsigned = {k: v for k, v in signer.alarm("ALARM").items() if k != "Signature"}
    assert api.client.post(path, content=json.dumps(unsigned)).status_code == 403
    assert api.incidents() == []
    assert not [r for r, _ in server.log if "attacker" in r.url]
    assert (
        api.client.post(
            "/api/v1/integrations/cloudwatch/wrong-key-123456", content=json.dumps(signer.alarm("ALARM"))
        ).status_code
        == 404
    )


def test_an_sns_subscription_is_confirmed_by_the_worker(sns_api: tuple[Api, Signer, HTTPServer]) -> None:
    api, signer, server = sns_api
    server.expect_request("/confirm").respond_with_data("<ConfirmSubscriptionResponse/>")
    confirmation = signer.sign(
        {
            "Type": "SubscriptionConfirmation",
            "MessageId": "sub-1",
            "Token": "2336412f37",
            "TopicArn": "arn:aws:sns:eu-west-2:123456789012:alarms",
            "Message": "You have chosen to subscribe to the topic...",
            "SubscribeURL": server.url_for("/confirm") + "?Action=ConfirmSubscription&Token=2336412f37",
            "Timestamp": "2026-12-01T16:00:00.000Z",
        }
    )
    answer = api.client.post(f"/api/v1/integrations/cloudwatch/{KEY}", content=json.dumps(confirmation))
    assert answer.json() == {"status": "confirming"}
    runner = api.context.app.job_runner()
    assert runner.run_once() == 1
    assert [r.args.get("Token") for r, _ in server.log if r.path == "/confirm"] == ["2336412f37"]


def test_people_open_act_on_and_annotate_incidents(api: Api) -> None:
    opened = api.client.post(
        "/api/v1/incidents", json={"service": "platform", "summary": "Router down"}, headers=api.auth()
    )
    assert opened.status_code == 201
    incident = opened.json()
    assert incident["timeline"][0]["who"] == "engineer-token"
    assert incident["timeline"][0]["from"] == "api"
    number = incident["id"]
    base = f"/api/v1/incidents/{number}"
    p1 = api.client.patch(base, json={"priority": "P1"}, headers=api.auth()).json()
    assert p1["missing"] == ["lead", "scribe"]
    assert p1["timeline"][-1]["message"] == "P1 needs an incident lead and a scribe: name the lead and scribe"
    named = api.client.patch(base, json={"lead": "alice", "scribe": "bilal"}, headers=api.auth()).json()
    assert named["missing"] == []
    assert (
        api.client.post(f"{base}/notes", json={"text": "failover started"}, headers=api.auth()).status_code
        == 201
    )
    acked = api.client.post(f"{base}/acknowledge", headers=api.auth()).json()
    assert (acked["state"], acked["acknowledged_by"]) == ("acknowledged", "engineer-token")
    twice = api.client.post(f"{base}/acknowledge", headers=api.auth())
    assert twice.status_code == 400
    assert (
        twice.json()["detail"]
        == f"incident #{number} is acknowledged: only a triggered incident can be acknowledged"
    )
    deferred = api.client.post(
        f"{base}/defer", json={"informed": "payments team", "plan": "fix at 10:00"}, headers=api.auth()
    )
    assert deferred.json()["state"] == "deferred"
    missing_plan = api.client.post(f"{base}/defer", json={"informed": "x"}, headers=api.auth())
    assert missing_plan.status_code == 422
    done = api.client.post(f"{base}/resolve", json={"note": "fixed"}, headers=api.auth()).json()
    assert done["state"] == str(IncidentState.RESOLVED)
    whats = [e["what"] for e in done["timeline"]]
    assert whats[:2] == ["triggered", "routed"]  # then paged or held, by the cover at the moment it ran
    assert whats[-9:] == [
        "priority",
        "asked",
        "lead",
        "scribe",
        "note",
        "acknowledged",
        "deferred",
        "hand-back-due",
        "resolved",
    ]
    unknown = api.client.post("/api/v1/incidents/99999/acknowledge", headers=api.auth())
    assert unknown.status_code == 404
    wrong = api.client.post("/api/v1/incidents", json={"service": "nope", "summary": "x"}, headers=api.auth())
    assert wrong.status_code == 400
    assert "no service 'nope'; the services are: alerts, platform" in wrong.json()["detail"]
    viewer = api.client.post(f"{base}/notes", json={"text": "x"}, headers=api.auth("viewer"))
    assert viewer.status_code == 403


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (
            b'{"routing_key": "%s", "event_action": "trigger", "payload": {"summary": "a\\ud800b", "source": "x", "severity": "info"}}',
            "the JSON holds text that is not valid Unicode (an unpaired surrogate)",
        ),
        (
            b'{"routing_key": "%s", "event_action": "trigger", "payload": {"summary": "a", "source": "x", "severity": "info", "custom_details": {"v": NaN}}}',
            "NaN is not a JSON value",
        ),
        (
            b'{"routing_key": "%s", "event_action": "trigger", "payload": {"summary": "a", "source": "x", "severity": "info", "custom_details": '
            + b"[" * 5000
            + b"]" * 5000
            + b"}}",
            "the JSON is nested deeper than 32 levels",
        ),
        (
            b'{"routing_key": "%s", "event_action": "trigger", "payload": {"summary": "a", "source": "x", "severity": "info", "custom_details": '
            + b"[" * 40
            + b"]" * 40
            + b"}}",
            "the JSON is nested deeper than 32 levels",
        ),
    ],
)
def test_hostile_json_is_400_and_stores_nothing(api: Api, raw: bytes, error: str) -> None:
    body = raw.replace(b"%s", KEY.encode())
    answer = api.client.post(ENQUEUE, content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json() == {**INVALID, "errors": [error]}
    alertmanager = api.client.post(f"/api/v1/integrations/alertmanager/{ALERTS_KEY}", content=body)
    assert alertmanager.status_code == 400
    assert api.incidents() == []


def test_other_hostile_input_is_a_clear_error(api: Api) -> None:
    opened = api.client.post(
        "/api/v1/incidents", json={"service": "platform", "summary": "x"}, headers=api.auth()
    )
    number = opened.json()["id"]
    surrogate = api.client.patch(
        f"/api/v1/incidents/{number}",
        content=b'{"lead": "s\\ud800"}',
        headers={**api.auth(), "Content-Type": "application/json"},
    )
    assert surrogate.status_code == 400
    assert "not valid Unicode" in surrogate.json()["detail"]
    huge = api.client.post(
        "/api/v1/incidents", json={"service": "platform", "summary": "x" * 600_000}, headers=api.auth()
    )
    assert huge.status_code == 422
    assert len(huge.content) < 2_000  # the input is not echoed back whole
    too_big = api.client.post(
        ENQUEUE, content=b"x" * (600 * 1024), headers={"Content-Type": "application/json"}
    )
    assert too_big.status_code == 413
    assert too_big.json()["status"] == "invalid event"
    assert api.incident(number)["lead"] is None


def test_a_confirmation_for_a_host_not_allowed_is_403(sns_api: tuple[Api, Signer, HTTPServer]) -> None:
    api, signer, server = sns_api
    confirmation = signer.sign(
        {
            "Type": "SubscriptionConfirmation",
            "MessageId": "sub-evil",
            "Token": "t",
            "TopicArn": "arn:aws:sns:eu-west-2:123456789012:alarms",
            "Message": "subscribe",
            "SubscribeURL": "https://evil.example/confirm",
            "Timestamp": "2026-12-01T16:00:00.000Z",
        }
    )
    answer = api.client.post(f"/api/v1/integrations/cloudwatch/{KEY}", content=json.dumps(confirmation))
    assert answer.status_code == 403
    assert "SubscribeURL is not an HTTPS address on an allowed SNS host" in answer.json()["detail"]
    assert not [r for r, _ in server.log if "confirm" in r.path]


def test_a_cloudwatch_alarm_with_nul_is_kept_and_one_that_is_not_plain_json_is_400(
    sns_api: tuple[Api, Signer, HTTPServer],
) -> None:
    api, signer, _ = sns_api
    path = f"/api/v1/integrations/cloudwatch/{KEY}"
    # The signature covers the text as sent (a NUL in the Subject and MessageId); it is checked first.
    alarm = signer.alarm("ALARM", name="db-1\x00CPU", message_id="m\x001")
    first = api.client.post(path, content=json.dumps(alarm))
    assert first.status_code == 200, first.text
    shown = api.incident(first.json()["incident"])
    assert shown["summary"].startswith("db-1\ufffdCPU: Threshold Crossed")
    assert shown["details"]["AlarmName"] == "db-1\ufffdCPU"
    assert api.client.post(path, content=json.dumps(alarm)).json() == {"status": "success", "incident": None}

    def signed(text: str) -> dict[str, Any]:
        unsigned = {k: v for k, v in signer.alarm("ALARM", name="odd").items() if not k.startswith("Sign")}
        return signer.sign({**unsigned, "Message": text})

    for text, said in (
        (
            '{"AlarmName": "odd", "NewStateValue": "ALARM", "Trigger": {"Threshold": NaN}}',
            "NaN is not a JSON value",
        ),
        (
            '{"AlarmName": "odd", "NewStateValue": "ALARM", "Trigger": ' + "[" * 99 + "]" * 99 + "}",
            "the JSON is nested deeper than 32 levels",
        ),
        ("ALARM odd", "the SNS Message is not JSON"),
    ):
        answer = api.client.post(path, content=json.dumps(signed(text)))
        assert (answer.status_code, answer.json()) == (400, {"detail": f"not a CloudWatch alarm: {said}"})
    assert len(api.incidents()) == 1
