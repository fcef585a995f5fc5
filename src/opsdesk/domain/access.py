"""Who may do what: API tokens carry one role, and each role includes the ones below it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class AccessRole(StrEnum):
    VIEWER = "viewer"  # reads: cover, who is on duty, the rota, calendars
    REQUESTER = "requester"  # + files out-of-hours change requests
    ENGINEER = "engineer"  # + the outbox, incidents, reviews
    ADMIN = "admin"  # + tokens and settings

    @property
    def rank(self) -> int:
        return list(AccessRole).index(self)

    def allows(self, needed: AccessRole) -> bool:
        return self.rank >= needed.rank


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    role: AccessRole
    created_at: datetime
    revoked_at: datetime | None = None
    hint: str = ""  # the last characters of the token, to tell tokens apart in a list
