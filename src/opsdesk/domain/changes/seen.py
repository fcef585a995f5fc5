"""What a reviewer saw: a request's version as a short string carried by a review form, and the refusal of
a decision taken on a view of the request that is no longer true (edited, or reviewed by someone else,
since the form was opened)."""

from __future__ import annotations

import hashlib
import json

from opsdesk.domain.changes.model import ChangeAction, ChangeRequest, ChangeState
from opsdesk.domain.errors import ChangeError

SEEN_LIMIT = 64  # characters of a version: far more than one is


def seen_version(change: ChangeRequest) -> str:
    """The request as a reviewer sees it: its state, then a short hash of its title, text and window."""
    window = [change.window.start.isoformat(), change.window.end.isoformat()] if change.window else None
    content = json.dumps([change.title, change.body, window], ensure_ascii=True)
    return f"{change.state}:{hashlib.sha256(content.encode()).hexdigest()[:16]}"


def check_seen(change: ChangeRequest, seen: str | None, action: ChangeAction) -> None:
    """ChangeError when `change` is not as `seen` (a version from seen_version; None: not known), saying
    what changed and what to do: a decision is taken on the request as its reviewer saw it."""
    now = seen_version(change)
    if seen == now:
        return
    ref, verb = change.reference, str(action).capitalize()
    if seen is None:
        raise ChangeError(
            f"this form does not say which version of {ref} you saw: close it and press {verb} again "
            "to review it as it is now"
        )
    seen_state, _, seen_content = seen.partition(":")
    state, _, content = now.partition(":")
    if seen_content != content or seen_state not in set(ChangeState):
        raise ChangeError(
            f"{ref} changed since you opened this form (its window or plan): close it and press {verb} "
            "again to review the new version"
        )
    raise ChangeError(
        f"{ref} is {state} now (it was {seen_state} when you opened this form): close this form; "
        "nothing was done"
    )
