"""Timed work: a job row with a due time and a unique key (e.g. `handover:2027-03-02`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class JobState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    DEAD = "dead"


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    key: str
    payload: dict[str, Any]
    due_at: datetime
    state: JobState
    attempts: int
    last_error: str | None = None
