"""GitHub issues, through githubkit: a change request's one status comment (found by its marker and edited
in place), its state label, and replies. Rate limits and outages become outbox retries."""

from __future__ import annotations

import ssl
from datetime import timedelta
from typing import Any, cast

import httpx
from githubkit import GitHub
from githubkit.exception import GitHubException, RequestFailed

from opsdesk.domain.outbox import DeliveryError, OutgoingMessage


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
                issues.create_comment(owner, repo, number, data={"body": str(payload["body"])})
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
            raise DeliveryError(f"GitHub unreachable: {type(exc).__name__}") from None
        except ValueError as exc:  # an answer that does not fit GitHub's published schema
            raise DeliveryError(f"GitHub answered something unexpected: {str(exc)[:300]}") from None


def _failure(status: int, headers: Any) -> DeliveryError:
    if status == 429 or (status == 403 and headers.get("x-ratelimit-remaining") == "0"):
        retry_after = headers.get("retry-after", "")
        seconds = int(retry_after) if str(retry_after).isdigit() else 60
        return DeliveryError(f"HTTP {status} from GitHub: rate limited", timedelta(seconds=seconds))
    if status >= 500:
        return DeliveryError(f"HTTP {status} from GitHub")
    return DeliveryError(f"HTTP {status} from GitHub", permanent=True)
