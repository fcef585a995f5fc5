"""Alertmanager's webhook (version 4): a notification per alert group; firing triggers, resolved resolves.

https://prometheus.io/docs/alerting/latest/configuration/#webhook_config: one incident per groupKey.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from opsdesk.domain.incidents.model import DEDUP_KEY_LIMIT, SUMMARY_LIMIT, Alarm


@dataclass(frozen=True)
class Notification:
    firing: bool
    dedup_key: str
    summary: str
    details: dict[str, Any]

    def alarm(self, service: str) -> Alarm:
        severity = str(self.details.get("commonLabels", {}).get("severity", "critical"))[:16]
        return Alarm(service, self.dedup_key, self.summary, "alertmanager", severity, self.details)


def read_notification(body: object) -> Notification | list[str]:
    if not isinstance(body, dict):
        return ["the notification must be a JSON object"]
    errors = []
    if body.get("version") != "4":
        errors.append("'version' must be \"4\" (Alertmanager's webhook format)")
    group_key = body.get("groupKey")
    if not isinstance(group_key, str) or not group_key:
        errors.append("'groupKey' is missing or not a string")
    status = body.get("status")
    if status not in ("firing", "resolved"):
        errors.append("'status' must be firing or resolved")
    alerts = body.get("alerts")
    if not isinstance(alerts, list) or not all(isinstance(a, dict) for a in alerts):
        errors.append("'alerts' must be a list of objects")
    elif not alerts:
        errors.append("'alerts' is empty: a notification carries at least one alert")
    for name in ("commonLabels", "commonAnnotations", "groupLabels"):
        if not isinstance(body.get(name, {}), dict):
            errors.append(f"'{name}' must be an object")
    if errors:
        return errors
    assert isinstance(group_key, str)
    assert isinstance(alerts, list)
    labels: dict[str, Any] = body.get("commonLabels", {})
    annotations: dict[str, Any] = body.get("commonAnnotations", {})
    name = str(annotations.get("summary") or labels.get("alertname") or "Alertmanager alert")
    firing = sum(1 for a in alerts if a.get("status") == "firing")
    summary = f"{name} ({firing} of {len(alerts)} firing)"[:SUMMARY_LIMIT]
    key = group_key
    if len(key) > DEDUP_KEY_LIMIT:  # group keys grow with their labels: keep them apart by digest
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    details = {
        "groupKey": group_key[:2000],
        "commonLabels": labels,
        "commonAnnotations": annotations,
        "externalURL": str(body.get("externalURL", ""))[:1000],
        "alerts": len(alerts),
    }
    return Notification(status == "firing", key, summary, details)
