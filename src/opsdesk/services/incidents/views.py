"""The public shape of a timeline (API, `--json`): an entry, a page of entries, an incident with its newest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from opsdesk.domain.incidents.model import Incident
from opsdesk.domain.incidents.routing import HeldPage
from opsdesk.domain.incidents.timeline import AlertSummary, TimelinePage
from opsdesk.domain.timeline import TimelineEntry


def incident_dict(incident: Incident, tz: Any) -> dict[str, Any]:
    """The public shape of an incident (API, `--json`), times in the policy's zone."""

    def when(value: datetime | None) -> str | None:
        return value.astimezone(tz).isoformat() if value else None

    return {
        "id": incident.id,
        "service": incident.service,
        "dedup_key": incident.dedup_key,
        "state": str(incident.state),
        "summary": incident.summary,
        "source": incident.source,
        "severity": incident.severity,
        "cover": str(incident.cover),
        "priority": str(incident.priority) if incident.priority else None,
        "lead": incident.lead,
        "scribe": incident.scribe,
        "missing": incident.missing_roles,
        "alerts": incident.alert_count,
        "opened_at": when(incident.opened_at),
        "acknowledged_at": when(incident.acknowledged_at),
        "acknowledged_by": incident.acknowledged_by,
        "resolved_at": when(incident.resolved_at),
        "resolved_by": incident.resolved_by,
        "deferred_at": when(incident.deferred_at),
        "informed": incident.informed,
        "plan": incident.plan,
        "origin": origin(incident),
        "details": incident.details,
    }


def origin(incident: Incident) -> dict[str, Any]:
    """Where an incident came from: email (with the sender and the Slack channel named), an alarm source,
    or a person."""
    found = incident.details.get("origin")
    if isinstance(found, dict):
        return found
    kind = "manual" if incident.dedup_key.startswith("manual-") else "alarm"
    return {"kind": kind, "source": incident.source}


def entry_dict(entry: TimelineEntry, tz: Any) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.astimezone(tz).isoformat(),
        "who": entry.actor,
        "from": str(entry.source),
        "what": entry.kind,
        "message": entry.message,
        "data": entry.data,
    }


def summary_dict(summary: AlertSummary | None, tz: Any) -> dict[str, Any] | None:
    if summary is None:
        return None
    return {
        "text": summary.text(tz),
        "count": summary.count,
        "first_at": summary.first_at.astimezone(tz).isoformat(),
        "last_at": summary.last_at.astimezone(tz).isoformat(),
        "first": summary.first,
        "last": summary.last,
    }


def page_dict(incident_id: int, page: TimelinePage, tz: Any) -> dict[str, Any]:
    """A page as `GET /api/v1/incidents/{id}/timeline` answers it: entries newest first, then a cursor."""
    return {
        "incident": incident_id,
        "entries": [entry_dict(e, tz) for e in page.entries],
        "older": page.older,
        "next": page.next,
        "alerts_listed": page.listed_alerts,
        "alert_summary": summary_dict(page.alerts, tz),
    }


def held_dict(held: HeldPage | None, tz: Any) -> dict[str, Any] | None:
    """A first page held until cover starts: when, whom (as the rota stands now) and as what, in words."""
    if held is None:
        return None
    return {
        "at": held.at.astimezone(tz).isoformat(),
        "engineers": list(held.engineers),
        "role": held.role or None,
        "text": held.said(f"{held.at.astimezone(tz):%a %d %b %H:%M}"),
    }


def incident_view(
    incident: Incident, page: TimelinePage, tz: Any, held: HeldPage | None = None
) -> dict[str, Any]:
    """An incident with its newest entries, oldest of them first (as the whole timeline used to be), how
    many older entries there are and the cursor to read them, its alerts summed up, and its first page
    when that is held until cover starts."""
    return {
        **incident_dict(incident, tz),
        "held_page": held_dict(held, tz),
        "timeline": [entry_dict(e, tz) for e in reversed(page.entries)],
        "timeline_older": page.older,
        "timeline_next": page.next,
        "alert_summary": summary_dict(page.alerts, tz),
    }
