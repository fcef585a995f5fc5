"""GitHub issues, through githubkit: a change request's one status comment (found by its marker and edited
in place), its state label, and replies. Rate limits and outages become outbox retries.

Each reply carries a hidden marker made from its outbox key, so after an attempt whose answer was lost
the channel finds the reply on the issue instead of posting it twice.
"""

from __future__ import annotations

import hashlib
import ssl
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
from githubkit import GitHub
from githubkit.exception import GitHubException, RequestFailed

from opsdesk.domain.outbox import Arrival, DeliveryError, OutgoingMessage, retry_after

PAGES = 10  # of 100 comments each, at most, when looking for a reply
LOOK_BACK = timedelta(minutes=2)  # before the attempt began: clocks differ a little


def reply_marker(key: str) -> str:
    """The hidden marker of one reply (the key hashed: it may hold anything, `-->` included)."""
    return f"<!-- opsdesk:reply:{hashlib.sha256(key.encode()).hexdigest()[:32]} -->"


class GitHubChannel:
    def __init__(
        self, token: str, base_url: str = "https://api.github.com", verify: ssl.SSLContext | bool = True
    ) -> None:
        # No retries or cache of its own: the outbox owns retries, so attempts and backoff stay visible.
        self._github = GitHub(
            token, base_url=base_url, auto_retry=False, http_cache=False, ssl_verify=verify, timeout=10
        )

    def send(self, message: OutgoingMessage) -> None:
        payload = message.payload
        owner, _, repo = str(payload["repository"]).partition("/")
        number = int(payload["issue"])
        issues = self._github.rest.issues
        try:
            if payload["kind"] == "reply":
                body = f"{payload['body']}\n\n{reply_marker(message.idempotency_key)}"
                issues.create_comment(owner, repo, number, data={"body": body})
                return
            marker = str(payload["marker"])
            comments: list[Any] = cast(
                Any, issues.list_comments(owner, repo, number, per_page=100).parsed_data
            )
            mine = next((c for c in comments if marker in (c.body or "")), None)
            if mine is None:
                issues.create_comment(owner, repo, number, data={"body": str(payload["body"])})
            else:
                issues.update_comment(owner, repo, mine.id, data={"body": str(payload["body"])})
            prefix = str(payload["label_prefix"])
            labels: list[Any] = cast(Any, issues.list_labels_on_issue(owner, repo, number).parsed_data)
            current = [label.name for label in labels]
            wanted = [name for name in current if not name.startswith(prefix)] + list(payload["labels"])
            if sorted(wanted) != sorted(current):
                issues.set_labels(owner, repo, number, data={"labels": wanted})
        except RequestFailed as exc:
            raise _failure(exc.response.status_code, exc.response.headers) from None
        except (GitHubException, httpx.HTTPError, OSError) as exc:
            raise DeliveryError(
                f"GitHub unreachable: {type(exc).__name__}", in_doubt=not _never_sent(exc)
            ) from None
        except ValueError as exc:  # an answer that does not fit GitHub's published schema
            raise DeliveryError(
                f"GitHub answered something unexpected: {str(exc)[:300]}", in_doubt=True
            ) from None

    def arrival(self, message: OutgoingMessage, since: datetime) -> Arrival:
        """A reply is looked for by its marker; the status comment is edited in place, so sent again."""
        payload = message.payload
        if payload["kind"] != "reply":
            return Arrival.SEND
        owner, _, repo = str(payload["repository"]).partition("/")
        marker = reply_marker(message.idempotency_key)
        try:
            for page in range(1, PAGES + 1):
                comments: list[Any] = cast(
                    Any,
                    self._github.rest.issues.list_comments(
                        owner,
                        repo,
                        int(payload["issue"]),
                        per_page=100,
                        page=page,
                        since=since - LOOK_BACK,
                    ).parsed_data,
                )
                if any(marker in (c.body or "") for c in comments):
                    return Arrival.ARRIVED
                if len(comments) < 100:
                    return Arrival.SEND
        except RequestFailed as exc:
            raise _failure(exc.response.status_code, exc.response.headers) from None
        except (GitHubException, httpx.HTTPError, OSError, ValueError) as exc:
            raise DeliveryError(
                f"GitHub unreachable while looking for a reply: {type(exc).__name__}"
            ) from None
        return Arrival.UNKNOWN


def _never_sent(exc: Exception) -> bool:
    return isinstance(exc, httpx.ConnectError | ConnectionRefusedError)


def _failure(status: int, headers: Any) -> DeliveryError:
    if status == 429 or (status == 403 and headers.get("x-ratelimit-remaining") == "0"):
        wait = retry_after(headers.get("retry-after"), datetime.now(UTC)) or timedelta(seconds=60)
        return DeliveryError(f"HTTP {status} from GitHub: rate limited", wait)
    if status >= 500:
        return DeliveryError(f"HTTP {status} from GitHub")
    return DeliveryError(f"HTTP {status} from GitHub", permanent=True)
