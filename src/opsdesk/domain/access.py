"""Who may do what: API tokens carry one role, and each role includes the ones below it."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class AccessRole(StrEnum):
    VIEWER = "viewer"  # reads: cover, who is on duty, the rota, calendars
    REQUESTER = "requester"  # + files out-of-hours change requests and support requests
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


# Letters, digits, spaces, '.', '_' and '-', starting with a letter or digit, and never all digits: a name
# of digits could be read as a token's number, and `opsdesk token revoke` must never revoke another token.
TOKEN_NAME_PATTERN = r"^(?:[A-Za-z][A-Za-z0-9 ._-]*|[0-9][A-Za-z0-9 ._-]*[A-Za-z ._-][A-Za-z0-9 ._-]*)$"  # noqa: S105
TOKEN_NAME_LIMIT = 100


def token_name_problem(name: str) -> str | None:
    """What is wrong with `name` as a new token's name, or None."""
    if name.isascii() and name.isdigit():
        return "a token name is never all digits (it could be taken for a token's number): add a letter, e.g. ci-2"
    if not name or len(name) > TOKEN_NAME_LIMIT or not re.fullmatch(TOKEN_NAME_PATTERN, name):
        return (
            f"a token name is 1 to {TOKEN_NAME_LIMIT} letters, digits, spaces, '.', '_' or '-', starting "
            "with a letter or digit, e.g. grafana"
        )
    return None


def feed_secret(key: bytes, feed: str, generation: str = "") -> str:
    """The secret a calendar feed's URL carries (calendar apps cannot send headers): an HMAC of the feed's
    name, and of its generation once its URL has been revoked, under the deployment's calendar-feed key."""
    message = f"calendar:{feed}" if not generation else f"calendar:{feed}:{generation}"
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()[:32]
