"""PagerDuty's Events API v2, read as PagerDuty reads it: every problem named, answers in its shape.

https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ (fields, limits); 202 with status,
message and dedup_key; 400 with "invalid event", "Event object is invalid" and a list of errors.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from opsdesk.domain.incidents.model import DEDUP_KEY_LIMIT, SUMMARY_LIMIT, Action, Alarm

ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")
TEXT_LIMIT = 1024


@dataclass(frozen=True)
class Event:
    routing_key: str
    action: str  # trigger, acknowledge, resolve
    dedup_key: str
    summary: str = ""
    source: str = ""
    severity: str = ""
    details: dict[str, Any] | None = None

    def alarm(self, service: str) -> Alarm:
        return Alarm(service, self.dedup_key, self.summary, self.source, self.severity, self.details or {})

    @property
    def follow_up(self) -> Action | None:
        return {"acknowledge": Action.ACKNOWLEDGE, "resolve": Action.RESOLVE}.get(self.action)


def success(dedup_key: str) -> dict[str, str]:
    return {"status": "success", "message": "Event processed", "dedup_key": dedup_key}


def invalid(errors: list[str]) -> dict[str, Any]:
    return {"status": "invalid event", "message": "Event object is invalid", "errors": errors}


def read_event(body: object) -> Event | list[str]:  # noqa: PLR0912  (one branch per documented rule)
    """The event, or every error found (as PagerDuty lists them, naming each field)."""
    if not isinstance(body, dict):
        return ["the event must be a JSON object"]
    errors: list[str] = []
    routing_key = body.get("routing_key")
    if not isinstance(routing_key, str):
        errors.append("'routing_key' is missing or not a string")
    elif not routing_key.strip():
        errors.append("'routing_key' is empty")
    action = body.get("event_action")
    if action not in ACTIONS:
        errors.append("'event_action' must be one of: trigger, acknowledge, resolve")
    dedup_key = body.get("dedup_key")
    if dedup_key is not None and (not isinstance(dedup_key, str) or not dedup_key.strip()):
        errors.append("'dedup_key' must be a non-empty string")
    elif isinstance(dedup_key, str) and len(dedup_key) > DEDUP_KEY_LIMIT:
        errors.append(f"'dedup_key' is {len(dedup_key)} characters; the maximum is {DEDUP_KEY_LIMIT}")
    elif dedup_key is None and action in ("acknowledge", "resolve"):
        errors.append(f"'dedup_key' is required to {action}")
    payload = body.get("payload")
    details: dict[str, Any] = {}
    summary = source = severity = ""
    if action == "trigger":
        if not isinstance(payload, dict):
            errors.append("'payload' is required for a trigger and must be an object")
        else:
            summary, source, severity = _payload(payload, errors, details)
    for name, needed in (("links", "href"), ("images", "src")):
        items = body.get(name)
        if items is None:
            continue
        if not isinstance(items, list) or not all(
            isinstance(i, dict) and isinstance(i.get(needed), str) for i in items
        ):
            errors.append(f"'{name}' must be a list of objects, each with a string '{needed}'")
        else:
            details[name] = items
    for name in ("client", "client_url"):
        if isinstance(body.get(name), str):
            details[name] = body[name][:TEXT_LIMIT]
    if errors:
        return errors
    assert isinstance(routing_key, str)
    assert isinstance(action, str)
    return Event(
        routing_key,
        action,
        dedup_key if isinstance(dedup_key, str) else uuid.uuid4().hex,
        summary,
        source,
        severity,
        details,
    )


def _payload(  # noqa: PLR0912  (one branch per documented rule)
    payload: dict[str, Any], errors: list[str], details: dict[str, Any]
) -> tuple[str, str, str]:
    summary, source, severity = payload.get("summary"), payload.get("source"), payload.get("severity")
    if summary is not None and not isinstance(summary, str):
        errors.append("'payload.summary' must be a string")
    elif not isinstance(summary, str) or not summary.strip():
        errors.append("'payload.summary' is missing or empty")
    elif len(summary) > SUMMARY_LIMIT:
        errors.append(f"'payload.summary' is {len(summary)} characters; the maximum is {SUMMARY_LIMIT}")
    if source is not None and not isinstance(source, str):
        errors.append("'payload.source' must be a string")
    elif not isinstance(source, str) or not source.strip():
        errors.append("'payload.source' is missing or empty")
    elif len(source) > 255:
        errors.append(f"'payload.source' is {len(source)} characters; the maximum is 255")
    if severity not in SEVERITIES:
        errors.append("'payload.severity' must be one of: critical, error, warning, info")
    timestamp = payload.get("timestamp")
    if timestamp is not None:
        if not isinstance(timestamp, str) or _timestamp(timestamp) is None:
            errors.append("'payload.timestamp' must be an ISO 8601 date and time")
        else:
            details["timestamp"] = timestamp
    for name in ("component", "group", "class"):
        value = payload.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or len(value) > TEXT_LIMIT:
            errors.append(f"'payload.{name}' must be a string of at most {TEXT_LIMIT} characters")
        else:
            details[name] = value
    if "custom_details" in payload:
        details["custom_details"] = payload["custom_details"]
    return (
        summary if isinstance(summary, str) else "",
        source if isinstance(source, str) else "",
        severity if isinstance(severity, str) else "",
    )


def _timestamp(text: str) -> datetime | None:
    candidate = text.strip().replace("Z", "+00:00")
    if len(candidate) > 5 and candidate[-5] in "+-" and candidate[-3] != ":":  # +0000, as PagerDuty writes
        candidate = f"{candidate[:-2]}:{candidate[-2:]}"
    try:
        return datetime.fromisoformat(candidate)
    except ValueError:
        return None
