"""GitHub webhooks (`issues`, `issue_comment`): the signature checked, then the payload read into events.

https://docs.github.com/en/webhooks: `X-Hub-Signature-256` is `sha256=` and the HMAC-SHA256 of the raw
body with the webhook's secret; `X-GitHub-Delivery` names the delivery (a redelivery repeats it). The
header is not signed, so what a delivery is (an issue's version, a comment) is read from the signed body:
its `updated_at` and the comment's id and `created_at`.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

from opsdesk.adapters.github.commands import read_command
from opsdesk.adapters.github.form import TITLE_PREFIX
from opsdesk.services.changes.events import CommentEvent, IssueEvent

ISSUE_LIMIT = 2**31 - 1
LABELS_READ = 100  # GitHub allows 100 labels on an issue
LABEL_LENGTH = 100  # characters of a label's name read (GitHub's own limit is 50)


def signature_ok(secret: bytes, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest().encode()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").encode("utf-8", "replace"))


def read_event(kind: str, payload: object) -> IssueEvent | CommentEvent | str:  # noqa: PLR0911
    """The event, or what is wrong with it (a payload GitHub would not send)."""
    if not isinstance(payload, dict):
        return "the payload is not a JSON object"
    try:
        repository = str(payload["repository"]["full_name"])
        issue: dict[str, Any] = payload["issue"]
        number = int(issue["number"])
        action = str(payload["action"])
        if not 1 <= number <= ISSUE_LIMIT:
            return f"not a GitHub {kind} event: issue number {number} is out of range"
        if len(repository) > 140 or "/" not in repository:
            return f"not a GitHub {kind} event: {repository[:40]!r} is not an owner/name repository"
        if kind == "issues":
            title = str(issue.get("title") or "")
            return IssueEvent(
                action,
                repository,
                number,
                title,
                str(issue.get("body") or ""),
                str(issue["user"]["login"]),
                _time(issue, "created_at"),
                _time(issue, "updated_at"),
                from_form=title.startswith(TITLE_PREFIX),
                labels=_labels(issue.get("labels")),
                url=_url(issue.get("html_url")),
                sender=_login(payload.get("sender")),
            )
        comment: dict[str, Any] = payload["comment"]
        body = str(comment.get("body") or "")
        return CommentEvent(
            action,
            repository,
            number,
            int(comment["id"]),
            str(comment["user"]["login"]),
            body,
            _time(comment, "created_at"),
            _time(comment, "updated_at"),
            command=read_command(body),
        )
    except KeyError as exc:
        return f"not a GitHub {kind} event: {exc.args[0]!r} is missing"
    except _TimeError as exc:
        return f"not a GitHub {kind} event: {exc}"
    except (TypeError, ValueError):
        return f"not a GitHub {kind} event: a field has the wrong type"


def _labels(found: object) -> tuple[str, ...]:
    """The labels' names (GitHub sends label objects; a plain name is taken too), at most LABELS_READ."""
    if not isinstance(found, list):
        return ()
    names = (item.get("name") if isinstance(item, dict) else item for item in found[:LABELS_READ])
    return tuple(name[:LABEL_LENGTH] for name in names if isinstance(name, str) and name)


def _login(found: object) -> str:
    login = found.get("login") if isinstance(found, dict) else None
    return login[:100] if isinstance(login, str) else ""


def _url(found: object) -> str | None:
    """The issue's page, if it is a web address of a sensible length."""
    if isinstance(found, str) and found.startswith(("https://", "http://")) and len(found) <= 500:
        return found
    return None


class _TimeError(ValueError):
    pass


def _time(found: dict[str, Any], name: str) -> datetime:
    """An ISO 8601 time with its offset, as GitHub writes them (`2027-02-20T10:00:00Z`)."""
    text = str(found[name])
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _TimeError(f"{name} {text[:40]!r} is not an ISO 8601 time") from None
    if value.tzinfo is None:
        raise _TimeError(f"{name} {text[:40]!r} has no time zone")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 with an offset
        raise _TimeError(f"{name} {text[:40]!r} is out of range") from None
