"""GitHub deliveries to change requests, taken in by what their signature covers.

`X-GitHub-Delivery` is not signed: a captured delivery resent under a new id would pass a check on the
header alone. So each delivery is also taken in by its signed content: an issue's version (its
`updated_at`, the action and a digest of its text, as two edits may share a second) or a comment (its
id, `updated_at` and the action). Two marks per issue keep order: the newest version taken in (an older
one delivered late is stale) and when the request's substance last changed (a command written before
then was written about another request). A mark is a row of the receipts table whose time is the
mark's, so each look-up is one row by its key and no new column is needed.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

from opsdesk.services.changes.events import CommentEvent, IssueEvent
from opsdesk.services.unit_of_work import Receipts

logger = logging.getLogger("opsdesk.github")


def issue_receipt(event: IssueEvent) -> str:
    digest = hashlib.sha256(f"{event.title}\n{event.body}".encode(errors="replace")).hexdigest()[:16]
    return f"github:issue:{event.repository}#{event.number}:{event.updated_at.isoformat()}:{event.action[:32]}:{digest}"


def comment_receipt(event: CommentEvent) -> str:
    return f"github:comment:{event.comment_id}:{event.updated_at.isoformat()}:{event.action[:32]}"


def substance_mark(repository: str, number: int) -> str:
    return f"github:issue-substance:{repository}#{number}"


def taken(tx: Receipts, content: str, delivery: str, now: datetime) -> str | None:
    """What to answer a delivery already taken in (a redelivery, or a replay under a new id); None
    for a new one."""
    fresh_delivery = tx.receipt(f"github:{delivery}", now)
    fresh_content = tx.receipt(content, now)
    if not fresh_delivery:
        return "duplicate delivery: ignored"
    if not fresh_content:
        # Signed, so sent by GitHub once; again under another id it was captured and resent.
        logger.warning("a replayed GitHub delivery was ignored", extra={"delivery": delivery, "key": content})
        what = "comment" if content.startswith("github:comment:") else "version of the issue"
        return f"replayed delivery: this {what} was already taken in; ignored"
    return None


def stale(tx: Receipts, event: IssueEvent) -> str | None:
    """Why this version of the issue is ignored (one newer was taken in); else None, and it is
    marked the newest."""
    key = f"github:issue-version:{event.repository}#{event.number}"
    newest = tx.marked(key)
    if newest is not None and event.updated_at < newest:
        return (
            f"stale: this version of the issue ({utc_text(event.updated_at)}) is older than one already "
            f"taken in ({utc_text(newest)}); ignored"
        )
    tx.mark(key, event.updated_at)
    return None


def utc_text(at: datetime) -> str:
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
