"""Change-request use cases: checking a request as written against the policy, the rota and the cover."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from opsdesk.domain.changes import Booked, ChangePolicy, CheckResult, check_request
from opsdesk.services.rota import RotaService


@dataclass
class ChangeService:
    rota: RotaService
    policy: ChangePolicy
    booked: Callable[[], Sequence[Booked]] = tuple  # approved changes holding windows

    def check(self, body: str, submitted: datetime) -> CheckResult:
        return check_request(body, submitted, self.policy, self.rota.rota, self.rota.engine, self.booked())


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
