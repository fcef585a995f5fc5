"""The public shapes of change requests and checks (API, `--json`), times in the policy's zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from opsdesk.domain.changes.carry_out import overrun
from opsdesk.domain.changes.checklist import Checklist, Phase
from opsdesk.domain.changes.model import ChangeRequest, CheckResult
from opsdesk.domain.timeline import TimelineEntry
from opsdesk.services.changes.context import Suggestion


def check_dict(result: CheckResult) -> dict[str, Any]:
    """The public shape of a check (`opsdesk change check --json`, the API)."""
    window = None
    if result.window is not None:
        window = {"start": _utc(result.window.start), "end": _utc(result.window.end)}
    return {
        "ok": result.ok,
        "window": window,
        "problems": [
            {"code": str(p.code), "severity": str(p.severity), "message": p.message} for p in result.problems
        ],
    }


def _utc(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def change_dict(
    change: ChangeRequest,
    suggestion: Suggestion,
    history: Sequence[TimelineEntry] | None,
    tz: ZoneInfo,
    checklist: Checklist,
) -> dict[str, Any]:
    """The public shape of a request (API, `--json`), times in the policy's zone; the checklist by phase,
    each item with who ticked it and when (null: not yet)."""

    def when(value: datetime | None) -> str | None:
        return value.astimezone(tz).isoformat() if value else None

    late = overrun(change, change.finished_at) if change.finished_at else None
    found: dict[str, Any] = {
        "id": change.id,
        "reference": change.reference,
        "title": change.title,
        "state": str(change.state),
        "requester": change.requester,
        "submitted_at": when(change.submitted_at),
        "window": {"start": when(change.window.start), "end": when(change.window.end)}
        if change.window
        else None,
        "problems": [
            {"code": str(p.code), "severity": str(p.severity), "message": p.message} for p in change.problems
        ],
        "suggested": {"engineer": suggestion.engineer, "reason": suggestion.reason},
        "assigned": change.assigned,
        "instructions": change.instructions,
        "channel": change.channel,
        "checklist": {
            str(phase): [
                {
                    "item": item.id,
                    "label": item.label,
                    "ticked_by": tick.by if tick else None,
                    "ticked_at": when(tick.at) if tick else None,
                }
                for item in checklist.phase(phase)
                for tick in [change.ticked(item.id)]
            ]
            for phase in Phase
        },
        "reason": change.reason,
        "note": change.note,
        "started_at": when(change.started_at),
        "finished_at": when(change.finished_at),
        "overran_by_seconds": int(late.total_seconds()) if late else None,
        "monitoring_until": when(change.monitoring_until),
        "repository": change.repository,
        "issue": change.issue,
        "body": change.body,
    }
    if history is not None:
        found["history"] = [
            {"at": when(e.at), "who": e.actor, "from": str(e.source), "what": e.kind, "message": e.message}
            for e in history
        ]
    return found
