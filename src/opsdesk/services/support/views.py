"""The public shapes of support requests and the support report (API, `--json`, `--csv`), times in the
policy's zone and waits in seconds of support hours."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from opsdesk.domain.support.model import Comment, SupportRequest, TriageBreach, Waits
from opsdesk.domain.support.report import MEASURES, Figures
from opsdesk.domain.timeline import TimelineEntry


def request_dict(
    request: SupportRequest,
    tz: ZoneInfo,
    *,
    waited: Waits | None = None,
    comments: Sequence[Comment] | None = None,
    history: Sequence[TimelineEntry] | None = None,
) -> dict[str, Any]:
    """A request; with its waits, comments and history when given (one request), without on a list."""

    def when(value: datetime | None) -> str | None:
        return value.astimezone(tz).isoformat() if value else None

    found: dict[str, Any] = {
        "id": request.id,
        "reference": request.reference,
        "title": request.title,
        "body": request.body,
        "requester": request.requester,
        "status": str(request.status),
        "triage": str(request.triage),
        "priority": str(request.priority) if request.priority else None,
        "reason": request.reason,
        "assignee": request.assignee,
        "labels": list(request.labels),
        "link": request.link,
        "issue": request.issue_reference,
        "created_at": when(request.created_at),
        "triaged_at": when(request.triaged_at),
        "triaged_by": request.triaged_by,
        "first_response_at": when(request.first_response_at),
        "done_at": when(request.done_at),
    }
    if waited is not None:
        found["support_seconds"] = {m: _seconds(getattr(waited, m)) for m in MEASURES}
        found["late"] = sorted(waited.late)
    if comments is not None:
        found["comments"] = [
            {"id": c.id, "at": when(c.at), "author": c.author, "from": str(c.source), "text": c.text}
            for c in comments
        ]
    if history is not None:
        found["history"] = [
            {"at": when(e.at), "who": e.actor, "from": str(e.source), "what": e.kind, "message": e.message}
            for e in history
        ]
    return found


def breach_dict(breach: TriageBreach, tz: ZoneInfo) -> dict[str, Any]:
    return {**request_dict(breach.request, tz), "waited_support_seconds": _seconds(breach.waited)}


def _seconds(value: timedelta | None) -> int | None:
    return None if value is None else round(value.total_seconds())


def report_rows(report: dict[str, dict[str, Figures]]) -> list[dict[str, Any]]:
    """One row per group: its count, and per measure the median and 90th percentile in seconds of support
    hours (empty: no request got there) and how many were late."""
    rows = []
    for by, groups in report.items():
        for name, figures in groups.items():
            row: dict[str, Any] = {"by": by, "group": name, "count": figures.count}
            for measure in MEASURES:
                for what, value in (("median", figures.median), ("p90", figures.p90)):
                    seconds = value[measure]
                    row[f"{measure}_{what}_s"] = "" if seconds is None else round(seconds)
                row[f"{measure}_late"] = figures.late[measure]
            rows.append(row)
    return rows
