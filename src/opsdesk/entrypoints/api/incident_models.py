"""The incident routes' answers as published in OpenAPI: an incident, its timeline entries and pages."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

WHEN = "ISO 8601, in the policy's time zone"


class TimelineEntryOut(BaseModel):
    id: int | None = Field(description="the entry's id: pass it as `before` to read older entries")
    at: str = Field(description=WHEN)
    who: str = Field(description="an engineer, a token's name, an integration, or opsdesk")
    from_: str = Field(alias="from", description="api, cli, alarm, email, github or system")
    what: str = Field(description="triggered, alert, routed, paged, skipped, acknowledged, note, ...")
    message: str
    data: dict[str, Any]


class AlertSummaryOut(BaseModel):
    """Every alert that joined after the first, counted: a storm's alerts are not listed one by one."""

    text: str = Field(examples=["298,310 more alerts joined between 21:04 and 23:59 (first: ..., last: ...)"])
    count: int
    first_at: str = Field(description=WHEN)
    last_at: str = Field(description=WHEN)
    first: str = Field(description="the first joined alert's timeline message")
    last: str = Field(description="the last joined alert's timeline message")


class IncidentOut(BaseModel):
    id: int
    service: str
    dedup_key: str
    state: str = Field(examples=["triggered"])
    summary: str
    source: str
    severity: str
    cover: str = Field(description="the cover when it opened: support, on-call or none")
    priority: str | None
    lead: str | None
    scribe: str | None
    missing: list[str] = Field(description="what P1 and P2 still need: lead, scribe")
    alerts: int = Field(description="alerts counted on it, the first included")
    opened_at: str = Field(description=WHEN)
    acknowledged_at: str | None
    acknowledged_by: str | None
    resolved_at: str | None
    resolved_by: str | None
    deferred_at: str | None
    informed: str | None
    plan: str | None
    origin: dict[str, Any] = Field(
        description="where it came from: {kind: email, sender, channel}, {kind: alarm, source} or "
        "{kind: manual, source}"
    )
    details: dict[str, Any]


class HeldPageOut(BaseModel):
    """The first page of an incident that arrived with no cover: held until cover starts."""

    at: str = Field(description=WHEN)
    engineers: list[str] = Field(description="who is paged then, as the rota stands now; empty: nobody")
    role: str | None = Field(examples=["primary"], description="primary, secondary, manager or final")
    text: str = Field(examples=["held for cover: alice (primary) is paged at Wed 02 Dec 07:00 unless ..."])


class IncidentView(IncidentOut):
    """An incident with its newest timeline entries; older ones through `GET .../timeline?before=`."""

    held_page: HeldPageOut | None = Field(
        description="the first page, held until cover starts (null: paged already, or never)"
    )

    timeline: list[TimelineEntryOut] = Field(
        description="the newest entries other than joined alerts, oldest of them first"
    )
    timeline_older: int = Field(description="entries older than those in `timeline` (alerts not counted)")
    timeline_next: int | None = Field(
        description="pass as `before` to GET /api/v1/incidents/{id}/timeline for the older entries; "
        "null when `timeline` starts at the beginning"
    )
    alert_summary: AlertSummaryOut | None


class TimelinePageOut(BaseModel):
    """Timeline entries newest first, and the cursor to the older ones."""

    incident: int
    entries: list[TimelineEntryOut] = Field(description="newest first")
    older: int = Field(description="entries older than the last one here, of the kinds listed")
    next: int | None = Field(description="pass as `before` for the next (older) page; null at the start")
    alerts_listed: bool = Field(description="false: joined alerts are left out, `alert_summary` counts them")
    alert_summary: AlertSummaryOut | None
