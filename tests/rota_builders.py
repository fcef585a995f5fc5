"""A small team and its rota as plain data, to vary per test and load through the real policy reader."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opsdesk.services.rota import RotaService
from tests.builders import engine_for, policy_from_yaml
from tests.fakes import FixedClock

TEAM: dict[str, Any] = {
    "engineers": [
        {"id": "alice", "name": "Alice", "email": "alice@example.org"},
        {"id": "bilal", "name": "Bilal", "email": "bilal@example.org"},
        {"id": "chen", "name": "Chen", "email": "chen@example.org"},
        {"id": "dana", "name": "Dana", "email": "dana@example.org"},
        {"id": "eve", "name": "Eve", "email": "eve@example.org", "experienced": False},
        {"id": "omar", "name": "Omar", "email": "omar@example.org", "on-call": False, "support": False},
    ],
    "rota": {
        "on-call": [
            {"week": "2026-11-30", "primary": "alice", "secondary": "bilal"},
            {"week": "2026-12-07", "primary": "chen", "secondary": "dana"},
        ],
        # nobody has the support duty while on call that week, nor on the Monday after an on-call weekend
        "support": [
            {"date": day, "engineer": who}
            for day, who in [
                ("2026-11-30", "eve"),
                ("2026-12-01", "dana"),
                ("2026-12-02", "chen"),
                ("2026-12-03", "eve"),
                ("2026-12-04", "dana"),
                ("2026-12-07", "eve"),
                ("2026-12-08", "alice"),
                ("2026-12-09", "bilal"),
                ("2026-12-10", "alice"),
                ("2026-12-11", "bilal"),
            ]
        ],
    },
}


def team(**changes: Any) -> dict[str, Any]:
    """TEAM with top-level keys replaced or added."""
    document = copy.deepcopy(TEAM)
    document.update(changes)
    return document


def lenient_team(**changes: Any) -> dict[str, Any]:
    """TEAM letting an engineer hold the support duty and be on call the same day: for trying rota changes
    (swaps, overrides) whose mechanics are the point, not the fatigue rule a small team trips over."""
    document = team(**changes)
    document["rota"]["fatigue"] = {"support-on-call-same-day": True}
    return document


def rota_service(
    document: dict[str, Any], cache_dir: Path, now: str = "2026-12-01T10:00:00+00:00"
) -> RotaService:
    policy = policy_from_yaml(json.dumps(document))  # JSON is YAML
    return RotaService(
        engine_for(policy, cache_dir), policy.rota, FixedClock(datetime.fromisoformat(now).astimezone(UTC))
    )
